// Snapshots and reverse execution: a machine restored from a snapshot runs on with the same
// console output, trace and statistics as one never stopped (one vCPU with the MMU on and
// timer interrupts, and the SMP guest on several pCPUs); corrupt and foreign snapshots are
// rejected; stepping back N and forward N returns to the same state; and every field of the
// saved context is in the snapshot.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <random>
#include <set>

#include <unistd.h>

#include "support/elf_builder.h"
#include "support/vcpu_snapshot.h"
#include "versions/v3/handlers.h"
#include "versions/v4/handlers.h"
#include "versions/v7/handlers.h"
#include "vmm/debug/run_control.h"
#include "vmm/monitor.h"
#include "vmm/snapshot.h"

using namespace trapeze;

namespace {

// Every trace event as the text sink prints it, with its time and pCPU.
struct TextLog final : TraceSink {
    std::vector<std::string> lines;
    void write(const TraceEvent& e) override {
        lines.push_back(fmt::format("{} p{} {}", e.time_ns, e.pcpu, format_trace_text(e)));
    }
};

// One guest on a monitor: the console, the trace, and what the run leaves behind.
struct Machine {
    VersionHooks hooks;
    Tracer tracer;
    TextLog* log = nullptr;
    std::unique_ptr<Monitor> monitor;
    std::unique_ptr<Vm> vm;
    std::string console;

    Machine(void (*install)(VersionHooks&), const std::string& guest, unsigned vcpus, unsigned pcpus,
            std::uint64_t ram = 32 << 20) {
        install(hooks);
        auto sink = std::make_unique<TextLog>();
        log = sink.get();
        tracer.add(std::move(sink));
        monitor = std::make_unique<Monitor>(hooks, tracer, MonitorOptions{.quantum = 5000, .pcpus = pcpus});
        VmConfig config;
        config.guest = guest;
        config.vcpus = vcpus;
        config.ram_size = ram;
        vm = std::make_unique<Vm>(0, config, ElfImage::read_file(guest), [this](const std::string& line) { console += line; });
        monitor->add(*vm);
    }
};

// The statistics the run's summary is made of, as one string.
std::string statistics(Vm& vm) {
    std::string out = fmt::format("{} {}\n", static_cast<int>(vm.status), vm.stop_reason);
    for (auto& v : vm.vcpus()) {
        out += fmt::format("vcpu{} retired {} ptimer {} virqs {} irq_handler_exits {} clock {}\n", v->id(), v->retired,
                           v->physical_timer_exits, v->virqs_injected, v->irq_handler_exits, v->clock_ns);
        for (unsigned ec = 0; ec < 64; ++ec)
            if (v->exits_by_ec[ec] || v->forwarded_by_ec[ec])
                out += fmt::format("  ec {:#x}: {} exits, {} forwarded\n", ec, v->exits_by_ec[ec], v->forwarded_by_ec[ec]);
    }
    return out;
}

bool ends_with(const std::vector<std::string>& all, const std::vector<std::string>& tail) {
    return tail.size() <= all.size() && std::equal(tail.begin(), tail.end(), all.end() - static_cast<long>(tail.size()));
}

std::string temp_file(const std::string& name) {
    return (std::filesystem::temp_directory_path() / fmt::format("trapeze-test-{}-{}", ::getpid(), name)).string();
}

// Runs `guest` whole, then again with a snapshot after `at` instructions, then from that
// snapshot in a fresh machine: the three agree on everything from the snapshot on.
void check_restore_continues(void (*install)(VersionHooks&), const std::string& guest, unsigned vcpus, unsigned pcpus,
                             std::uint64_t at) {
    CAPTURE(guest);
    CAPTURE(at);
    Machine whole(install, guest, vcpus, pcpus);
    whole.monitor->run();
    REQUIRE(whole.vm->status == VmStatus::PoweredOff);

    const std::string file = temp_file("snapshot");
    Machine saving(install, guest, vcpus, pcpus);
    SnapshotAtAgent agent(*saving.monitor, at, file);
    saving.monitor->set_debug_agent(&agent);
    saving.monitor->run();
    REQUIRE(agent.written());
    CHECK(agent.taken_at() >= at);
    // Taking the snapshot changes nothing.
    CHECK(saving.console == whole.console);
    CHECK(saving.log->lines == whole.log->lines);

    Machine restored(install, guest, vcpus, pcpus);
    restore_snapshot(*restored.monitor, read_snapshot_file(file));
    std::remove(file.c_str());
    CHECK(machine_instructions(*restored.monitor) == agent.taken_at());
    restored.monitor->run();
    CHECK(restored.vm->status == VmStatus::PoweredOff);
    CHECK(statistics(*restored.vm) == statistics(*whole.vm));
    REQUIRE(!restored.log->lines.empty());
    CHECK(ends_with(whole.log->lines, restored.log->lines));
    CHECK(restored.log->lines.size() < whole.log->lines.size());
    // The console: what was not yet a whole line at the snapshot, and everything after it.
    CHECK(!restored.console.empty());
    CHECK(whole.console.ends_with(restored.console));
    CHECK(restored.vm->uart().output().size() <= restored.console.size());
}

std::uint64_t memory_hash(Vm& vm) {
    std::uint64_t h = 0xcbf2'9ce4'8422'2325ull;
    const GuestMemory& m = vm.memory();
    const std::uint8_t* p = vm.memory().host(m.ram_base(), m.ram_size());
    for (std::uint64_t i = 0; i < m.ram_size(); i += 8) {
        std::uint64_t w;
        std::memcpy(&w, p + i, 8);
        h = (h ^ w) * 0x100'0000'01b3ull;
    }
    return h;
}

// A debugger driven by a list of actions, one per hold (each resumes the run somehow).
class ScriptedControl final : public RunControl {
public:
    using RunControl::RunControl;
    std::vector<std::function<void(Vcpu&)>> actions;
    std::size_t next = 0;

protected:
    void on_hold(Vcpu& vcpu) override {
        if (next == actions.size()) {
            stop_machine("the script is over");
            return;
        }
        actions[next++](vcpu);
    }
};

struct State {
    test::VcpuSnapshot vcpu;
    std::uint64_t memory = 0;
    std::uint64_t position = 0;
    std::string output;
};

State state_of(Vcpu& vcpu, ScriptedControl& control) {
    return {test::VcpuSnapshot::of(vcpu), memory_hash(vcpu.vm()), control.position(), vcpu.vm().uart().output()};
}

}  // namespace

