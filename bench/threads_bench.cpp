// The threaded mode's speed-up over lock-step: two compute VMs on two pCPUs.
#include "bench/threads_bench.h"

#include <fmt/format.h>

#include <algorithm>
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

// Both VMs to the end; Monitor::run alone is timed. Throws unless both power off.
Result run_two_vms(const std::string& guest, bool threads) {
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
    Result result;
    const Clock::time_point start = Clock::now();
    monitor.run();
    result.seconds = since(start);
    for (const auto& vm : vms) {
        if (vm->status != VmStatus::PoweredOff)
            throw std::runtime_error(fmt::format("{} ({}): {}", guest, threads ? "--threads" : "lock-step", vm->stop_reason));
        result.instructions += vm->vcpu(0).retired;
    }
    return result;
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
    std::vector<double> lockstep, threaded;
    std::uint64_t instructions = 0;
    try {
        for (int i = 0; i < runs; ++i) {
            const Result l = run_two_vms(guest, false);
            const Result t = run_two_vms(guest, true);
            if (l.instructions != t.instructions)
                throw std::runtime_error(fmt::format("the modes retired {} and {} instructions", l.instructions,
                                                     t.instructions));
            instructions = l.instructions;
            lockstep.push_back(l.seconds);
            threaded.push_back(t.seconds);
        }
    } catch (const std::exception& e) {
        fmt::print("threads: {}\n", e.what());
        return false;
    }
    const double l = median(lockstep), t = median(threaded);
    fmt::print("{:<28} {:>14} {:>10} {:>9}\n", "mode", "instructions", "seconds", "MIPS");
    fmt::print("{:<28} {:>14} {:>10.3f} {:>9}\n", "lock-step (1 host thread)", instructions, l, mips(instructions, l));
    fmt::print("{:<28} {:>14} {:>10.3f} {:>9}\n", "--threads (2 host threads)", instructions, t, mips(instructions, t));
    fmt::print("speed-up of --threads: {:.2f}x\n", l / t);
    return true;
}

}  // namespace trapeze::bench
