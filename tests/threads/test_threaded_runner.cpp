// The monitor with a host thread per pCPU (MonitorOptions::threads): the SMP guests' exact
// results, run many times (the interleaving differs on every run), VMs that power off, fail
// or run out of budget on different threads, and a run in which nothing can ever wake.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "machine_fixture.h"
#include "versions/v6/handlers.h"
#include "versions/v7/handlers.h"

using namespace trapeze;
using namespace trapeze::test;

namespace {

std::string read_text(const std::string& path) {
    std::ifstream file(path);
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
}

struct GuestRun {
    VmStatus status;
    std::string console;
    unsigned vcpus_that_ran = 0;
    std::uint64_t directed_yields = 0;   // pause-loop exits that gave the pCPU to a preempted vCPU
    std::uint64_t waits_for_events = 0;  // and those that waited in WFE for an event
};

// One v7 guest on `vcpus` vCPUs over `pcpus` pCPUs, each pCPU on its own host thread.
GuestRun run_threaded(const std::string& guest, unsigned vcpus, unsigned pcpus) {
    VersionHooks hooks;
    v7::install(hooks);
    Tracer tracer;
    Monitor monitor(hooks, tracer, MonitorOptions{.pcpus = pcpus, .threads = true});
    VmConfig config;
    config.guest = guest;
    config.vcpus = vcpus;
    config.ram_size = 32 << 20;
    GuestRun run;
    Vm vm(0, config, ElfImage::read_file(config.guest), [&](const std::string& line) { run.console += line; });
    monitor.run(vm);
    run.status = vm.status;
    for (auto& v : vm.vcpus()) {
        run.vcpus_that_ran += v->retired > 0;
        run.directed_yields += v->directed_yields;
        run.waits_for_events += v->waits_for_events;
    }
    return run;
}

// A guest that counts x1 down from n, then powers off: 2n + 3 instructions retire.
std::vector<std::uint32_t> countdown(unsigned n) {
    return {0xd2800001u | (n << 5), 0xf1000421, 0x54ffffe1, 0x52800100, 0x72b08000, 0xd4000002, 0x14000000};
}

// How many times each run is repeated: TRAPEZE_THREAD_RUNS scales them down (make test-tsan,
// where each run is many times slower).
int runs(int wanted) {
    const char* scale = std::getenv("TRAPEZE_THREAD_RUNS");
    return scale ? std::max(1, std::min(wanted, std::atoi(scale))) : wanted;
}

}  // namespace

TEST_CASE("--threads: the SMP guest prints QEMU's exact output, run after run, on 2 and 4 pCPUs") {
    const std::string expected = read_text(TRAPEZE_EXPECTED_DIR "/smp.txt");
    REQUIRE(!expected.empty());
    struct Shape {
        unsigned vcpus, pcpus;
        int runs;  // a run on 4 vCPUs takes a few times longer (their waiters trap at each WFE)
    };
    for (const Shape s : {Shape{2, 2, 20}, Shape{4, 2, 5}, Shape{4, 4, 10}}) {
        for (int run = 0; run < runs(s.runs); ++run) {
            CAPTURE(s.vcpus);
            CAPTURE(s.pcpus);
            CAPTURE(run);
            const GuestRun r = run_threaded(TRAPEZE_GUESTS_DIR "/smp.elf", s.vcpus, s.pcpus);
            CHECK(r.status == VmStatus::PoweredOff);
            CHECK(r.console == expected);  // the counter: 40000, every increment under the lock
            CHECK(r.vcpus_that_ran == s.vcpus);
        }
    }
}

TEST_CASE("--threads: lockstorm's acquisitions and the work under its lock are exact") {
    for (unsigned vcpus : {2u, 4u}) {
        // The exact lines of the expected output: the measured ones depend on the scheduling.
        std::vector<std::string> exact;
        std::istringstream expected(read_text(fmt::format("{}/lockstorm-{}cpus.txt", TRAPEZE_EXPECTED_DIR, vcpus)));
        for (std::string line; std::getline(expected, line);)
            if (line.find("measured") == std::string::npos) exact.push_back(line);
        REQUIRE(exact.size() == 4);
        for (int run = 0; run < runs(5); ++run) {
            CAPTURE(vcpus);
            CAPTURE(run);
            const GuestRun r = run_threaded(TRAPEZE_GUESTS_DIR "/lockstorm.elf", vcpus, 2);
            CHECK(r.status == VmStatus::PoweredOff);
            // Four vCPUs on two pCPUs: two are preempted at any time, so waiters yield to them
            // (directed yields across host threads).
            if (vcpus == 4) CHECK(r.directed_yields > 0);
            for (const std::string& line : exact) {
                CAPTURE(line);
                CHECK(r.console.find(line + "\n") != std::string::npos);
            }
        }
    }
}

TEST_CASE("--threads: waits in WFE with IRQs masked all end (SEV, the monitor's clear): no wake-up is lost") {
    // events.elf hands a baton round its CPUs 4000 times, each waiting in WFE with IRQs masked:
    // a lost wake-up leaves every vCPU waiting, and the VM stops as stuck.
    const std::string expected = read_text(TRAPEZE_EXPECTED_DIR "/events.txt");
    REQUIRE(!expected.empty());
    struct Shape {
        unsigned vcpus, pcpus;
        int runs;
    };
    for (const Shape s : {Shape{2, 2, 20}, Shape{4, 2, 10}, Shape{3, 2, 10}}) {
        for (int run = 0; run < runs(s.runs); ++run) {
            CAPTURE(s.vcpus);
            CAPTURE(run);
            const GuestRun r = run_threaded(TRAPEZE_GUESTS_DIR "/events.elf", s.vcpus, s.pcpus);
            CHECK(r.status == VmStatus::PoweredOff);
            CHECK(r.console == expected);
            if (s.vcpus == s.pcpus) CHECK(r.waits_for_events > 0);  // with more vCPUs, waiters mostly yield
        }
    }
}

