// trapeze-run: runs one guest ELF on the bare interpreter with a minimal platform (RAM, a
// PL011 console, PSCI over HVC, and CPACR_EL1 so a guest can enable FP/SIMD). Every other exit
// stops the guest with a one-line message.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "decoder/disassembler.h"
#include "emulator/cpu.h"
#include "emulator/elf_loader.h"
#include "emulator/exception_class.h"

using namespace trapeze;

namespace {

// The platform: QEMU virt's addresses, so the same ELF also boots there.
constexpr std::uint64_t kRamBase = 0x4000'0000;
constexpr std::uint64_t kUartBase = 0x0900'0000;
constexpr std::uint64_t kUartSize = 0x1000;
constexpr std::uint64_t kUartDr = 0x000;       // data register
constexpr std::uint64_t kUartFr = 0x018;       // flag register
constexpr std::uint32_t kUartFrTxfe = 1u << 7;  // transmit FIFO empty (and TXFF, bit 5, clear)

// PSCI function IDs (SMC32 calling convention), in x0 at the HVC.
constexpr std::uint32_t kPsciVersion = 0x8400'0000;
constexpr std::uint32_t kPsciSystemOff = 0x8400'0008;
constexpr std::uint64_t kPsciVersion1_1 = 0x1'0001;  // major 1, minor 1

constexpr int kExitOk = 0;
constexpr int kExitGuestError = 1;
constexpr int kExitUsage = 2;

struct Options {
    std::string elf;
    std::uint64_t budget = 5'000'000'000;
    std::uint64_t mem_mib = 128;
    bool quiet = false;
};

const char* const kUsage =
    "usage: trapeze-run GUEST.elf [--budget N] [--mem MiB] [--quiet]\n"
    "  --budget N   stop the guest after N instructions (default 5000000000)\n"
    "  --mem MiB    guest RAM at 0x40000000, in MiB (default 128, at most 4096)\n"
    "  --quiet      do not print the instruction count at the end\n";

std::optional<std::uint64_t> parse_number(std::string_view text) {
    if (text.empty() || text.size() > 19) return std::nullopt;  // 19 digits always fit in 64 bits
    std::uint64_t value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return value;
}

// Returns the options, or nullopt after printing what is wrong with the command line.
std::optional<Options> parse_options(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--quiet") {
            options.quiet = true;
        } else if (arg == "--help" || arg == "-h") {
            std::fputs(kUsage, stdout);
            std::exit(kExitOk);
        } else if (arg == "--budget" || arg == "--mem") {
            if (i + 1 == argc) {
                fmt::print(stderr, "trapeze-run: {} needs a number\n{}", arg, kUsage);
                return std::nullopt;
            }
            const auto value = parse_number(argv[++i]);
            const bool is_mem = arg == "--mem";
            if (!value || *value == 0 || (is_mem && *value > 4096)) {
                fmt::print(stderr, "trapeze-run: bad {} '{}': {}\n", arg, argv[i],
                           is_mem ? "a whole number of MiB from 1 to 4096" : "a positive whole number");
                return std::nullopt;
            }
            (is_mem ? options.mem_mib : options.budget) = *value;
        } else if (arg.starts_with("-")) {
            fmt::print(stderr, "trapeze-run: unknown option '{}'\n{}", arg, kUsage);
            return std::nullopt;
        } else if (options.elf.empty()) {
            options.elf = arg;
        } else {
            fmt::print(stderr, "trapeze-run: one guest at a time ('{}' and '{}')\n{}", options.elf, arg, kUsage);
            return std::nullopt;
        }
    }
    if (options.elf.empty()) {
        fmt::print(stderr, "trapeze-run: no guest ELF given\n{}", kUsage);
        return std::nullopt;
    }
    return options;
}

class Runner {
public:
    Runner(const Options& options, const ElfImage& image, GuestMemory& memory)
        : options_(options), image_(image), cpu_(memory) {
        cpu_.regs.pc = image.entry();
        cpu_.set_strict_alignment(true);  // MMU off: data accesses are to Device memory
        cpu_.set_fp_enabled(false);       // CPACR_EL1 resets to "FP/SIMD traps", as on QEMU
    }