TEST_CASE("snapshot: every field of the vCPU context and the devices is saved (sizes checked)") {
    // A field added to one of these must be saved and restored in vmm/snapshot.cpp, and its
    // size added here. RegisterFile: X slots, PC, NZCV, TPIDR_EL0, V0..V31, FPCR, FPSR, padding.
    static_assert(sizeof(RegisterFile) == 34 * 8 + 8 + 8 + 8 + 8 + 32 * 16 + 4 + 4 + 8, "save RegisterFile's new field");
    // A timer (CNTV or CNTP): CTL and CVAL.
    static_assert(sizeof(GenericTimer) == 2 * 8, "save GenericTimer's new field");
    // The redistributor and CPU interface: five INTID masks, priorities, asleep, PMR, BPR1, CTLR,
    // IGRPEN1, the running priority, the priorities before each acknowledge, ICC_AP1R0..3;
    // then the distributor and the affinity it is reached by (wiring, made with the vCPU).
    static_assert(sizeof(GicCpuInterface) == 5 * 4 + 32 + 1 + 3 /*pad*/ + 3 * 8 + 1 + 1 + kGicIntids + 2 /*pad*/ +
                                                 4 * 4 + 4 /*pad*/ + 8 + 8,
                  "save GicCpuInterface's new field");
    // The distributor: CTLR, six SPI masks, SPI priorities and routes; its CPU interfaces
    // (wiring), and the RAZ/WI registers the trace named, with their notes.
    static_assert(sizeof(GicDistributor) == 4 + 4 /*pad*/ + 6 * 8 + kGicSpiCount + kGicSpiCount * 8 + 24 + 24 + 80,
                  "save GicDistributor's new field");
    // The UART: prefix, sink, line, output, bytes written and shown, the RX FIFO, nine registers.
    static_assert(sizeof(Pl011) == 32 + 32 + 32 + 32 + 8 + 8 + 80 + 9 * 4 + 4 /*pad*/, "save Pl011's new field");
    // The vCPU: its registers and context (RegisterFile, the banked SP, EL, SPSel, IL, DAIF,
    // every system register), its run state, clocks and statistics, its two timers and GIC.
    static_assert(sizeof(Vcpu) == 2280 + kSysregCount * 8, "save the vCPU's new field");
    // The pCPU: its id (padded to the interpreter's alignment), the interpreter, clock, what it
    // runs, its VM_runqueue, quantum, reschedule flag, a directed yield's target and statistics,
    // rounded up to that alignment.
    constexpr auto round_up = [](std::size_t n, std::size_t to) { return (n + to - 1) / to * to; };
    static_assert(sizeof(PhysicalCpu) ==
                      round_up(alignof(Cpu) + sizeof(Cpu) + 8 + 8 + 80 /*runqueue*/ + 8 + 8 + 8 + 8 + 8 + 8 + 8, alignof(Cpu)),
                  "save PhysicalCpu's new field");
    CHECK(true);
}

