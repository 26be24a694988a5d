// The threaded mode's speed-up over lock-step: two compute VMs on two pCPUs.
#include "bench/threads_bench.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <cstdio>
#include <exception>
#include <memory>
#include <vector>

#include "bench/bench_support.h"
#include "emulator/elf_loader.h"
#include "versions/v6/handlers.h"
#include "vmm/monitor.h"
#include "vmm/trace.h"
#include "vmm/vm.h"

namespace trapeze::bench {
namespace {

constexpr unsigned kVms = 2;

struct TimedRun {
    Result result;
    double cpu_seconds = 0;  // host CPU time of the whole process (every thread) during the run
};

// Both VMs to the end; Monitor::run alone is timed. Throws unless both power off.
TimedRun run_two_vms(const std::string& guest, bool threads) {
    VersionHooks hooks;
    v6::install(hooks);
    Tracer tracer;
    Monitor monitor(hooks, tracer, MonitorOptions{.budget = 200'000'000'000ull, .pcpus = 2, .threads = threads});
    const ElfImage image = ElfImage::read_file(guest);
    std::vector<std::unique_ptr<Vm>> vms;
    for (unsigned i = 0; i < kVms; ++i) {
        VmConfig config;
        config.name = fmt::format("vm{}", i);
        config.guest = guest;
        vms.push_back(std::make_unique<Vm>(i, config, image, [](const std::string&) {}));
        monitor.add(*vms.back());
    }
    TimedRun run;
    const std::clock_t cpu_start = std::clock();
    const Clock::time_point start = Clock::now();
    monitor.run();
    run.result.seconds = since(start);
    run.cpu_seconds = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
    for (const auto& vm : vms) {
        if (vm->status != VmStatus::PoweredOff)
            throw std::runtime_error(fmt::format("{} ({}): {}", guest, threads ? "--threads" : "lock-step", vm->stop_reason));
        run.result.instructions += vm->vcpu(0).retired;
    }
    return run;
}

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    const std::size_t n = values.size();
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

}  // namespace

bool print_threads_speedup(int runs, const std::string& guest) {
    fmt::print("\n--threads against lock-step: {} VMs of {} on 2 pCPUs (v6), median of {} run(s) each, alternating\n",
               kVms, guest, runs);
    std::fflush(stdout);
    std::vector<double> lockstep, threaded, lockstep_cpu, threaded_cpu;
    std::uint64_t instructions = 0;
    try {
        for (int i = 0; i < runs; ++i) {
            const TimedRun l = run_two_vms(guest, false);
            const TimedRun t = run_two_vms(guest, true);
            if (l.result.instructions != t.result.instructions)
                throw std::runtime_error(fmt::format("the modes retired {} and {} instructions", l.result.instructions,
                                                     t.result.instructions));
            instructions = l.result.instructions;
            lockstep.push_back(l.result.seconds);
            threaded.push_back(t.result.seconds);
            lockstep_cpu.push_back(l.cpu_seconds);
            threaded_cpu.push_back(t.cpu_seconds);
        }
    } catch (const std::exception& e) {
        fmt::print("threads: {}\n", e.what());
        return false;
    }
    // The host CPU time says how much of the machine each mode got: on a machine other work
    // keeps busy, --threads cannot run its two threads at once, and the wall-clock speed-up
    // shows it.
    const double l = median(lockstep), t = median(threaded);
    const double lc = median(lockstep_cpu), tc = median(threaded_cpu);
    fmt::print("{:<28} {:>14} {:>10} {:>9} {:>10} {:>13}\n", "mode", "instructions", "seconds", "MIPS", "host CPU s",
               "MIPS per CPU");
    fmt::print("{:<28} {:>14} {:>10.3f} {:>9} {:>10.3f} {:>13}\n", "lock-step (1 host thread)", instructions, l,
               mips(instructions, l), lc, mips(instructions, lc));
    fmt::print("{:<28} {:>14} {:>10.3f} {:>9} {:>10.3f} {:>13}\n", "--threads (2 host threads)", instructions, t,
               mips(instructions, t), tc, mips(instructions, tc));
    fmt::print("speed-up of --threads: {:.2f}x (host CPUs in use: {:.2f} lock-step, {:.2f} --threads)\n", l / t, lc / l,
               tc / t);
    return true;
}

}  // namespace trapeze::bench