    // Runs until the guest powers off (returns 0) or stops with an error (prints it, returns 1).
    int run() {
        while (retired_ < options_.budget) {
            const std::uint64_t chunk = std::min<std::uint64_t>(options_.budget - retired_, 1u << 30);
            const RunResult& result = cpu_.run(chunk);  // valid until the next run()
            retired_ += result.retired;
            if (result.exit.reason == ExitReason::InstructionLimit) continue;
            if (const auto status = handle(result.exit)) return *status;
        }
        return stop(fmt::format("instruction budget of {} exhausted at {}", options_.budget, where(cpu_.regs.pc)));
    }

    std::uint64_t retired() const { return retired_; }

private:
    // An exit either resumes the guest (nullopt) or ends the run with an exit status.
    std::optional<int> handle(const Exit& exit) {
        switch (exit.ec()) {
        case ExceptionClass::Hvc64: return psci(exit);
        case ExceptionClass::SysRegister:
            if (const auto iss = SysRegIss::decode(exit.iss()); is_cpacr_el1(iss)) return cpacr(exit, iss);
            return stop(describe(exit) + ": " + instruction_text(exit) + " is not handled by trapeze-run");
        case ExceptionClass::FpAccess:
            return stop(describe(exit) + ": " + instruction_text(exit) + " uses FP/SIMD, which CPACR_EL1.FPEN traps "
                        "(a guest enables it with MSR CPACR_EL1 first)");
        case ExceptionClass::DataAbortLower: {
            const DataAbortIss iss = DataAbortIss::decode(exit.iss());
            const char* access = iss.wnr ? "write" : "read";
            if (iss.dfsc == kFscAlignment)
                return stop(describe(exit) + fmt::format(": unaligned {} at {:#x} (with the MMU off, memory is "
                                                         "Device memory)", access, exit.far));
            if (const MmioWindow* w = cpu_.memory().mmio_at(exit.far); w && w->base == kUartBase) return uart(exit);
            return stop(describe(exit) + fmt::format(": {} of {:#x}, which is not RAM or a device", access, exit.far));
        }
        case ExceptionClass::PcAlignment:
            return stop(describe(exit) + fmt::format(": branch to the misaligned address {:#x}", exit.far));
        case ExceptionClass::InstructionAbortLower:
            return stop(describe(exit) + fmt::format(": no memory to execute at {:#x}", exit.far));
        case ExceptionClass::Unknown:
            return stop(describe(exit) + ": undefined instruction " + instruction_text(exit));
        default:
            return stop(describe(exit) + ": " + instruction_text(exit) + " is not handled by trapeze-run");
        }
    }

    // PSCI over HVC: the two calls a bare guest makes. The HVC has not retired: step past it.
    std::optional<int> psci(const Exit& exit) {
        const std::uint32_t function = static_cast<std::uint32_t>(cpu_.regs.x[0]);  // SMC32 IDs are in w0
        if (function == kPsciSystemOff) {
            ++retired_;
            return kExitOk;
        }
        if (function == kPsciVersion) {
            cpu_.regs.x[0] = kPsciVersion1_1;
            cpu_.regs.pc = exit.pc + 4;
            ++retired_;
            return std::nullopt;
        }
        return stop(describe(exit) + fmt::format(": PSCI function {:#x} (x0) is not handled by trapeze-run", function));
    }

    // CPACR_EL1, the one system register trapeze-run keeps: the guest runs as if at EL1, where
    // FPEN = 0b01 or 0b11 lets it use FP/SIMD. Reads return what was written.
    static bool is_cpacr_el1(const SysRegIss& iss) {
        return iss.op0 == 3 && iss.op1 == 0 && iss.crn == 1 && iss.crm == 0 && iss.op2 == 2;
    }
    std::optional<int> cpacr(const Exit& exit, const SysRegIss& iss) {
        constexpr unsigned kFpenShift = 20;
        if (iss.read) {
            cpu_.regs.write_xzr(iss.rt, cpacr_el1_);
        } else {
            cpacr_el1_ = cpu_.regs.read_xzr(iss.rt);
            cpu_.set_fp_enabled(((cpacr_el1_ >> kFpenShift) & 1) != 0);
        }
        cpu_.regs.pc = exit.pc + 4;
        ++retired_;
        return std::nullopt;
    }

