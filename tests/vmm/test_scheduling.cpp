// v5..v7: VM_runqueues, VM switches (save -> pick -> restore), several pCPUs in lock-step,
// SMP guests (PSCI CPU_ON, AFFINITY_INFO, SGIs), and one VM's fault leaving the others alone.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>

#include "machine_fixture.h"
#include "support/vcpu_snapshot.h"
#include "versions/v5/handlers.h"
#include "versions/v6/handlers.h"
#include "versions/v7/handlers.h"
#include "vm_fixture.h"
#include "vmm/debug_agent.h"
#include "vmm/devices/psci.h"
#include "vmm/scenario.h"

using namespace trapeze;
using namespace trapeze::test;

namespace {

// A guest that counts x1 down from n, then powers off: 2n + 3 instructions retire.
std::vector<std::uint32_t> countdown(unsigned n) {
    return {0xd2800001u | (n << 5),  // movz x1, #n
            0xf1000421,              // 1: subs x1, x1, #1
            0x54ffffe1,              // b.ne 1b
            0x52800100,              // movz w0, #8
            0x72b08000,              // movk w0, #0x8400, lsl #16: PSCI SYSTEM_OFF
            0xd4000002,              // hvc #0
            0x14000000};             // b .
}
constexpr std::uint32_t B_SELF = 0x14000000, UDF = 0x00000000;

// vCPU 0 starts vCPU 1 at `secondary` with context ID 0x77 (x6 = CPU_ON's answer), asks
// again at once (x7), then waits for vCPU 1 to store its x0 at 0x40081000 and powers off.
const std::vector<std::uint32_t> kSmpGuest = {
    0xd2820005,  // mov x5, #0x1000
    0xf2a80105,  // movk x5, #0x4008, lsl #16
    0xd2800060,  // mov x0, #3
    0xf2b88000,  // movk x0, #0xc400, lsl #16: CPU_ON
    0xd2800021,  // mov x1, #1: target MPIDR
    0x100001e2,  // adr x2, secondary
    0xd2800ee3,  // mov x3, #0x77: context ID
    0xd4000002,  // hvc #0
    0xaa0003e6,  // mov x6, x0
    0xd2800060,  // mov x0, #3
    0xf2b88000,  // movk x0, #0xc400, lsl #16
    0xd2800021,  // mov x1, #1
    0x10000102,  // adr x2, secondary
    0xd4000002,  // hvc #0
    0xaa0003e7,  // mov x7, x0
    0xf94000a2,  // wait: ldr x2, [x5]
    0xb4ffffe2,  // cbz x2, wait
    0x52800100,  // mov w0, #8
    0x72b08000,  // movk w0, #0x8400, lsl #16
    0xd4000002,  // hvc #0
    0xd2820005,  // secondary: mov x5, #0x1000
    0xf2a80105,  // movk x5, #0x4008, lsl #16
    0xf90000a0,  // str x0, [x5]
    0x14000000,  // b .
};
constexpr std::uint64_t kSecondary = kLoad + 0x50;

}  // namespace

TEST_CASE("VM_runqueue: round-robin is first in, first out; weighted picks the smallest pass") {
    MachineFixture m(v5::install, {});
    Vm& a = m.add_vm("a", {B_SELF});
    Vm& b = m.add_vm("b", {B_SELF});
    Vm& c = m.add_vm("c", {B_SELF});
    VmRunqueue q;
    q.push(b.vcpu(0));
    q.push(a.vcpu(0));
    q.push(c.vcpu(0));
    CHECK(q.size() == 3);
    CHECK(q.pick(SchedulerPolicy::RoundRobin) == &b.vcpu(0));
    CHECK(q.pick(SchedulerPolicy::RoundRobin) == &a.vcpu(0));
    CHECK(q.remove(c.vcpu(0)));
    CHECK(q.empty());
    CHECK(q.pick(SchedulerPolicy::RoundRobin) == nullptr);

    // Weighted: a VM of weight 2 is charged half as much for the same time.
    a.weight = 1;
    b.weight = 2;
    charge(a.vcpu(0), 1000);
    charge(b.vcpu(0), 1000);
    CHECK(a.vcpu(0).pass == 1000 * kStrideUnit);
    CHECK(b.vcpu(0).pass == 500 * kStrideUnit);
    q.push(a.vcpu(0));
    q.push(b.vcpu(0));
    CHECK(q.pick(SchedulerPolicy::Weighted) == &b.vcpu(0));
    // A vCPU that wakes up joins at the queue's smallest pass, so it cannot have the CPU to
    // itself while it catches up on the time it slept.
    c.vcpu(0).pass = 0;
    q.join(c.vcpu(0));
    CHECK(c.vcpu(0).pass == 1000 * kStrideUnit);
    CHECK(q.pick(SchedulerPolicy::Weighted) == &a.vcpu(0));  // a tie: the earlier queued
}

