// The VMM's share of the benchmark: trap round trips on Trapeze's v2 monitor and on QEMU, and
// the v1 monitor's overhead on a guest that traps only for the physical timer and its output.
#include "bench/vmm_bench.h"

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>

#include "emulator/elf_loader.h"
#include "versions/v1/handlers.h"
#include "versions/v2/handlers.h"
#include "vmm/cli.h"
#include "vmm/monitor.h"
#include "vmm/trace.h"
#include "vmm/vm.h"

namespace trapeze::bench {
namespace {

// A runaway guest stops here rather than at the monitor's default budget: compute.elf alone
// retires about 10^9 instructions.
constexpr std::uint64_t kBudget = 200'000'000'000ull;

// The trap guests, what their loop body does, and how many traps one run of it takes,
// counted from the exits Trapeze saw (the HVC guest's last hypercall is SYSTEM_OFF).
struct TrapGuest {
    const char* file;
    const char* label;
    ExceptionClass ec;
    std::uint64_t not_in_loop;
};
constexpr TrapGuest kSysregGuest{"traps-sysreg.elf", "MSR or MRS TPIDR_EL1", ExceptionClass::SysRegister, 0};
constexpr TrapGuest kHvcGuest{"traps-hvc.elf", "HVC #0 PSCI_VERSION", ExceptionClass::Hvc64, 1};
constexpr const char* kEmptyLoopGuest = "traps-none.elf";

std::string ns(double seconds) { return fmt::format("{:.1f}", seconds * 1e9); }

// One guest run on Trapeze's monitor. result.instructions: instructions the vCPU retired;
// result.seconds: Monitor::run alone (building the VM and loading the ELF are not timed).
struct VmmRun {
    Result result;
    std::array<std::uint64_t, kExceptionClassCount> exits_by_ec{};
    std::uint64_t physical_timer_exits = 0;
    std::uint64_t exits(ExceptionClass ec) const { return exits_by_ec[static_cast<std::size_t>(ec)]; }
};

// Run `guest` on one VM with one vCPU, with the handlers `install` plugs in, as the
// trapeze-vN targets do but quiet (no trace, console kept in result.console). Throws unless
// the guest powers off.
VmmRun run_on_vmm(InstallHandlers install, const std::string& guest, MonitorOptions options) {
    VersionHooks hooks;
    install(hooks);
    VmConfig config;
    config.guest = guest;
    std::string lines;
    Vm vm(0, config, ElfImage::read_file(guest), [&lines](const std::string& line) { lines += line + '\n'; });
    Tracer tracer;  // no sinks: nothing is traced
    Monitor monitor(hooks, tracer, options);

    VmmRun run;
    const Clock::time_point start = Clock::now();
    monitor.run(vm);
    run.result.seconds = since(start);
    if (vm.status != VmStatus::PoweredOff)
        throw std::runtime_error(fmt::format("{} on the {} VMM: {}", guest, hooks.version, vm.stop_reason));
    run.result.console = vm.uart().output();
    const Vcpu& vcpu = vm.vcpu(0);
    run.result.instructions = vcpu.retired;
    run.exits_by_ec = vcpu.exits_by_ec;
    run.physical_timer_exits = vcpu.physical_timer_exits;
    return run;
}

}  // namespace

bool print_trap_costs(const TrapBenchOptions& options) {
    namespace fs = std::filesystem;
    const auto path = [&](const char* file) { return (fs::path(options.dir) / file).string(); };
    MonitorOptions monitor_options;
    monitor_options.budget = kBudget;

    fmt::print("\ntrap round trip: {}/traps-{{sysreg,hvc,none}}.elf, best of {} run(s)\n", options.dir, options.runs);
    std::fflush(stdout);

    // Trapeze: the v2 VMM in-process, Monitor::run timed on the steady clock.
    VmmRun none, sysreg, hvc;
    try {
        const auto best = [&](const char* file) {
            VmmRun fastest;
            for (int i = 0; i < options.runs; ++i) {
                VmmRun r = run_on_vmm(v2::install, path(file), monitor_options);
                if (r.result.seconds < fastest.result.seconds) fastest = std::move(r);
            }
            return fastest;
        };
        none = best(kEmptyLoopGuest);
        sysreg = best(kSysregGuest.file);
        hvc = best(kHvcGuest.file);
    } catch (const std::exception& e) {
        fmt::print("trapeze (v2 VMM): {}\n", e.what());
        return false;
    }
    const std::uint64_t sysreg_traps = sysreg.exits(kSysregGuest.ec) - kSysregGuest.not_in_loop;
    const std::uint64_t hvc_traps = hvc.exits(kHvcGuest.ec) - kHvcGuest.not_in_loop;

    // QEMU: the same guests as subprocesses, on the wall clock; start-up cancels out in the differences.
    std::optional<Result> qemu_none, qemu_sysreg, qemu_hvc;
    std::string qemu_note;
    if (options.use_qemu) {
        try {
            qemu_none = best_of(options.runs, [&] { return run_qemu(options.qemu, path(kEmptyLoopGuest)); });
            qemu_sysreg = best_of(options.runs, [&] { return run_qemu(options.qemu, path(kSysregGuest.file)); });
            qemu_hvc = best_of(options.runs, [&] { return run_qemu(options.qemu, path(kHvcGuest.file)); });
        } catch (const std::exception& e) {
            qemu_none.reset();
            qemu_note = e.what();
        }
    } else {
        qemu_note = "not run (--no-qemu)";
    }

    fmt::print("{:<30} {:>10} {:>12} {:>12}\n", "guest (whole run)", "traps", "trapeze s", "qemu s");
    const auto seconds_row = [&](const char* file, std::uint64_t traps, const VmmRun& t, const std::optional<Result>& q) {
        fmt::print("{:<30} {:>10} {:>12.4f} {:>12}\n", file, traps, t.result.seconds,
                   q ? fmt::format("{:.4f}", q->seconds) : std::string("-"));
    };
    seconds_row(kEmptyLoopGuest, 0, none, qemu_none);
    seconds_row(kSysregGuest.file, sysreg_traps, sysreg, qemu_sysreg);
    seconds_row(kHvcGuest.file, hvc_traps, hvc, qemu_hvc);
    fmt::print("\n");

    fmt::print("{:<30} {:>14} {:>14} {:>13}\n", "per trap round trip", "trapeze v2 ns", "qemu TCG ns", "Trapeze/QEMU");
    const auto cost_row = [&](const TrapGuest& guest, std::uint64_t traps, const VmmRun& t,
                              const std::optional<Result>& q) {
        const double trapeze = (t.result.seconds - none.result.seconds) / static_cast<double>(traps);
        std::string qemu = "-", ratio = "-";
        if (q && qemu_none) {
            const double per_trap = (q->seconds - qemu_none->seconds) / static_cast<double>(traps);
            qemu = ns(per_trap);
            if (per_trap > 0) ratio = fmt::format("{:.2f}x", trapeze / per_trap);
        }
        fmt::print("{:<30} {:>14} {:>14} {:>13}\n", guest.label, ns(trapeze), qemu, ratio);
    };
    cost_row(kSysregGuest, sysreg_traps, sysreg, qemu_sysreg);
    cost_row(kHvcGuest, hvc_traps, hvc, qemu_hvc);
    if (!qemu_note.empty()) fmt::print("qemu: {}\n", qemu_note);
    fmt::print(
        "(per trap: (time(guest) - time(traps-none.elf)) / traps, each time the best of the runs; Trapeze:\n"
        " Monitor::run with the v2 handlers; QEMU: the process's wall clock. Trapeze/QEMU below 1: Trapeze's\n"
        " round trip is faster. The issue's bar: at most 1.5x.)\n");
    return true;
}

bool print_vmm_overhead(int runs, const std::string& guest, const std::function<Result()>& interpreter) {
    fmt::print("\nVMM overhead on a guest that traps rarely: {}, best of {} run(s) each, in alternation\n", guest, runs);
    std::fflush(stdout);
    MonitorOptions monitor_options;  // the default quantum: a physical-timer exit every 20000 instructions
    monitor_options.budget = kBudget;
    Result bare;
    VmmRun vmm;
    try {
        for (int i = 0; i < runs; ++i) {
            Result b = interpreter();
            if (b.seconds < bare.seconds) bare = std::move(b);
            VmmRun v = run_on_vmm(v1::install, guest, monitor_options);
            if (v.result.seconds < vmm.result.seconds) vmm = std::move(v);
        }
    } catch (const std::exception& e) {
        fmt::print("{}\n", e.what());
        return false;
    }
    std::uint64_t exits = 0;
    for (const std::uint64_t n : vmm.exits_by_ec) exits += n;
    fmt::print("{:<28} {:>14} {:>9} {:>9}  {}\n", "engine", "instructions", "seconds", "MIPS", "exits");
    fmt::print("{:<28} {:>14} {:>9.3f} {:>9}\n", "interpreter (bare)", bare.instructions, bare.seconds,
               mips(bare.instructions, bare.seconds));
    fmt::print("{:<28} {:>14} {:>9.3f} {:>9}  {} by the guest, {} physical timer (quantum {})\n", "v1 VMM",
               vmm.result.instructions, vmm.result.seconds, mips(vmm.result.instructions, vmm.result.seconds), exits,
               vmm.physical_timer_exits, monitor_options.quantum);
    const double bare_mips = static_cast<double>(bare.instructions) / bare.seconds;
    const double vmm_mips = static_cast<double>(vmm.result.instructions) / vmm.result.seconds;
    fmt::print("v1 VMM / interpreter MIPS: {:.3f} ({:+.1f}%; the issue's bar: within 10%)\n", vmm_mips / bare_mips,
               (vmm_mips / bare_mips - 1) * 100);
    fmt::print(
        "(instructions: the VMM counts what the interpreter retired; the bare run also counts the accesses and\n"
        " the hypercall it emulates itself. MIPS above: each engine's own count over its own time)\n");
    if (vmm.result.console != bare.console)
        fmt::print("console output of the v1 VMM differs from the interpreter's ({} vs {} bytes)\n",
                   vmm.result.console.size(), bare.console.size());
    return true;
}

}  // namespace trapeze::bench