    // The PL011, as far as a polling console needs it: DR prints, FR says "ready", the rest is 0.
    std::optional<int> uart(const Exit& exit) {
        const DataAbortIss iss = DataAbortIss::decode(exit.iss());
        if (!iss.isv)
            return stop(describe(exit) + fmt::format(": access to the PL011 at {:#x} by an instruction the syndrome "
                                                     "does not describe (ISV=0)", exit.far));
        const std::uint64_t offset = exit.far - kUartBase;
        const unsigned size_bits = 8u << iss.sas;
        if (iss.wnr) {
            if (offset == kUartDr) std::fputc(static_cast<int>(cpu_.regs.read_xzr(iss.srt) & 0xff), stdout);
        } else {
            std::uint64_t value = offset == kUartFr ? kUartFrTxfe : 0;
            if (iss.sse && size_bits < 64 && (value >> (size_bits - 1) & 1)) value |= ~0ull << size_bits;  // sign
            if (!iss.sf) value &= 0xffff'ffff;  // a W register: the upper half becomes zero
            cpu_.regs.write_xzr(iss.srt, value);
        }
        cpu_.regs.pc = exit.pc + 4;  // the access is done: the instruction retires
        ++retired_;
        return std::nullopt;
    }

    std::string where(std::uint64_t pc) const {
        const std::string symbol = image_.describe(pc);
        return symbol.empty() ? fmt::format("pc {:#x}", pc) : fmt::format("pc {:#x} <{}>", pc, symbol);
    }

    // "UNKNOWN [EC 0x00: unknown reason (UNDEFINED instruction)] at pc 0x40080004 <_start+0x4>"
    std::string describe(const Exit& exit) const {
        std::string_view description = "?";
        for (const auto& info : kExceptionClasses)
            if (info.ec == exit.ec()) description = info.description;
        return fmt::format("{} [EC {:#04x}: {}] at {}", exception_class_name(exit.ec()),
                           static_cast<unsigned>(exit.ec()), description, where(exit.pc));
    }

    // "0xd503201f (nop)", or the word alone when there is no assembly for it.
    static std::string instruction_text(const Exit& exit) {
        const std::string text = disassemble(exit.instruction, exit.pc);
        if (text.starts_with(".inst")) return fmt::format("{:#010x}", exit.instruction);
        return fmt::format("{:#010x} ({})", exit.instruction, text);
    }

    int stop(const std::string& message) {
        std::fflush(stdout);  // the guest's console output first, then why it stopped
        fmt::print(stderr, "trapeze-run: guest stopped: {}\n", message);
        return kExitGuestError;
    }

    const Options& options_;
    const ElfImage& image_;
    Cpu cpu_;
    std::uint64_t retired_ = 0;
    std::uint64_t cpacr_el1_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
    const auto options = parse_options(argc, argv);
    if (!options) return kExitUsage;

    GuestMemory memory(kRamBase, options->mem_mib << 20);
    memory.add_mmio(kUartBase, kUartSize, "pl011");
    std::optional<ElfImage> image;
    try {
        image = load_elf(options->elf, memory);
    } catch (const ElfError& e) {
        fmt::print(stderr, "trapeze-run: {}\n", e.what());
        return kExitUsage;
    }

    Runner runner(*options, *image, memory);
    const auto start = std::chrono::steady_clock::now();
    const int status = runner.run();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fflush(stdout);
    if (!options->quiet)
        fmt::print(stderr, "trapeze-run: {} instructions retired in {:.3f} s ({:.0f} MIPS)\n", runner.retired(),
                   seconds, seconds > 0 ? static_cast<double>(runner.retired()) / seconds / 1e6 : 0.0);
    return status;
}
