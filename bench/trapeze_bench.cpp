// trapeze-bench: runs one compute-bound guest, then the FP/SIMD one, on Trapeze's interpreter,
// on Unicorn and on QEMU (TCG), and prints guest instructions, seconds and MIPS for each; then
// the cost of a trap round trip on Trapeze's VMM and on QEMU, the VMM's overhead on the compute
// guest (bench/vmm_bench.cpp), the guest's MMU off against on (bench/mmu_bench.cpp), the cost
// of a VM switch and of a vCPU switch (bench/switch_bench.cpp), a whole-VM snapshot
// (bench/snapshot_bench.cpp), its live migration (bench/migration_bench.cpp), and two VMs on two pCPUs with --threads against lock-step
// (bench/threads_bench.cpp). It prints figures; it never asserts them.
#include <unicorn/unicorn.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/bench_support.h"
#include "bench/mmu_bench.h"
#include "bench/switch_bench.h"
#include "bench/migration_bench.h"
#include "bench/snapshot_bench.h"
#include "bench/threads_bench.h"
#include "bench/vmm_bench.h"
#include "emulator/cpu.h"
#include "emulator/elf_loader.h"
#include "emulator/exception_class.h"
#include "emulator/guest_memory.h"

namespace {

using namespace trapeze;
using namespace trapeze::bench;

// The platform the example guests expect: QEMU virt's RAM and PL011.
constexpr std::uint64_t kRamBase = 0x4000'0000;
constexpr std::uint64_t kRamSize = 128ull << 20;
constexpr std::uint64_t kUartBase = 0x0900'0000;
constexpr std::uint64_t kUartSize = 0x1000;
constexpr std::uint64_t kUartDr = 0x000;  // data register: a write sends one character
// With the guest's MMU on, its page tables go below the image (QEMU's device-tree area).
constexpr std::uint64_t kPageTables = kRamBase;
constexpr std::uint64_t kPsciSystemOff = 0x8400'0008;
constexpr std::uint32_t kHvc0 = 0xd400'0002;  // HVC #0
// A guest that runs longer than this is stuck (it never reached SYSTEM_OFF).
constexpr std::uint64_t kInstructionLimit = 200'000'000'000ull;

// ---- Trapeze: the interpreter in-process, with the UART and PSCI done here ----

// The PL011 as the guests use it: a write to DR prints its low byte; every read returns 0,
// so FR says the transmit FIFO is never full. The access then completes: PC moves past it.
bool emulate_uart(Cpu& cpu, const Exit& exit, std::string& console) {
    const DataAbortIss iss = DataAbortIss::decode(exit.iss());
    const std::uint64_t pa = exit.stage2 ? exit.ipa : exit.far;
    if (!iss.isv || pa - kUartBase >= kUartSize) return false;
    if (iss.wnr) {
        const std::uint64_t value = iss.srt == 31 ? 0 : cpu.regs.x[iss.srt];
        if (pa - kUartBase == kUartDr) console += static_cast<char>(value & 0xff);
    } else if (iss.srt != 31) {
        cpu.regs.x[iss.srt] = 0;
    }
    cpu.regs.pc = exit.pc + 4;
    return true;
}

// MSR CPACR_EL1, Xt: how a guest enables FP/SIMD (as on QEMU, where it starts trapped).
bool is_cpacr_write(const Exit& exit) {
    if (exit.ec() != ExceptionClass::SysRegister) return false;
    const SysRegIss iss = SysRegIss::decode(exit.iss());
    return !iss.read && iss.op0 == 3 && iss.op1 == 0 && iss.crn == 1 && iss.crm == 0 && iss.op2 == 2;
}

// `mmu`: the guest's stage 1 on, through identity tables the harness builds (no VMM).
Result run_trapeze(const std::string& guest, bool mmu = false) {
    GuestMemory memory(kRamBase, kRamSize);
    memory.add_mmio(kUartBase, kUartSize, "pl011");
    const ElfImage image = load_elf(guest, memory);
    Cpu cpu(memory);
    cpu.regs.pc = image.entry();
    if (mmu) cpu.set_translation(identity_map(memory, kPageTables, kRamBase, kRamSize, {kUartBase}));

    Result result;
    const Clock::time_point start = Clock::now();
    for (;;) {
        const RunResult run = cpu.run(kInstructionLimit - result.instructions);
        result.instructions += run.retired;
        const Exit& exit = run.exit;
        if (exit.reason == ExitReason::InstructionLimit)
            throw std::runtime_error(fmt::format("{}: no SYSTEM_OFF after {} instructions", guest, kInstructionLimit));
        if (exit.ec() == ExceptionClass::DataAbortLower && emulate_uart(cpu, exit, result.console)) {
            ++result.instructions;  // the access the UART emulation completed
            continue;
        }
        if (exit.ec() == ExceptionClass::Hvc64 && cpu.regs.x[0] == kPsciSystemOff) {
            ++result.instructions;
            break;
        }
        if (is_cpacr_write(exit)) {  // the FP/SIMD guest enabling FP: already enabled here
            cpu.regs.pc = exit.pc + 4;
            ++result.instructions;
            continue;
        }
        throw std::runtime_error(fmt::format("{}: unexpected exit {} (ESR {:#010x}) at pc {:#x}", guest,
                                             exception_class_name(exit.ec()), exit.esr, exit.pc));
    }
    result.seconds = since(start);
    return result;
}

// ---- Unicorn 2: the same guest in-process ----

struct UnicornState {
    std::string console;
    bool powered_off = false;
    std::string error;
};

std::uint64_t unicorn_uart_read(uc_engine*, std::uint64_t, unsigned, void*) { return 0; }

void unicorn_uart_write(uc_engine*, std::uint64_t offset, unsigned, std::uint64_t value, void* user) {
    if (offset == kUartDr) static_cast<UnicornState*>(user)->console += static_cast<char>(value & 0xff);
}

// Unicorn treats HVC as undefined: exception 1 (EXCP_UDEF) with the PC at the HVC.
void unicorn_interrupt(uc_engine* uc, std::uint32_t intno, void* user) {
    auto& state = *static_cast<UnicornState*>(user);
    std::uint64_t pc = 0, x0 = 0;
    uc_reg_read(uc, UC_ARM64_REG_PC, &pc);
    uc_reg_read(uc, UC_ARM64_REG_X0, &x0);
    std::uint32_t word = 0;
    uc_mem_read(uc, pc, &word, sizeof word);
    if (intno == 1 && word == kHvc0 && x0 == kPsciSystemOff)
        state.powered_off = true;
    else
        state.error = fmt::format("exception {} at pc {:#x} (word {:#010x})", intno, pc, word);
    uc_emu_stop(uc);
}

void check(uc_err err, const char* what) {
    if (err != UC_ERR_OK) throw std::runtime_error(fmt::format("unicorn: {}: {}", what, uc_strerror(err)));
}

Result run_unicorn(const std::string& guest) {
    // Load with Trapeze's ELF loader into host memory that Unicorn then maps as its RAM.
    GuestMemory memory(kRamBase, kRamSize);
    const ElfImage image = load_elf(guest, memory);

    uc_engine* uc = nullptr;
    check(uc_open(UC_ARCH_ARM64, UC_MODE_ARM, &uc), "uc_open");
    struct Closer {
        uc_engine* uc;
        ~Closer() { uc_close(uc); }
    } closer{uc};
    // Only the "max" model executes the LSE atomics.
    check(uc_ctl_set_cpu_model(uc, UC_CPU_ARM64_MAX), "set cpu model");
    check(uc_mem_map_ptr(uc, kRamBase, kRamSize, UC_PROT_ALL, memory.host(kRamBase, kRamSize)), "map RAM");
    UnicornState state;
    check(uc_mmio_map(uc, kUartBase, kUartSize, unicorn_uart_read, &state, unicorn_uart_write, &state), "map UART");
    uc_hook hook;
    check(uc_hook_add(uc, &hook, UC_HOOK_INTR, reinterpret_cast<void*>(unicorn_interrupt), &state, 1, 0),
          "hook interrupts");

    Result result;
    const Clock::time_point start = Clock::now();
    check(uc_emu_start(uc, image.entry(), 0, 0, 0), "run");
    result.seconds = since(start);
    if (!state.error.empty()) throw std::runtime_error(fmt::format("unicorn: {}: {}", guest, state.error));
    if (!state.powered_off) throw std::runtime_error(fmt::format("unicorn: {}: stopped before SYSTEM_OFF", guest));
    result.console = std::move(state.console);
    return result;
}

// ---- the report ----

struct Options {
    int runs = 3;
    std::string guest;
    std::string fp_guest;  // the FP/SIMD benchmark guest: fpbench.elf beside the guest by default
    bool use_fp_guest = true;
    std::string qemu = "qemu-system-aarch64";
    bool use_qemu = true;
    bool use_unicorn = true;
    bool per_guest = true;
    bool traps = true;     // the trap round-trip table
    bool overhead = true;  // the v1 VMM against the bare interpreter
    bool threads = true;   // two VMs on two pCPUs: --threads against lock-step
    bool mmu = true;       // the guest's MMU off against on
    bool switches = true;  // the cost of a VM switch and of a vCPU switch
    bool snapshot = true;  // a whole-VM snapshot: size, save and restore times
    bool migration = true;  // a live migration of the same VM: rounds, pages, downtime
    std::string traps_dir;
};

void usage() {
    std::puts(
        "usage: trapeze-bench [--runs N] [--guest PATH] [--fp-guest PATH] [--qemu PATH] [--traps-dir DIR]\n"
        "                     [--no-qemu] [--no-unicorn] [--no-fp-guest] [--no-per-guest] [--no-traps] [--no-overhead]\n"
        "                     [--no-mmu] [--no-switches] [--no-snapshot] [--no-migration] [--no-threads]\n"
        "  Runs a compute-bound guest (default: compute.elf beside this program's examples/) on\n"
        "  Trapeze's interpreter, Unicorn and qemu-system-aarch64 (TCG) and prints guest MIPS; then\n"
        "  the cost of one trap round trip (MSR/MRS, HVC) on Trapeze's v2 VMM and on QEMU, and the\n"
        "  compute guest on the v1 VMM against the bare interpreter, and with the guest's MMU on\n"
        "  (identity tables) against off; then the cost of a VM switch and of a vCPU switch, and a\n"
        "  whole-VM snapshot of the compute guest in 128 MiB (size, save, restore), and its live\n"
        "  migration to a second machine (rounds, pages, downtime).\n"
        "  --runs N         take the best of N runs of each engine (default 3)\n"
        "  --fp-guest PATH  the FP/SIMD guest, also on all three engines (default: fpbench.elf beside the guest)\n"
        "  --no-fp-guest    skip the FP/SIMD guest\n"
        "  --traps-dir DIR  where traps-{sysreg,hvc,none}.elf are (default: bench/ beside the guest)\n"
        "  --no-traps       skip the trap round-trip table\n"
        "  --no-overhead    skip the VMM's overhead on the compute guest\n"
        "  --no-mmu         skip the compute guest with the MMU on\n"
        "  --no-switches    skip the VM and vCPU switches (spin.elf in the traps folder)\n"
        "  --no-snapshot    skip the snapshot's size and times\n"
        "  --no-migration   skip the live migration's downtime\n"
        "  --no-threads     skip the speed-up of --threads over lock-step (two VMs on two pCPUs)");
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) throw std::runtime_error(arg + " needs a value");
            return argv[++i];
        };
        if (arg == "--runs") o.runs = std::max(1, std::stoi(value()));
        else if (arg == "--guest") o.guest = value();
        else if (arg == "--fp-guest") o.fp_guest = value();
        else if (arg == "--no-fp-guest") o.use_fp_guest = false;
        else if (arg == "--qemu") o.qemu = value();
        else if (arg == "--no-qemu") o.use_qemu = false;
        else if (arg == "--no-unicorn") o.use_unicorn = false;
        else if (arg == "--no-per-guest") o.per_guest = false;
        else if (arg == "--no-traps") o.traps = false;
        else if (arg == "--no-overhead") o.overhead = false;
        else if (arg == "--no-snapshot") o.snapshot = false;
        else if (arg == "--no-migration") o.migration = false;
        else if (arg == "--no-threads") o.threads = false;
        else if (arg == "--no-mmu") o.mmu = false;
        else if (arg == "--no-switches") o.switches = false;
        else if (arg == "--traps-dir") o.traps_dir = value();
        else if (arg == "--help" || arg == "-h") {
            usage();
            std::exit(0);
        } else {
            throw std::runtime_error("unknown option " + arg + " (try --help)");
        }
    }
    return o;
}

