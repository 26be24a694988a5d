// VM and vCPU switches on the v7 monitor: the same instructions retired with a switch at every
// physical-timer exit, and without (one vCPU alone, the timer still firing); the difference
// divided by the switches is one switch: save_context, the pick from the VM_runqueue, the
// pCPU's put and load (the VM's memory and translation regime), restore_context.
#include "bench/switch_bench.h"

#include <fmt/format.h>

#include <exception>
#include <filesystem>
#include <memory>
#include <vector>

#include "bench/bench_support.h"
#include "emulator/elf_loader.h"
#include "versions/v7/handlers.h"
#include "vmm/monitor.h"
#include "vmm/sysreg.h"
#include "vmm/trace.h"
#include "vmm/vm.h"

namespace trapeze::bench {
namespace {

constexpr std::uint64_t kInstructions = 40'000'000;  // retired by all vCPUs together, per run
constexpr std::uint64_t kQuantum = 1'000;           // a physical-timer exit every 1000: many switches

struct SwitchRun {
    double seconds = 0;
    std::uint64_t retired = 0;
    std::uint64_t switches = 0;
};

// `vms` VMs of `vcpus` vCPUs each, on one pCPU, until their budgets (together kInstructions) run out.
SwitchRun run_spin(const std::string& guest, unsigned vms, unsigned vcpus) {
    VersionHooks hooks;
    v7::install(hooks);
    MonitorOptions options;
    options.quantum = kQuantum;
    Tracer tracer;
    Monitor monitor(hooks, tracer, options);
    std::vector<std::unique_ptr<Vm>> machine;
    for (unsigned i = 0; i < vms; ++i) {
        VmConfig config;
        config.name = fmt::format("vm{}", i);
        config.guest = guest;
        config.ram_size = 1 << 20;
        config.vcpus = vcpus;
        config.budget = kInstructions / vms;
        machine.push_back(std::make_unique<Vm>(i, config, ElfImage::read_file(guest), [](const std::string&) {}));
        monitor.add(*machine.back());
    }
    const Clock::time_point start = Clock::now();
    monitor.run();
    SwitchRun run;
    run.seconds = since(start);
    for (auto& vm : machine)
        for (auto& v : vm->vcpus()) run.retired += v->retired;
    run.switches = monitor.pcpu(0).switches;
    return run;
}

// The cost of one switch: runs of `switched` and of the baseline in alternation, each the
// fastest of `runs`.
void print_row(int runs, const std::string& what, const std::string& guest, unsigned vms, unsigned vcpus) {
    SwitchRun best_switched{1e9}, best_alone{1e9};
    for (int i = 0; i < runs; ++i) {
        const SwitchRun s = run_spin(guest, vms, vcpus);
        const SwitchRun a = run_spin(guest, 1, 1);
        if (s.seconds < best_switched.seconds) best_switched = s;
        if (a.seconds < best_alone.seconds) best_alone = a;
    }
    const double per_switch =
        best_switched.switches ? (best_switched.seconds - best_alone.seconds) / static_cast<double>(best_switched.switches)
                               : 0;
    fmt::print("{:<12} {:>10} {:>12.4f} {:>12.4f} {:>14.1f}\n", what, best_switched.switches, best_switched.seconds,
               best_alone.seconds, per_switch * 1e9);
}

}  // namespace

bool print_switch_costs(int runs, const std::string& dir) {
    const std::string guest = (std::filesystem::path(dir) / "spin.elf").string();
    fmt::print("\nswitches on one pCPU, quantum {} instructions, {} instructions per run, best of {}:\n", kQuantum,
               kInstructions, runs);
    fmt::print("context a switch saves and restores (RegisterFile: X0-X30, SP, PC, NZCV, TPIDR_EL0, V0-V31, FPCR, FPSR): "
               "{} bytes;\n  the vCPU's virtual system registers ({} bytes) stay in the vCPU and are not copied\n",
               sizeof(RegisterFile), kSysregCount * sizeof(std::uint64_t));
    fmt::print("{:<12} {:>10} {:>12} {:>12} {:>14}\n", "switch", "switches", "seconds", "alone s", "host ns/switch");
    try {
        print_row(runs, "VM switch", guest, 2, 1);
        print_row(runs, "vCPU switch", guest, 1, 2);
    } catch (const std::exception& e) {
        fmt::print("{}\n", e.what());
        return false;
    }
    return true;
}

}  // namespace trapeze::bench