TEST_CASE("v5: save_context and restore_context round-trip every register of the file") {
    // A field added to RegisterFile must be added to the context switch and to this test.
    // X slots, PC, NZCV, TPIDR_EL0, then V0..V31 (16-byte aligned), FPCR, FPSR, and the padding
    // that keeps the V registers aligned (8 before them, 8 at the end).
    static_assert(sizeof(RegisterFile) == 34 * 8 + 8 + 8 + 8 + 8 + 32 * 16 + 4 + 4 + 8,
                  "RegisterFile changed: update v5's context switch");
    VmFixture f(v5::install, {B_SELF});
    RegisterFile pattern;
    for (unsigned n = 0; n < 31; ++n) pattern.x[n] = 0x1111'0000'0000'0000ull * (n % 15 + 1) + n;
    pattern.sp() = 0x4007'fff0;
    pattern.pc = 0x4008'1234;
    pattern.nzcv = kFlagN | kFlagV;
    pattern.tpidr_el0 = 0xfeed'f00d;
    for (unsigned n = 0; n < 32; ++n) {
        pattern.v[n].lo = 0x0101'0101'0101'0101ull * n;
        pattern.v[n].hi = ~pattern.v[n].lo;
    }
    pattern.fpcr = kFpcrDn | kFpcrFz | (2u << kFpcrRModeShift);
    pattern.fpsr = kFpsrQc | kFpsrIxc;
    f.pcpu.cpu.regs = pattern;
    v5::save_context(f.pcpu, f.vcpu());
    f.pcpu.cpu.regs = RegisterFile{};
    v5::restore_context(f.pcpu, f.vcpu());
    const RegisterFile& got = f.pcpu.cpu.regs;
    for (unsigned n = 0; n < 32; ++n) CHECK(got.x[n] == pattern.x[n]);
    CHECK(got.x[kZeroSlot] == 0);
    CHECK(got.pc == pattern.pc);
    CHECK(got.nzcv == pattern.nzcv);
    CHECK(got.tpidr_el0 == pattern.tpidr_el0);
    for (unsigned n = 0; n < 32; ++n) CHECK(got.v[n] == pattern.v[n]);
    CHECK(got.fpcr == pattern.fpcr);
    CHECK(got.fpsr == pattern.fpsr);
}

