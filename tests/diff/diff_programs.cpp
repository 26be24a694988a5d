// Differential test of whole compiled guests: each ELF runs on our CPU and on Unicorn from its
// entry point until the PSCI `hvc #0` that ends it; the final registers (V0-V31, FPCR and FPSR
// included), the console output, RAM and the instruction counts must agree.
//
//   diff_programs GUEST.elf...
//
// Both run with the MMU off (ours at EL0, Unicorn at EL1). The PL011 is emulated the same
// way on both: a write to DR (+0x000) is a console byte, every read returns 0 (FR: not full).
#include <fmt/format.h>

#include <chrono>
#include <cstring>
#include <string>

#include "emulator/cpu.h"
#include "emulator/elf_loader.h"
#include "tests/diff/unicorn_cpu.h"

namespace trapeze::diff {
namespace {

constexpr std::uint64_t kGuestRam = 0x4000'0000;
constexpr std::uint64_t kGuestRamSize = 16ull << 20;
constexpr std::uint64_t kUart = 0x0900'0000;
constexpr std::uint64_t kUartSize = 0x1000;
constexpr std::uint64_t kUartDr = 0x000;
constexpr std::uint32_t kHvc0 = 0xd400'0002;
constexpr std::uint64_t kBudget = 4'000'000'000ull;  // a runaway guest fails instead of hanging

struct Outcome {
    State state;
    std::string console;
    std::uint64_t instructions = 0;  // retired, counting the MMIO accesses and the final HVC
    std::string error;               // empty when it stopped at hvc #0
};

// ---- Our CPU: MMIO accesses come back as data aborts (ISV = 1), handled here.
Outcome run_ours(const ElfImage& image, GuestMemory& memory) {
    Outcome out;
    Cpu cpu(memory);
    cpu.set_strict_alignment(true);  // MMU off: Device memory, as the guests are built for
    cpu.regs.pc = image.entry();
    while (out.instructions < kBudget) {
        const RunResult r = cpu.run(kBudget - out.instructions);
        out.instructions += r.retired;
        const Exit& e = r.exit;
        if (e.reason != ExitReason::Exception) {
            out.error = "instruction budget used up";
            break;
        }
        if (e.ec() == ExceptionClass::Hvc64 && e.instruction == kHvc0) {
            ++out.instructions;  // Unicorn counts the hvc it stopped at
            break;
        }
        if (e.ec() == ExceptionClass::SysRegister) {
            // MSR CPACR_EL1: an FP/SIMD guest enabling FP, which Unicorn (at EL1) executes itself
            // and our CPU has enabled already.
            const SysRegIss sys = SysRegIss::decode(e.iss());
            if (!sys.read && sys.op0 == 3 && sys.op1 == 0 && sys.crn == 1 && sys.crm == 0 && sys.op2 == 2) {
                cpu.regs.pc = e.pc + 4;
                ++out.instructions;
                continue;
            }
        }
        const DataAbortIss iss = DataAbortIss::decode(e.iss());
        if (e.ec() != ExceptionClass::DataAbortLower || !iss.isv || e.far - kUart >= kUartSize) {
            out.error = fmt::format("exit EC {:#04x} ({}) at {:#x}, FAR {:#x}, instruction {:08x}",
                                    static_cast<unsigned>(e.ec()), exception_class_name(e.ec()), e.pc, e.far,
                                    e.instruction);
            break;
        }
        if (iss.wnr) {
            if (e.far - kUart == kUartDr) out.console += static_cast<char>(cpu.regs.read_xzr(iss.srt) & 0xff);
        } else {
            cpu.regs.write_xzr(iss.srt, 0);
        }
        cpu.regs.pc = e.pc + 4;
        ++out.instructions;
    }
    for (unsigned n = 0; n < 31; ++n) out.state.x[n] = cpu.regs.x[n];
    out.state.sp = cpu.regs.sp();
    out.state.pc = cpu.regs.pc;
    out.state.nzcv = cpu.regs.nzcv;
    out.state.v = cpu.regs.v;
    out.state.fpcr = cpu.regs.fpcr;
    out.state.fpsr = cpu.regs.fpsr;
    return out;
}

// ---- Unicorn: `hvc` is an undefined instruction to it (exception 1, PC at the hvc).
struct UnicornRun {
    Outcome out;
    std::uint64_t stop_pc = 0;
    bool stopped_at_hvc = false;
};

std::uint64_t uart_read(uc_engine*, std::uint64_t, unsigned, void*) { return 0; }

void uart_write(uc_engine*, std::uint64_t offset, unsigned, std::uint64_t value, void* user) {
    if (offset == kUartDr) static_cast<UnicornRun*>(user)->out.console += static_cast<char>(value & 0xff);
}

void count_instruction(uc_engine*, std::uint64_t, std::uint32_t, void* user) {
    ++static_cast<UnicornRun*>(user)->out.instructions;
}

void on_interrupt(uc_engine* uc, std::uint32_t intno, void* user) {
    auto& run = *static_cast<UnicornRun*>(user);
    std::uint64_t pc = 0;
    uc_reg_read(uc, UC_ARM64_REG_PC, &pc);
    std::uint32_t word = 0;
    uc_mem_read(uc, pc, &word, 4);
    run.stop_pc = pc;
    run.stopped_at_hvc = intno == 1 && word == kHvc0;
    if (!run.stopped_at_hvc) run.out.error = fmt::format("exception {} at {:#x} (instruction {:08x})", intno, pc, word);
    uc_emu_stop(uc);  // and never write PC here: that would cancel the stop
}

// Unicorn's RAM already holds the loaded image.
Outcome run_unicorn(UnicornCpu& uc, const ElfImage& image) {
    UnicornRun run;
    uc_engine* e = uc.engine();
    if (uc_mmio_map(e, kUart, kUartSize, uart_read, &run, uart_write, &run) != UC_ERR_OK)
        throw std::runtime_error("unicorn: uc_mmio_map failed");
    uc_hook code_hook, intr_hook;
    uc_hook_add(e, &code_hook, UC_HOOK_CODE, reinterpret_cast<void*>(count_instruction), &run, 1, 0);
    uc_hook_add(e, &intr_hook, UC_HOOK_INTR, reinterpret_cast<void*>(on_interrupt), &run, 1, 0);
    State start;
    start.pc = image.entry();
    uc.set_state(start);
    const uc_err err = uc_emu_start(e, image.entry(), 0, 0, kBudget);
    uc_hook_del(e, code_hook);  // they point at `run`, which is about to go
    uc_hook_del(e, intr_hook);
    if (err != UC_ERR_OK && run.out.error.empty()) run.out.error = uc_strerror(err);
    if (!run.stopped_at_hvc && run.out.error.empty()) run.out.error = "stopped before the hvc";
    run.out.state = uc.state();
    if (run.stop_pc) run.out.state.pc = run.stop_pc;
    return run.out;
}

bool compare(const std::string& path) {
    const ElfImage image = ElfImage::read_file(path);
    GuestMemory memory(kGuestRam, kGuestRamSize);
    memory.add_mmio(kUart, kUartSize, "pl011");
    image.load(memory);
    // Unicorn gets a copy of RAM as loaded, before our CPU changes it.
    UnicornCpu uc;
    std::uint8_t* their_ram = uc.map_ram(kGuestRam, kGuestRamSize);
    std::memcpy(their_ram, memory.host(kGuestRam, kGuestRamSize), kGuestRamSize);
    const auto t0 = std::chrono::steady_clock::now();
    const Outcome theirs = run_unicorn(uc, image);
    const auto t1 = std::chrono::steady_clock::now();
    const Outcome ours = run_ours(image, memory);
    const auto t2 = std::chrono::steady_clock::now();

    bool ok = true;
    auto fail = [&](const std::string& what) {
        fmt::print("{}: MISMATCH: {}\n", path, what);
        ok = false;
    };
    if (!ours.error.empty()) fail("ours did not reach hvc #0: " + ours.error);
    if (!theirs.error.empty()) fail("unicorn did not reach hvc #0: " + theirs.error);
    for (unsigned n = 0; n < 31; ++n)
        if (ours.state.x[n] != theirs.state.x[n])
            fail(fmt::format("x{}: ours {:#x} unicorn {:#x}", n, ours.state.x[n], theirs.state.x[n]));
    if (ours.state.sp != theirs.state.sp) fail(fmt::format("sp: ours {:#x} unicorn {:#x}", ours.state.sp, theirs.state.sp));
    if (ours.state.pc != theirs.state.pc) fail(fmt::format("pc: ours {:#x} unicorn {:#x}", ours.state.pc, theirs.state.pc));
    if (ours.state.nzcv != theirs.state.nzcv)
        fail(fmt::format("nzcv: ours {:x} unicorn {:x}", ours.state.nzcv >> 28, theirs.state.nzcv >> 28));
    for (unsigned n = 0; n < 32; ++n)
        if (ours.state.v[n] != theirs.state.v[n])
            fail(fmt::format("v{}: ours {:016x}{:016x} unicorn {:016x}{:016x}", n, ours.state.v[n].hi, ours.state.v[n].lo,
                             theirs.state.v[n].hi, theirs.state.v[n].lo));
    if (ours.state.fpcr != theirs.state.fpcr) fail(fmt::format("fpcr: ours {:#x} unicorn {:#x}", ours.state.fpcr, theirs.state.fpcr));
    if (ours.state.fpsr != theirs.state.fpsr) fail(fmt::format("fpsr: ours {:#x} unicorn {:#x}", ours.state.fpsr, theirs.state.fpsr));
    if (ours.console != theirs.console)
        fail(fmt::format("console output differs:\n--- ours\n{}--- unicorn\n{}---", ours.console, theirs.console));
    if (ours.instructions != theirs.instructions)
        fail(fmt::format("instructions: ours {} unicorn {}", ours.instructions, theirs.instructions));
    const std::uint8_t* our_ram = memory.host(kGuestRam, kGuestRamSize);
    for (std::uint64_t i = 0; i < kGuestRamSize; ++i) {
        if (our_ram[i] == their_ram[i]) continue;
        fail(fmt::format("RAM first differs at {:#x}: ours {:02x} unicorn {:02x}", kGuestRam + i, our_ram[i],
                         their_ram[i]));
        break;
    }
    const double our_s = std::chrono::duration<double>(t2 - t1).count();
    const double their_s = std::chrono::duration<double>(t1 - t0).count();
    fmt::print("{}: {} instructions, {} console bytes, ours {:.2f} s, unicorn (counting) {:.2f} s: {}\n", path,
               ours.instructions, ours.console.size(), our_s, their_s, ok ? "same" : "DIFFERENT");
    return ok;
}

}  // namespace
}  // namespace trapeze::diff

int main(int argc, char** argv) {
    if (argc < 2) {
        fmt::print(stderr, "usage: diff_programs GUEST.elf...\n");
        return 2;
    }
    bool ok = true;
    for (int i = 1; i < argc; ++i) {
        try {
            ok = trapeze::diff::compare(argv[i]) && ok;
        } catch (const std::exception& e) {
            fmt::print(stderr, "diff_programs: {}: {}\n", argv[i], e.what());
            ok = false;
        }
    }
    return ok ? 0 : 1;
}
