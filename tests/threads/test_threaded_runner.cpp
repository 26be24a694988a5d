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
    for (auto& v : vm.vcpus()) run.vcpus_that_ran += v->retired > 0;
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
            for (const std::string& line : exact) {
                CAPTURE(line);
                CHECK(r.console.find(line + "\n") != std::string::npos);
            }
        }
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