struct Row {
    std::string engine;
    std::optional<Result> result;
    std::string note;
};

// Runs `guest` on Trapeze, Unicorn and QEMU and prints the table of their MIPS; clears
// `identical` when an engine's console output differs from Trapeze's. Returns Trapeze's run.
Result compare_engines(const Options& options, const std::string& guest, const std::string& hello, bool& identical) {
    std::vector<Row> rows;
    const Result trapeze = best_of(options.runs, [&] { return run_trapeze(guest); });
    const std::uint64_t instructions = trapeze.instructions;
    fmt::print("console output of the guest:\n{}\n", trapeze.console);
    rows.push_back({"trapeze (interpreter)", trapeze, ""});

    if (options.use_unicorn) {
        try {
            rows.push_back({"unicorn 2 (TCG, in-process)", best_of(options.runs, [&] { return run_unicorn(guest); }), ""});
        } catch (const std::exception& e) {
            rows.push_back({"unicorn 2 (TCG, in-process)", std::nullopt, e.what()});
        }
    }
    if (options.use_qemu) {
        try {
            // QEMU's own start-up and shutdown, measured on the smallest guest, is not guest work.
            const Result startup = best_of(options.runs, [&] { return run_qemu(options.qemu, hello); });
            Result q = best_of(options.runs, [&] { return run_qemu(options.qemu, guest); });
            const double total = q.seconds;
            q.seconds = std::max(total - startup.seconds, 1e-9);
            rows.push_back({"qemu-system-aarch64 (TCG)", q,
                            fmt::format("{:.3f} s wall - {:.3f} s start-up (hello.elf)", total, startup.seconds)});
        } catch (const std::exception& e) {
            rows.push_back({"qemu-system-aarch64 (TCG)", std::nullopt, e.what()});
        }
    }

    // Speed relative to Trapeze: above 1 the engine is faster than the interpreter.
    fmt::print("{:<28} {:>14} {:>9} {:>9} {:>14}\n", "engine", "instructions", "seconds", "MIPS", "Trapeze/engine");
    for (const Row& row : rows) {
        if (!row.result) {
            fmt::print("{:<28} {:>14} {:>9} {:>9} {:>14}  {}\n", row.engine, "-", "-", "-", "-", row.note);  // why it did not run
            continue;
        }
        std::string line = fmt::format("{:<28} {:>14} {:>9.3f} {:>9} {:>13.3f}x  {}", row.engine, instructions,
                                       row.result->seconds, mips(instructions, row.result->seconds),
                                       row.result->seconds / trapeze.seconds, row.note);
        line.erase(line.find_last_not_of(' ') + 1);
        fmt::print("{}\n", line);
    }
    fmt::print(
        "(instructions: counted by Trapeze's interpreter, the same program on all three engines;\n"
        " Trapeze/engine: Trapeze's MIPS over the engine's, above 1 when Trapeze is faster)\n\n");

    for (const Row& row : rows) {
        if (row.result && row.result->console != trapeze.console) {
            identical = false;
            fmt::print("console output of {} differs from Trapeze's ({} vs {} bytes)\n", row.engine,
                       row.result->console.size(), trapeze.console.size());
        }
    }
    if (identical) fmt::print("console output: identical on all engines ({} bytes)\n", trapeze.console.size());

    return trapeze;
}

}  // namespace