TEST_CASE("an exception return sets the event register: the WFE after it completes without a trap") {
    // adr x0, 1f; msr elr_el1, x0; mov x1, #0x3c5; msr spsr_el1, x1; eret; 1: wfe; wfe; b .
    const std::vector<std::uint32_t> code = {0x100000a0, 0xd5184020, 0xd28078a1, 0xd5184001,
                                             0xd69f03e0, 0xd503205f, 0xd503205f, 0x14000000};
    for (const bool threads : {false, true}) {
        CAPTURE(threads);
        MachineFixture m(v7::install, MonitorOptions{.pcpus = 2, .threads = threads});
        Vm& vm = m.add_vm("waiter", code);
        m.monitor.run();
        // The second WFE traps; alone in its VM, the vCPU waits, and nothing can ever wake it.
        CHECK(vm.vcpu(0).exits_by_ec[static_cast<std::size_t>(ExceptionClass::WfiWfe)] == 1);
        CHECK(vm.vcpu(0).waits_for_events == 1);
        CHECK(vm.status == VmStatus::Failed);
        CHECK(vm.stop_reason ==
              "vcpu0 waits in WFE at pc=0x40080018 _start+0x18 but no event or interrupt can ever wake it");
    }
}

TEST_CASE("the event stream (CNTKCTL_EL1.EVNTEN) ends a wait in WFE at its next trigger") {
    // msr daifset, #2; mov x0, #0x44 (EVNTEN, EVNTI = 4); msr cntkctl_el1, x0; wfe; wfe;
    // x0 = SYSTEM_OFF; hvc #0. Bit 4 of the counter rises at tick 16: 256 ns.
    const std::vector<std::uint32_t> code = {0xd50342df, 0xd2800880, 0xd518e100, 0xd503205f,
                                             0xd503205f, 0xd2800100, 0xf2b08000, 0xd4000002};
    for (const bool threads : {false, true}) {
        CAPTURE(threads);
        MachineFixture m(v7::install, MonitorOptions{.pcpus = 1, .threads = threads});
        Vm& vm = m.add_vm("streamed", code);
        m.monitor.run();
        CHECK(vm.status == VmStatus::PoweredOff);
        // The first WFE traps and waits; the stream's event wakes it and stays registered, so
        // the second completes at once.
        CHECK(vm.vcpu(0).exits_by_ec[static_cast<std::size_t>(ExceptionClass::WfiWfe)] == 1);
        CHECK(vm.vcpu(0).waits_for_events == 1);
        CHECK(vm.vcpu(0).retired == 4);  // mov, wfe, mov, movk: the trapped instructions do not retire
        CHECK(m.monitor.pcpu(0).clock_ns == 256 + 3);  // woken at 256 ns, then wfe, mov, movk
    }
}

TEST_CASE("--threads: four VMs on two pCPUs each power off with their exact instruction count") {
    for (int run = 0; run < runs(5); ++run) {
        MachineFixture m(v6::install, MonitorOptions{.quantum = 1000, .pcpus = 2, .threads = true});
        std::vector<Vm*> vms;
        for (unsigned i = 0; i < 4; ++i) vms.push_back(&m.add_vm(fmt::format("vm{}", i), countdown(20000 + 5000 * i)));
        m.monitor.run();
        std::uint64_t busy = 0;
        for (unsigned i = 0; i < 4; ++i) {
            CAPTURE(i);
            CHECK(vms[i]->status == VmStatus::PoweredOff);
            CHECK(vms[i]->vcpu(0).retired == 2 * (20000 + 5000 * i) + 3);
            busy += 2 * (20000 + 5000 * i) + 3;
        }
        CHECK(m.monitor.pcpu(0).busy_ns + m.monitor.pcpu(1).busy_ns == busy);
    }
}

TEST_CASE("--threads: a VM that faults or runs out of budget leaves the others running") {
    constexpr std::uint32_t B_SELF = 0x14000000, UDF = 0x00000000;
    MachineFixture m(v6::install, MonitorOptions{.quantum = 1000, .pcpus = 2, .threads = true});
    Vm& bad = m.add_vm("bad", {0xd503201f, UDF});
    Vm& runaway = m.add_vm("runaway", {B_SELF}, 1, {}, 2500);
    Vm& good = m.add_vm("good", countdown(30000));
    m.monitor.run();
    CHECK(bad.status == VmStatus::Failed);
    CHECK(runaway.status == VmStatus::Failed);
    CHECK(runaway.stop_reason == "instruction budget of 2500 exhausted at pc=0x40080000 _start");
    CHECK(runaway.vcpu(0).retired == 2500);  // one vCPU: its budget is exact
    CHECK(good.status == VmStatus::PoweredOff);
    CHECK(good.vcpu(0).retired == 60003);
}

TEST_CASE("--threads: a vCPU in WFI that nothing can wake stops its VM instead of hanging") {
    constexpr std::uint32_t WFI = 0xd503207f;
    MachineFixture m(v7::install, MonitorOptions{.pcpus = 2, .threads = true});
    Vm& vm = m.add_vm("sleeper", {WFI, 0x14000000});
    m.monitor.run();
    CHECK(vm.status == VmStatus::Failed);
    CHECK(vm.stop_reason == "vcpu0 waits in WFI at pc=0x40080004 _start+0x4 but no interrupt can ever wake it");
}