TEST_CASE("snapshot: a single-vCPU guest with the MMU on and timer interrupts continues identically") {
    // v3's user thread (the guest kernel's page tables, SVCs, timer preemption) and v4's
    // processes (many threads), each from snapshots early, in the middle and late.
    for (std::uint64_t at : {1ull, 150'000ull, 1'000'003ull})
        check_restore_continues(v3::install, TRAPEZE_GUESTS_DIR "/uthread.elf", 1, 1, at);
    for (std::uint64_t at : {400'000ull, 2'500'000ull})
        check_restore_continues(v4::install, TRAPEZE_GUESTS_DIR "/processes.elf", 1, 1, at);
}

TEST_CASE("snapshot: the SMP guest on 4 vCPUs over 2 pCPUs continues identically") {
    for (std::uint64_t at : {20'000ull, 200'000ull})
        check_restore_continues(v7::install, TRAPEZE_GUESTS_DIR "/smp.elf", 4, 2, at);
    check_restore_continues(v7::install, TRAPEZE_GUESTS_DIR "/smp.elf", 2, 1, 100'000);
}

TEST_CASE("snapshot: corrupt, truncated, foreign and other-version snapshots are rejected, changing nothing") {
    Machine m(v3::install, TRAPEZE_GUESTS_DIR "/uthread.elf", 1, 1);
    const std::vector<std::uint8_t> good = save_snapshot(*m.monitor);
    const auto message = [&](std::vector<std::uint8_t> bytes) -> std::string {
        Machine target(v3::install, TRAPEZE_GUESTS_DIR "/uthread.elf", 1, 1);
        try {
            restore_snapshot(*target.monitor, bytes);
        } catch (const SnapshotError& e) {
            return e.what();
        }
        return "accepted";
    };
    CHECK(message(good) == "accepted");
    CHECK(message({}) == "not a Trapeze snapshot (no TRAPSNAP magic at its start)");
    auto magic = good;
    magic[0] = 'X';
    CHECK(message(magic) == "not a Trapeze snapshot (no TRAPSNAP magic at its start)");
    auto version = good;
    version[8] = 1;
    CHECK(message(version) == "snapshot format version 1; this Trapeze reads version 2");
    auto truncated = good;
    truncated.resize(good.size() - 1);
    CHECK(message(truncated) == fmt::format("the snapshot is truncated or padded: its header says {} bytes follow, {} do",
                                            good.size() - 32, good.size() - 33));
    CHECK(message(std::vector<std::uint8_t>(good.begin(), good.begin() + 40)).starts_with("the snapshot is truncated"));
    // A flipped bit anywhere in the payload: the checksum.
    std::mt19937_64 random(12);
    for (int i = 0; i < 20; ++i) {
        auto flipped = good;
        const std::size_t at = 32 + random() % (good.size() - 32);
        flipped[at] ^= static_cast<std::uint8_t>(1u << (random() % 8));
        CAPTURE(at);
        CHECK(message(flipped) == "the snapshot is corrupt: its CRC-32 checksum does not match");
    }
    auto crc = good;
    crc[24] ^= 1;
    CHECK(message(crc) == "the snapshot is corrupt: its CRC-32 checksum does not match");

    // Another machine: another guest, another RAM size, another version, another quantum.
    const auto foreign = [&](Machine& other) {
        try {
            restore_snapshot(*other.monitor, good);
        } catch (const SnapshotError& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    Machine hello(v3::install, TRAPEZE_GUESTS_DIR "/hello.elf", 1, 1);
    CHECK(foreign(hello) == "the snapshot is of another machine: vm0 ran another guest image");
    Machine small(v3::install, TRAPEZE_GUESTS_DIR "/uthread.elf", 1, 1, 16 << 20);
    CHECK(foreign(small) == "the snapshot is of another machine: vm0's RAM (bytes) 33554432 there, 16777216 here");
    Machine v4(v4::install, TRAPEZE_GUESTS_DIR "/uthread.elf", 1, 1);
    CHECK(foreign(v4) == "the snapshot is of another machine: the target's version v3 there, v4 here");
    Machine two(v3::install, TRAPEZE_GUESTS_DIR "/uthread.elf", 2, 1);
    CHECK(foreign(two) == "the snapshot is of another machine: vm0's vCPUs 1 there, 2 here");
    // Rejected before anything changed: the machine still runs its own guest from the start.
    two.monitor->run();
    CHECK(two.vm->status == VmStatus::PoweredOff);
}

TEST_CASE("reverse execution: stepping back N and forward N returns to the same state (seeded random N)") {
    Machine m(v3::install, TRAPEZE_GUESTS_DIR "/uthread.elf", 1, 1);
    ScriptedControl control(*m.vm, "v3");
    control.attach_monitor(*m.monitor);
    m.tracer.add(std::make_unique<RunControlSink>(control));
    control.set_checkpoint_interval(20'000);  // many checkpoints: replays start from different ones
    m.monitor->set_debug_agent(&control);
    std::mt19937_64 random(2026);
    State before, after;
    std::uint64_t n = 0;
    unsigned rounds = 0;
    // Each round: run forward to a random point, note the state, step N, note it, step back
    // N (the first state again), step forward N (the second again).
    for (unsigned round = 0; round < 12; ++round) {
        control.actions.push_back([&](Vcpu&) { control.step(1 + random() % 60'000); });
        control.actions.push_back([&, round](Vcpu& v) {  // the loop's `round` is gone when it runs
            before = state_of(v, control);
            n = 1 + random() % (round < 6 ? 50 : 30'000);
            control.step(n);
        });
        control.actions.push_back([&](Vcpu& v) {
            after = state_of(v, control);
            CHECK(after.position == before.position + n);
            control.reverse_step(n);
        });
        control.actions.push_back([&](Vcpu& v) {
            const State back = state_of(v, control);
            CHECK(control.stop_reason() == fmt::format("stepped back {} to step {}", n, before.position));
            CHECK(back.position == before.position);
            CHECK_VCPU_STATE(v, before.vcpu);
            CHECK(back.memory == before.memory);
            CHECK(back.output == before.output);
            control.step(n);
        });
        control.actions.push_back([&](Vcpu& v) {
            const State again = state_of(v, control);
            CHECK(again.position == after.position);
            CHECK_VCPU_STATE(v, after.vcpu);
            CHECK(again.memory == after.memory);
            CHECK(again.output == after.output);
            ++rounds;
            control.step(1);
        });
    }
    m.monitor->run();
    CHECK(rounds == 12);
    CHECK(control.checkpoint_count() > 10);
    // Each line of the console was shown once, however often it was replayed.
    Machine whole(v3::install, TRAPEZE_GUESTS_DIR "/uthread.elf", 1, 1);
    whole.monitor->run();
    CHECK(whole.console.starts_with(m.console));
    CHECK(!m.console.empty());
}

// The whole machine: every vCPU of every VM, each VM's memory and console.
struct MachineState {
    std::vector<test::VcpuSnapshot> vcpus;
    std::vector<std::uint64_t> memory;
    std::vector<std::string> output;
    std::uint64_t position = 0;
};

MachineState machine_state(ScriptedControl& control) {
    MachineState s;
    for (Vm* vm : control.machine_vms()) {
        for (auto& v : vm->vcpus()) s.vcpus.push_back(test::VcpuSnapshot::of(*v));
        s.memory.push_back(memory_hash(*vm));
        s.output.push_back(vm->uart().output());
    }
    s.position = control.position();
    return s;
}

void check_same_machine(ScriptedControl& control, const MachineState& expected) {
    const MachineState now = machine_state(control);
    CHECK(now.position == expected.position);
    std::size_t i = 0;
    for (Vm* vm : control.machine_vms())
        for (auto& v : vm->vcpus()) CHECK_VCPU_STATE(*v, expected.vcpus.at(i++));
    CHECK(now.memory == expected.memory);
    CHECK(now.output == expected.output);
}

TEST_CASE("reverse execution with several VMs on one pCPU: back N and forward N, across VM switches") {
    // VM 0 runs the ticks guest (timer interrupts, WFI), VM 1 the heartbeat: VM switches (a
    // quantum of 5000) and wake-ups fall inside the stretches stepped over.
    Machine m(v7::install, TRAPEZE_GUESTS_DIR "/ticks.elf", 1, 1);
    VmConfig config;
    config.name = "beat";
    config.guest = TRAPEZE_GUESTS_DIR "/heartbeat.elf";
    config.ram_size = 16 << 20;
    std::string beat_console;
    Vm beat(1, config, ElfImage::read_file(config.guest), [&](const std::string& line) { beat_console += line; });
    m.monitor->add(beat);
    ScriptedControl control(*m.vm, "v7");
    control.attach_monitor(*m.monitor);
    m.tracer.add(std::make_unique<RunControlSink>(control));
    control.set_checkpoint_interval(20'000);
    m.monitor->set_debug_agent(&control);
    std::mt19937_64 random(2027);
    unsigned held_vm = 0, crossings = 0;  // rounds whose N steps went from one VM into the other
    MachineState before, after;
    std::uint64_t n = 0;
    unsigned rounds = 0;
    std::set<std::string> held_on;  // the vCPUs the run was held on: both VMs
    for (unsigned round = 0; round < 10; ++round) {
        control.actions.push_back([&](Vcpu&) { control.step(1 + random() % 80'000); });
        control.actions.push_back([&, round](Vcpu& v) {
            before = machine_state(control);
            held_on.insert(fmt::format("{}/{}", v.vm().id(), v.id()));
            held_vm = v.vm().id();
            n = 1 + random() % (round < 4 ? 50 : 40'000);
            control.step(n);
        });
        control.actions.push_back([&](Vcpu& v) {
            after = machine_state(control);
            crossings += v.vm().id() != held_vm;
            CHECK(after.position == before.position + n);
            control.reverse_step(n);
        });
        control.actions.push_back([&](Vcpu&) {
            CHECK(control.stop_reason() == fmt::format("stepped back {} to step {}", n, before.position));
            check_same_machine(control, before);
            control.step(n);
        });
        control.actions.push_back([&](Vcpu&) {
            check_same_machine(control, after);
            ++rounds;
            control.step(1);
        });
    }
    m.monitor->run();
    CHECK(rounds == 10);
    CHECK(control.checkpoint_count() > 10);
    CHECK(held_on.size() == 2);
    CHECK(crossings >= 2);  // some stretches stepped back over a VM switch
}

TEST_CASE("reverse execution: reverse-continue goes back to the last breakpoint; goto goes anywhere") {
    Machine m(v3::install, TRAPEZE_GUESTS_DIR "/uthread.elf", 1, 1);
    ScriptedControl control(*m.vm, "v3");
    control.attach_monitor(*m.monitor);
    m.tracer.add(std::make_unique<RunControlSink>(control));
    control.set_checkpoint_interval(300);  // shorter than the gaps between SVCs: stretches without one
    m.monitor->set_debug_agent(&control);
    constexpr unsigned kSvcs = 6;
    std::vector<std::uint64_t> svcs;  // where each SVC breakpoint stopped the run
    std::vector<State> at_svc;
    std::vector<std::uint64_t> back;  // where each reverse-continue stopped it
    control.actions.push_back([&](Vcpu&) {
        control.add_trap("svc", "");
        control.resume();
    });
    for (unsigned i = 0; i < kSvcs; ++i)
        control.actions.push_back([&](Vcpu& v) {
            svcs.push_back(control.position());
            at_svc.push_back(state_of(v, control));
            if (svcs.size() < kSvcs) control.resume();
            else control.reverse_continue();
        });
    for (unsigned i = 0; i + 1 < kSvcs; ++i)
        control.actions.push_back([&, i](Vcpu& v) {
            back.push_back(control.position());
            const State& want = at_svc[kSvcs - 2 - i];
            CHECK(control.position() == want.position);
            CHECK_VCPU_STATE(v, want.vcpu);
            CHECK(memory_hash(v.vm()) == want.memory);
            CHECK(control.stop_reason().starts_with("breakpoint 1 (trap svc): SVC #0x0"));
            control.reverse_continue();
        });
    control.actions.push_back([&](Vcpu&) {
        CHECK(control.position() == 0);
        CHECK(control.at_history_start());
        CHECK(control.stop_reason() == "no earlier stop: back at step 0, the start of the recorded history");
        CHECK_THROWS_WITH_AS(control.reverse_step(1), "no history before step 0: this is where it starts",
                             std::invalid_argument);
        control.remove_all();
        control.go_to(svcs.back() + 1000);  // forward, by replay and then past the recorded end
    });
    control.actions.push_back([&](Vcpu& v) {
        CHECK(control.position() == svcs.back() + 1000);
        control.reverse_next_trap();
    });
    control.actions.push_back([&](Vcpu&) {
        CHECK(control.position() < svcs.back() + 1000);
        CHECK(control.position() >= svcs.back());
        CHECK(control.stop_reason().starts_with("the previous trap: "));
        control.go_to(svcs[2]);
    });
    control.actions.push_back([&](Vcpu& v) {
        CHECK(control.stop_reason() == fmt::format("went to step {}", svcs[2]));
        CHECK_VCPU_STATE(v, at_svc[2].vcpu);
        CHECK(memory_hash(v.vm()) == at_svc[2].memory);
    });
    m.monitor->run();
    CHECK(control.next == control.actions.size());
    CHECK(svcs.size() == kSvcs);
    CHECK(back.size() == kSvcs - 1);
    CHECK(control.checkpoint_count() > kSvcs);
}

TEST_CASE("snapshot: an exclusive reservation taken before the snapshot holds after the restore") {
    // LDXR, then the snapshot, then STXR: the store succeeds (w2 = 0) in the restored machine
    // as in the one never stopped.
    const std::vector<std::uint32_t> words = {
        0xd2820000,  // mov x0, #0x1000
        0xf2a80100,  // movk x0, #0x4008, lsl #16
        0xc85f7c01,  // ldxr x1, [x0]
        0xc8027c01,  // stxr w2, x1, [x0]
        0x52800100,  // mov w0, #8
        0x72b08000,  // movk w0, #0x8400, lsl #16: PSCI SYSTEM_OFF
        0xd4000002,  // hvc #0
    };
    const auto machine = [&](Tracer& tracer, VersionHooks& hooks, std::unique_ptr<Monitor>& monitor) {
        v3::install(hooks);
        monitor = std::make_unique<Monitor>(hooks, tracer, MonitorOptions{});
        VmConfig config;
        config.ram_size = 1 << 20;
        auto vm = std::make_unique<Vm>(0, config, ElfImage::parse(test::tiny_elf(words), "exclusive"),
                                       [](const std::string&) {});
        monitor->add(*vm);
        return vm;
    };
    Tracer tracer;
    VersionHooks hooks;
    std::unique_ptr<Monitor> monitor;
    auto vm = machine(tracer, hooks, monitor);
    ScriptedControl control(*vm, "v3");
    control.attach_monitor(*monitor);
    monitor->set_debug_agent(&control);
    std::vector<std::uint8_t> snapshot;
    control.actions = {
        [&](Vcpu&) { control.step(3); },
        [&](Vcpu& v) {
            CHECK(v.pc() == test::kLoad + 12);  // after the LDXR
            snapshot = save_snapshot(*monitor);
            control.detach();
        },
    };
    monitor->run();
    REQUIRE(vm->status == VmStatus::PoweredOff);
    CHECK(vm->vcpu(0).x(2) == 0);

    Tracer tracer2;
    VersionHooks hooks2;
    std::unique_ptr<Monitor> monitor2;
    auto restored = machine(tracer2, hooks2, monitor2);
    restore_snapshot(*monitor2, snapshot);
    monitor2->run();
    CHECK(restored->status == VmStatus::PoweredOff);
    CHECK(restored->vcpu(0).x(2) == 0);
    CHECK(restored->vcpu(0).retired == vm->vcpu(0).retired);
}

TEST_CASE("snapshot: an event registered before the snapshot lets the WFE after the restore go on") {
    // SEVL, then the snapshot, then WFE: the WFE completes without a trap (alone in its VM, a
    // WFE that traps would wait for ever) in the restored machine as in the one never stopped.
    const std::vector<std::uint32_t> words = {
        0xd50320bf,  // sevl
        0xd503201f,  // nop
        0xd503205f,  // wfe
        0x52800100,  // mov w0, #8
        0x72b08000,  // movk w0, #0x8400, lsl #16: PSCI SYSTEM_OFF
        0xd4000002,  // hvc #0
    };
    const auto machine = [&](Tracer& tracer, VersionHooks& hooks, std::unique_ptr<Monitor>& monitor) {
        v7::install(hooks);
        monitor = std::make_unique<Monitor>(hooks, tracer, MonitorOptions{});
        VmConfig config;
        config.ram_size = 1 << 20;
        auto vm = std::make_unique<Vm>(0, config, ElfImage::parse(test::tiny_elf(words), "event"), [](const std::string&) {});
        monitor->add(*vm);
        return vm;
    };
    constexpr auto kWfx = static_cast<std::size_t>(ExceptionClass::WfiWfe);
    Tracer tracer;
    VersionHooks hooks;
    std::unique_ptr<Monitor> monitor;
    auto vm = machine(tracer, hooks, monitor);
    ScriptedControl control(*vm, "v7");
    control.attach_monitor(*monitor);
    monitor->set_debug_agent(&control);
    std::vector<std::uint8_t> snapshot;
    control.actions = {
        [&](Vcpu&) { control.step(2); },
        [&](Vcpu& v) {
            CHECK(v.pc() == test::kLoad + 8);  // after the SEVL and the NOP
            CHECK(v.vm().exclusive_monitor().event_pending(0));
            snapshot = save_snapshot(*monitor);
            control.detach();
        },
    };
    monitor->run();
    REQUIRE(vm->status == VmStatus::PoweredOff);
    CHECK(vm->vcpu(0).exits_by_ec[kWfx] == 0);

    Tracer tracer2;
    VersionHooks hooks2;
    std::unique_ptr<Monitor> monitor2;
    auto restored = machine(tracer2, hooks2, monitor2);
    restore_snapshot(*monitor2, snapshot);
    monitor2->run();
    CHECK(restored->status == VmStatus::PoweredOff);
    CHECK(restored->vcpu(0).exits_by_ec[kWfx] == 0);
    CHECK(restored->vcpu(0).retired == vm->vcpu(0).retired);
}