int main(int argc, char** argv) try {
    Options options = parse(argc, argv);
    namespace fs = std::filesystem;
    if (options.guest.empty()) {
        // The build tree's guests: <build>/bench/trapeze-bench -> <build>/examples/compute.elf.
        std::error_code error;
        fs::path self = fs::read_symlink("/proc/self/exe", error);
        if (error) self = fs::absolute(argv[0]);
        options.guest = (self.parent_path().parent_path() / "examples" / "compute.elf").string();
    }
    const fs::path guest_dir = fs::path(options.guest).parent_path();
    if (options.fp_guest.empty() && options.use_fp_guest && fs::exists(guest_dir / "fpbench.elf"))
        options.fp_guest = (guest_dir / "fpbench.elf").string();
    if (!options.use_fp_guest) options.fp_guest.clear();
    const std::string hello = (guest_dir / "hello.elf").string();

    fmt::print("guest {}, best of {} run(s)\n\n", options.guest, options.runs);
    std::fflush(stdout);

    bool identical = true;
    const Result trapeze = compare_engines(options, options.guest, hello, identical);
    if (!options.fp_guest.empty()) {
        fmt::print("\nthe FP/SIMD guest {} (doubles, vectorized floats, AES, SIMD scans):\n\n", options.fp_guest);
        compare_engines(options, options.fp_guest, hello, identical);
    }

    if (options.per_guest) {
        fmt::print("\ninterpreter, per guest:\n{:<14} {:>14} {:>10} {:>9}\n", "guest", "instructions", "seconds", "MIPS");
        for (const char* name : {"hello.elf", "primes.elf", "compute.elf"}) {
            const fs::path path = guest_dir / name;
            if (!fs::exists(path)) continue;
            try {
                const Result r = fs::equivalent(path, options.guest)
                                     ? trapeze
                                     : best_of(options.runs, [&] { return run_trapeze(path.string()); });
                fmt::print("{:<14} {:>14} {:>10.4f} {:>9}\n", name, r.instructions, r.seconds, mips(r.instructions, r.seconds));
            } catch (const std::exception& e) {
                fmt::print("{:<14} {}\n", name, e.what());
            }
        }
    }

    bool vmm_ran = true;
    if (options.traps) {
        TrapBenchOptions traps{options.runs, options.traps_dir, options.qemu, options.use_qemu};
        if (traps.dir.empty()) traps.dir = (guest_dir / "bench").string();
        vmm_ran = print_trap_costs(traps) && vmm_ran;
    }
    if (options.overhead)
        vmm_ran = print_vmm_overhead(options.runs, options.guest, [&] { return run_trapeze(options.guest); }) && vmm_ran;
    if (options.mmu)
        vmm_ran = print_mmu_cost(options.runs, options.guest, [&] { return run_trapeze(options.guest); },
                                 [&] { return run_trapeze(options.guest, true); }) &&
                  vmm_ran;
    if (options.switches)
        vmm_ran = print_switch_costs(options.runs,
                                     options.traps_dir.empty() ? (guest_dir / "bench").string() : options.traps_dir) &&
                  vmm_ran;
    if (options.snapshot) vmm_ran = print_snapshot_cost(options.runs, options.guest) && vmm_ran;
    if (options.migration) vmm_ran = print_migration_cost(options.runs, options.guest) && vmm_ran;
    if (options.threads) vmm_ran = print_threads_speedup(options.runs, options.guest) && vmm_ran;
    return identical && vmm_ran ? 0 : 1;
} catch (const std::exception& e) {
    std::fprintf(stderr, "trapeze-bench: %s\n", e.what());
    return 1;
}