TEST_CASE("v5: two VMs time-share one pCPU, a VM switch at each physical-timer tick") {
    MachineFixture m(v5::install, MonitorOptions{.quantum = 1000});
    auto log = std::make_unique<EventLog>();
    EventLog& events = *log;
    m.tracer.add(std::move(log));
    Vm& a = m.add_vm("a", countdown(5000));
    Vm& b = m.add_vm("b", countdown(2000));
    m.monitor.run();
    CHECK(a.status == VmStatus::PoweredOff);
    CHECK(b.status == VmStatus::PoweredOff);
    CHECK(a.vcpu(0).retired == 10'003);
    CHECK(b.vcpu(0).retired == 4'003);
    // b needs 5 quanta: a and b alternate until b powers off in its fifth, then a runs alone
    // (a quantum with nobody waiting is no switch). Switches: a->b, b->a four times, then the
    // final one when b stops.
    std::vector<std::string> switches;
    for (const TraceEvent& e : events.events)
        if (e.kind == TraceEvent::Kind::VmSwitch) switches.push_back(e.what);
    const std::vector<std::string> expected = {
        "VM switch a/vcpu0 -> b/vcpu0", "VM switch b/vcpu0 -> a/vcpu0", "VM switch a/vcpu0 -> b/vcpu0",
        "VM switch b/vcpu0 -> a/vcpu0", "VM switch a/vcpu0 -> b/vcpu0", "VM switch b/vcpu0 -> a/vcpu0",
        "VM switch a/vcpu0 -> b/vcpu0", "VM switch b/vcpu0 -> a/vcpu0", "VM switch a/vcpu0 -> b/vcpu0",
        "VM switch b/vcpu0 -> a/vcpu0"};
    CHECK(switches == expected);
    CHECK(m.monitor.pcpu(0).busy_ns == 14'006);
    CHECK(m.monitor.pcpu(0).clock_ns == 14'006);
}

TEST_CASE("v5: a VM that faults or runs out of budget leaves the others running") {
    MachineFixture m(v5::install, MonitorOptions{.quantum = 1000});
    Vm& bad = m.add_vm("bad", {0xd503201f, UDF});  // nop; udf: UNDEFINED with VBAR 0 -> no vector
    Vm& runaway = m.add_vm("runaway", {B_SELF}, 1, {}, 2500);
    Vm& good = m.add_vm("good", countdown(3000));
    m.monitor.run();
    CHECK(bad.status == VmStatus::Failed);
    CHECK(runaway.status == VmStatus::Failed);
    CHECK(runaway.stop_reason == "instruction budget of 2500 exhausted at pc=0x40080000 _start");
    CHECK(runaway.vcpu(0).retired == 2500);
    CHECK(good.status == VmStatus::PoweredOff);
    CHECK(good.vcpu(0).retired == 6003);
}

TEST_CASE("v6: four VMs on two pCPUs, placed in turn, each on its own VM_runqueue") {
    MachineFixture m(v6::install, MonitorOptions{.quantum = 1000, .pcpus = 2});
    std::vector<Vm*> vms;
    for (unsigned i = 0; i < 4; ++i) vms.push_back(&m.add_vm(fmt::format("vm{}", i), countdown(1000 + 500 * i)));
    CHECK(vms[0]->vcpu(0).home == 0);
    CHECK(vms[1]->vcpu(0).home == 1);
    CHECK(vms[2]->vcpu(0).home == 0);
    CHECK(vms[3]->vcpu(0).home == 1);
    m.monitor.run();
    for (unsigned i = 0; i < 4; ++i) {
        CHECK(vms[i]->status == VmStatus::PoweredOff);
        CHECK(vms[i]->vcpu(0).retired == 2 * (1000 + 500 * i) + 3);
    }
    // pCPU 0 ran vm0 and vm2, pCPU 1 vm1 and vm3: no balancing asked for.
    CHECK(m.monitor.pcpu(0).busy_ns == 2003 + 4003);
    CHECK(m.monitor.pcpu(1).busy_ns == 3003 + 5003);
}

TEST_CASE("v6: with balancing, an idle pCPU takes a waiting VM from the busy one") {
    MachineFixture m(v6::install, MonitorOptions{.quantum = 1000, .pcpus = 2, .balance = true});
    Vm& a = m.add_vm("a", countdown(4000), 1, {0});
    Vm& b = m.add_vm("b", countdown(4000), 1, {0, 1});
    Vm& c = m.add_vm("c", countdown(4000), 1, {0, 1});
    CHECK(b.vcpu(0).home == 0);  // the affinity's first pCPU
    m.monitor.run();
    CHECK(a.status == VmStatus::PoweredOff);
    CHECK(b.status == VmStatus::PoweredOff);
    CHECK(c.status == VmStatus::PoweredOff);
    CHECK(m.monitor.pcpu(1).busy_ns > 0);  // pCPU 1 found work without being given any
    CHECK(m.monitor.pcpu(0).busy_ns + m.monitor.pcpu(1).busy_ns == 3 * 8003);
    CHECK(a.vcpu(0).home == 0);  // a may only run on pCPU 0
}

TEST_CASE("v7: PSCI CPU_ON starts a secondary at its entry with the context ID; a second CPU_ON is ON_PENDING") {
    for (unsigned pcpus : {1u, 2u}) {
        CAPTURE(pcpus);
        MachineFixture m(v7::install, MonitorOptions{.quantum = 1000, .pcpus = pcpus});
        Vm& vm = m.add_vm("smp", kSmpGuest, 2);
        m.monitor.run();
        CHECK(vm.status == VmStatus::PoweredOff);
        const Vcpu& boot = vm.vcpu(0);
        const Vcpu& second = vm.vcpu(1);
        CHECK(boot.saved_registers().x[6] == 0);  // SUCCESS
        CHECK(boot.saved_registers().x[7] == static_cast<std::uint64_t>(psci::kOnPending));
        CHECK(second.saved_registers().x[0] == 0x77);
        CHECK(m.read64(vm, kLoad + 0x1000) == 0x77);
        CHECK(second.el() == 1);
        CHECK(second.pstate() == (pstate::kDaifMask | pstate::kEL1h));
        CHECK(second.saved_registers().pc == kSecondary + 12);  // it spins at `b .`
    }
}

TEST_CASE("v7: PSCI return codes of CPU_ON, AFFINITY_INFO and FEATURES") {
    constexpr std::uint32_t HVC_0 = 0xd4000002;
    VmConfig four;
    four.ram_size = 1 << 20;
    four.vcpus = 4;
    VmFixture f(v7::install, {HVC_0, HVC_0, HVC_0, HVC_0, HVC_0, HVC_0}, {}, four);
    Vcpu& v = f.vcpu();
    auto call = [&](std::uint64_t fn, std::uint64_t a1, std::uint64_t a2 = 0, std::uint64_t a3 = 0) {
        v.set_x(0, fn);
        v.set_x(1, a1);
        v.set_x(2, a2);
        v.set_x(3, a3);
        const RunResult r = f.pcpu.cpu.run(10);
        REQUIRE(r.exit.reason == ExitReason::Exception);
        f.monitor.handle_exit(v, r.exit);
        return static_cast<std::int64_t>(v.x(0));
    };
    CHECK(call(psci::kCpuOn, 7, kLoad) == psci::kInvalidParameters);      // no vCPU with MPIDR 7
    CHECK(call(psci::kCpuOn, 2, 0x1000) == psci::kInvalidAddress);        // not RAM
    CHECK(call(psci::kCpuOn, 0, kLoad) == psci::kAlreadyOn);              // the caller itself
    CHECK(call(psci::kAffinityInfo, 3) == static_cast<std::int64_t>(psci::kAffinityOff));
    CHECK(call(psci::kCpuOn, 3, kLoad + 8, 5) == psci::kSuccess);
    CHECK(call(psci::kAffinityInfo, 3) == static_cast<std::int64_t>(psci::kAffinityOnPending));
    CHECK(f.vm.vcpu(3).state == VcpuState::Runnable);
    CHECK(f.vm.vcpu(3).pc() == kLoad + 8);
    CHECK(f.vm.vcpu(3).x(0) == 5);
}

TEST_CASE("v7: ICC_SGI1R_EL1 reaches exactly the vCPUs it names") {
    VmConfig four;
    four.ram_size = 1 << 20;
    four.vcpus = 4;
    struct Case {
        std::uint64_t value;
        std::uint32_t targets;  // bit n: vCPU n got the SGI
    };
    const std::uint64_t sgi5 = 5ull << 24;
    for (const Case c : {Case{sgi5 | 0b0110, 0b0110},               // TargetList 1 and 2
                         Case{sgi5 | 0b0001, 0b0001},               // the sender itself
                         Case{sgi5 | (1ull << 40), 0b1110},         // IRM: all but the sender
                         Case{sgi5 | (1ull << 16) | 0b1111, 0},     // Aff1 = 1: nobody there
                         Case{sgi5 | (1ull << 44) | 0b1111, 0},     // RS = 1: Aff0 16..31
                         Case{sgi5 | 0b11'0000, 0}}) {             // Aff0 4 and 5 do not exist
        CAPTURE(c.value);
        VmFixture f(v7::install, {B_SELF}, {}, four);
        for (auto& v : f.vm.vcpus()) v->state = VcpuState::Runnable;
        v7::send_sgi(f.vcpu(), c.value);
        for (unsigned n = 0; n < 4; ++n) {
            CAPTURE(n);
            const bool got = (c.targets >> n) & 1;
            CHECK(f.vm.vcpu(n).gic.pending == (got ? 1u << 5 : 0u));
        }
        CHECK(f.vm.take_wakeups().size() == static_cast<std::size_t>(__builtin_popcount(c.targets)));
    }
}

TEST_CASE("v7: the SMP guest prints QEMU's exact output on 1, 2 and 4 vCPUs over 1, 2 and 4 pCPUs") {
    std::ifstream expected_file(TRAPEZE_EXPECTED_DIR "/smp.txt");
    std::stringstream expected;
    expected << expected_file.rdbuf();
    REQUIRE(!expected.str().empty());
    for (unsigned vcpus : {1u, 2u, 4u}) {
        for (unsigned pcpus : {1u, 2u, 4u}) {
            CAPTURE(vcpus);
            CAPTURE(pcpus);
            VersionHooks hooks;
            v7::install(hooks);
            Tracer tracer;
            Monitor monitor(hooks, tracer, MonitorOptions{.pcpus = pcpus});
            VmConfig config;
            config.guest = TRAPEZE_GUESTS_DIR "/smp.elf";
            config.vcpus = vcpus;
            config.ram_size = 32 << 20;
            std::string console;
            Vm vm(0, config, ElfImage::read_file(config.guest), [&](const std::string& line) { console += line; });
            monitor.run(vm);
            CHECK(vm.status == VmStatus::PoweredOff);
            CHECK(console == expected.str());
            unsigned ran = 0;
            for (auto& v : vm.vcpus()) ran += v->retired > 0;
            CHECK(ran == vcpus);  // every vCPU took part
        }
    }
}

namespace {

// Each slice a pCPU ran: which VM and vCPU, from when to when (virtual ns).
struct SliceLog final : DebugAgent {
    struct Slice {
        const Vm* vm;
        unsigned vcpu;
        std::uint64_t start, end;
    };
    std::vector<Slice> slices;
    std::uint64_t start_ns = 0;
    std::uint64_t before_slice(Vcpu& vcpu) override {
        start_ns = vcpu.pcpu->clock_ns;
        return std::numeric_limits<std::uint64_t>::max();
    }
    void after_slice(Vcpu& vcpu, const RunResult&) override {
        if (vcpu.pcpu->clock_ns > start_ns) slices.push_back({&vcpu.vm(), vcpu.id(), start_ns, vcpu.pcpu->clock_ns});
    }
    bool exits_end_slices() const override { return false; }

    static bool overlap(const Slice& a, const Slice& b) { return a.start < b.end && b.start < a.end; }
    // Pairs of slices of different VMs that ran at the same time (on different pCPUs).
    std::size_t vms_together() const {
        std::size_t n = 0;
        for (const Slice& a : slices)
            for (const Slice& b : slices) n += a.vm != b.vm && &a < &b && overlap(a, b);
        return n;
    }
    // Slices of `vm`'s vCPU 0, from vCPU 1's first on, during which vCPU 1 did not run (but
    // the last: the VM powered off in it, before vCPU 1's pCPU came to its turn).
    std::size_t alone(const Vm& vm) const {
        std::uint64_t second_from = std::numeric_limits<std::uint64_t>::max(), last_start = 0;
        for (const Slice& s : slices) {
            if (s.vm == &vm && s.vcpu == 1) second_from = std::min(second_from, s.start);
            if (s.vm == &vm && s.vcpu == 0) last_start = std::max(last_start, s.start);
        }
        std::size_t n = 0;
        for (const Slice& a : slices) {
            if (a.vm != &vm || a.vcpu != 0 || a.start < second_from || a.start == last_start) continue;
            const bool apart = std::none_of(slices.begin(), slices.end(),
                              [&](const Slice& b) { return b.vm == &vm && b.vcpu == 1 && overlap(a, b); });
            n += apart;
        }
        return n;
    }
};

// vCPU 0 starts vCPU 1, which counts for ever, then counts x1 down from 30000 itself and
// powers off.
const std::vector<std::uint32_t> kPairGuest = {
    0xd2800060,  // mov x0, #3
    0xf2b88000,  // movk x0, #0xc400, lsl #16: CPU_ON
    0xd2800021,  // mov x1, #1
    0x100000e2,  // adr x2, secondary
    0xd2800003,  // mov x3, #0
    0xd4000002,  // hvc #0
    0xd28ea601,  // mov x1, #30000
    0xf1000421,  // 1: subs x1, x1, #1
    0x54ffffe1,  // b.ne 1b
    0x14000004,  // b off
    0x91000442,  // secondary: add x2, x2, #1
    0x17ffffff,  // b secondary
    0x14000000,  // (unused)
    0x52800100,  // off: mov w0, #8
    0x72b08000,  // movk w0, #0x8400, lsl #16: SYSTEM_OFF
    0xd4000002,  // hvc #0
};

}  // namespace

TEST_CASE("gang: a VM's vCPUs run together, never beside another VM's; round-robin does neither") {
    for (const SchedulerPolicy policy : {SchedulerPolicy::Gang, SchedulerPolicy::RoundRobin}) {
        CAPTURE(scheduler_policy_name(policy));
        MachineFixture m(v7::install, MonitorOptions{.quantum = 4000, .pcpus = 2, .policy = policy});
        Vm& pair = m.add_vm("pair", kPairGuest, 2);
        Vm& solo = m.add_vm("solo", countdown(20000));
        SliceLog log;
        m.monitor.set_debug_agent(&log);
        m.monitor.run();
        CHECK(pair.status == VmStatus::PoweredOff);
        CHECK(solo.status == VmStatus::PoweredOff);
        CHECK(solo.vcpu(0).retired == 2 * 20000 + 3);
        if (policy == SchedulerPolicy::Gang) {
            CHECK(log.vms_together() == 0);
            CHECK(log.alone(pair) == 0);
        } else {
            CHECK(log.vms_together() > 0);
            CHECK(log.alone(pair) > 0);
        }
    }
}

TEST_CASE("gang: a VM with more vCPUs than pCPUs is refused") {
    const std::string text = R"({"pcpus": 2, "scheduler": "gang", "vms": [{"guest": "g.elf", "vcpus": 3}]})";
    try {
        check_placement(parse_scenario(text, ".", "s.json"));
        FAIL("no error");
    } catch (const ScenarioError& e) {
        CHECK(std::string(e.what()) ==
              "s.json: vms[0] (\"vm0\"): the gang scheduler (the scenario) runs a VM's 3 vCPUs at once, one per pCPU, "
              "but the scenario gives 2 pCPUs");
    }
}

// vCPU 0 starts vCPU 1 and waits in WFE; vCPU 1 counts for ever.
static const std::vector<std::uint32_t> kWfeGuest = {
    0xd2800060,  // mov x0, #3
    0xf2b88000,  // movk x0, #0xc400, lsl #16: CPU_ON
    0xd2800021,  // mov x1, #1
    0x100000a2,  // adr x2, secondary
    0xd2800003,  // mov x3, #0
    0xd4000002,  // hvc #0
    0xd503205f,  // wfe
    0x14000000,  // b .
    0x91000442,  // secondary: add x2, x2, #1
    0x17ffffff,  // b secondary
};

TEST_CASE("v7: a vCPU spinning in WFE yields its pCPU to a preempted vCPU of its own VM, not to the next in line") {
    // One pCPU; the run queue holds the other VM's vCPU ahead of the one just started.
    MachineFixture m(v7::install, MonitorOptions{.quantum = 5000, .budget = 20000});
    auto log = std::make_unique<EventLog>();
    EventLog& events = *log;
    m.tracer.add(std::move(log));
    Vm& pair = m.add_vm("pair", kWfeGuest, 2);
    Vm& other = m.add_vm("other", countdown(100000));
    m.monitor.run();
    const auto wfe = std::find_if(events.events.begin(), events.events.end(), [](const TraceEvent& e) {
        return e.kind == TraceEvent::Kind::Exit && e.what.starts_with("WFE");
    });
    REQUIRE(wfe != events.events.end());
    const auto next_switch = std::find_if(wfe, events.events.end(), [](const TraceEvent& e) {
        return e.kind == TraceEvent::Kind::VcpuSwitch || e.kind == TraceEvent::Kind::VmSwitch;
    });
    REQUIRE(next_switch != events.events.end());
    CHECK(next_switch->what == "vCPU switch pair/vcpu0 -> pair/vcpu1");
    CHECK(pair.vcpu(0).directed_yields == 1);
    CHECK(other.vcpu(0).retired > 0);
}
