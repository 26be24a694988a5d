// Differential test of the interpreter against Unicorn: seeded random straight-line blocks
// (with forward branches) run from the same registers and memory on both CPUs, compared
// after every block, or after every instruction with --step.
//
//   diff_test [--seed S] [--instructions N] [--block B] [--class NAME]... [--step] [--keep-going] [--coverage]
//             [--engine-blocks N]
//
// A mismatch prints the seed, the block, its instructions and both states, and exits 1.
// The seed determines everything: the same command line reproduces a failure alone.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "emulator/cpu.h"
#include "tests/diff/generator.h"
#include "tests/diff/unicorn_cpu.h"

namespace trapeze::diff {
namespace {

constexpr std::uint32_t kClrex = 0xd503'305f;
constexpr std::uint32_t kUdf = 0x0000'0000;  // UDF #0: where our CPU stops at a block's end

struct Options {
    std::uint64_t seed = 1;
    std::uint64_t instructions = 100'000;
    unsigned block = 0;  // 0: random lengths in [16, 64]
    std::vector<Class> classes;
    bool step = false;
    bool keep_going = false;
    bool coverage = false;
    std::uint64_t engine_blocks = 20'000;  // a fresh Unicorn engine every so many blocks
    std::string command_line;
};

State state_of(const Cpu& cpu) {
    State s;
    for (unsigned n = 0; n < 31; ++n) s.x[n] = cpu.regs.x[n];
    s.sp = cpu.regs.sp();
    s.pc = cpu.regs.pc;
    s.nzcv = cpu.regs.nzcv;
    s.v = cpu.regs.v;
    s.fpcr = cpu.regs.fpcr;
    s.fpsr = cpu.regs.fpsr;
    return s;
}

void set_state(Cpu& cpu, const State& s) {
    cpu.regs = RegisterFile{};
    for (unsigned n = 0; n < 31; ++n) cpu.regs.x[n] = s.x[n];
    cpu.regs.sp() = s.sp;
    cpu.regs.pc = s.pc;
    cpu.regs.nzcv = s.nzcv;
    cpu.regs.v = s.v;
    cpu.regs.fpcr = s.fpcr;
    cpu.regs.fpsr = s.fpsr;
}

// The SIMD&FP rows of a mismatch report: the V registers that differ (or changed), FPCR, FPSR.
void report_simd_fp(const State& initial, const State& mine, const State& theirs) {
    auto hex128 = [](const VReg& r) { return fmt::format("{:016x}{:016x}", r.hi, r.lo); };
    for (unsigned n = 0; n < 32; ++n) {
        if (mine.v[n] == theirs.v[n] && mine.v[n] == initial.v[n]) continue;
        fmt::print("{:>5} {:>32} {:>32} {:>32}{}\n", fmt::format("v{}", n), hex128(initial.v[n]), hex128(mine.v[n]),
                   hex128(theirs.v[n]), mine.v[n] != theirs.v[n] ? "   <-- differs" : "");
    }
    fmt::print("{:>5} {:>18x} {:>18x} {:>18x}{}\n", "fpcr", initial.fpcr, mine.fpcr, theirs.fpcr,
               mine.fpcr != theirs.fpcr ? "   <-- differs" : "");
    fmt::print("{:>5} {:>18x} {:>18x} {:>18x}{}\n", "fpsr", initial.fpsr, mine.fpsr, theirs.fpsr,
               mine.fpsr != theirs.fpsr ? "   <-- differs" : "");
}

std::string op_at(const Block& b, std::uint64_t pc) {
    if (pc < kBlockBase || pc >= b.end()) return "";
    const std::uint32_t w = b.words[(pc - kBlockBase) / 4];
    return fmt::format("{:08x} {}", w, op_name(decode(w).op));
}

class Runner {
public:
    explicit Runner(const Options& o)
        : o_(o), memory_(kRamBase, kRamSize), cpu_(memory_), gen_(o.seed, o.classes), lengths_(o.seed ^ 0x5eed) {
        cpu_.set_strict_alignment(false);  // Unicorn (SCTLR_EL1.A = 0) does not fault unaligned accesses
        // Unicorn starts every block at CLREX, so its exclusive monitor is clear as ours is.
        memory_.write(kCodeBase, &kClrex, 4);
        std::mt19937_64 fill(o.seed ^ 0xda7a);
        for (std::uint64_t i = 0; i < kDataSize; i += 8) {
            const std::uint64_t v = fill();
            memory_.write(kDataBase + i, &v, 8);
        }
        our_data_ = memory_.host(kDataBase, kDataSize);
        recreate_engine();
    }

    int run() {
        const auto t0 = std::chrono::steady_clock::now();
        std::uint64_t done = 0, block_index = 0;
        while (done < o_.instructions) {
            if (block_index > 0 && block_index % o_.engine_blocks == 0) recreate_engine();
            const unsigned length = o_.block ? o_.block : 16 + static_cast<unsigned>(lengths_() % 49);
            const Block b = gen_.next(length);
            if (o_.coverage)
                for (std::uint32_t w : b.words) ++generated_[static_cast<std::size_t>(decode(w).op)];
            if (!(o_.step ? run_stepped(b, block_index) : run_block(b, block_index)) && !o_.keep_going) return 1;
            done += b.words.size();
            ++block_index;
        }
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        fmt::print("diff_test: seed {}: {} instructions in {} blocks, {} mismatching blocks, {:.1f} s ({} Unicorn "
                   "engines, a new one every {} blocks)\n",
                   o_.seed, done, block_index, mismatches_, seconds, engines_, o_.engine_blocks);
        if (o_.coverage) print_coverage();
        if (!tally_.empty()) {
            std::vector<std::pair<std::string, unsigned>> sorted(tally_.begin(), tally_.end());
            std::sort(sorted.begin(), sorted.end(), [](auto& a, auto& b) { return a.second > b.second; });
            fmt::print("mismatches by instruction (the one executed last, or where ours stopped):\n");
            for (auto& [name, count] : sorted) fmt::print("  {:>7}  {}\n", count, name);
        }
        return mismatches_ ? 1 : 0;
    }

private:
    void load(const Block& b) {
        std::vector<std::uint32_t> code = b.words;
        code.push_back(kUdf);
        const std::size_t bytes = code.size() * 4;
        memory_.write(kBlockBase, code.data(), bytes);
        cpu_.invalidate_code(kBlockBase, bytes);
        // Every block reuses the same addresses: Unicorn must drop the old translations (2.0.1
        // happened to notice the new words without it here, but nothing promises that).
        std::memcpy(uc_code_ + (kBlockBase - kCodeBase), code.data(), bytes);
        uc_->forget_code(kCodeBase, kBlockBase + bytes);
        set_state(cpu_, b.initial);
        cpu_.clear_exclusive_monitor();
        State start = b.initial;
        start.pc = kCodeBase;  // the CLREX
        uc_->set_state(start);
    }

    bool run_block(const Block& b, std::uint64_t index) {
        load(b);
        const RunResult ours = cpu_.run(b.words.size() + 1);
        const uc_err err = uc_->run(kCodeBase, b.end());
        return compare(b, index, ours, err, -1, 0);
    }

    bool run_stepped(const Block& b, std::uint64_t index) {
        load(b);
        uc_err err = uc_->run(kCodeBase, b.end(), 1);  // the CLREX
        for (unsigned step = 0; step <= b.words.size(); ++step) {
            const std::uint64_t pc = cpu_.regs.pc;
            if (pc == b.end()) break;
            const RunResult ours = cpu_.run(1);
            err = uc_->run(pc, b.end(), 1);
            if (!compare(b, index, ours, err, static_cast<int>(step), pc)) return false;
        }
        return true;
    }

    // After a block, our CPU must have stopped at the UDF at its end, Unicorn at `until`.
    bool compare(const Block& b, std::uint64_t index, const RunResult& ours, uc_err err, int step, std::uint64_t pc) {
        const State mine = state_of(cpu_);
        const State theirs = uc_->state();
        // Stepping never reaches the UDF: each step retires one instruction.
        const bool our_exit_ok = step < 0 ? ours.exit.reason == ExitReason::Exception &&
                                              ours.exit.ec() == ExceptionClass::Unknown && ours.exit.pc == b.end()
                                        : ours.exit.reason == ExitReason::InstructionLimit;
        const bool memory_ok = std::memcmp(our_data_, uc_data_, kDataSize) == 0;
        if (mine == theirs && our_exit_ok && err == UC_ERR_OK && memory_ok) return true;

        ++mismatches_;
        const std::uint64_t blame_pc = step >= 0 ? pc : !our_exit_ok ? ours.exit.pc : 0;
        const std::string blamed = blame_pc ? op_at(b, blame_pc) : "";
        ++tally_[blamed.empty() ? "(somewhere in the block)" : blamed.substr(9)];
        if (o_.keep_going && mismatches_ > 3) {
            resync();
            return false;
        }
        report(b, index, ours, err, step, pc, mine, theirs, our_exit_ok, memory_ok);
        resync();
        return false;
    }

    void report(const Block& b, std::uint64_t index, const RunResult& ours, uc_err err, int step, std::uint64_t pc,
                const State& mine, const State& theirs, bool our_exit_ok, bool memory_ok) {
        fmt::print("MISMATCH: seed {} block {}", o_.seed, index);
        if (step >= 0) fmt::print(" step {} (after the instruction at {:#x}: {})", step, pc, op_at(b, pc));
        fmt::print("\nreproduce: {}\n", o_.command_line);
        fmt::print("instructions (block at {:#x}, ends at {:#x}):\n", kBlockBase, b.end());
        for (std::size_t i = 0; i < b.words.size(); ++i) {
            const std::uint64_t at = kBlockBase + 4 * i;
            fmt::print("  {:#x}: {}\n", at, op_at(b, at));
        }
        if (!our_exit_ok) {
            fmt::print("ours stopped: reason {}, EC {:#04x} ({}), ESR {:#010x}, FAR {:#x}, at {:#x} {}\n",
                       ours.exit.reason == ExitReason::Exception ? "exception" : "instruction limit",
                       static_cast<unsigned>(ours.exit.ec()), exception_class_name(ours.exit.ec()), ours.exit.esr,
                       ours.exit.far, ours.exit.pc, op_at(b, ours.exit.pc));
        }
        if (err != UC_ERR_OK) fmt::print("unicorn stopped: {}\n", uc_strerror(err));
        fmt::print("{:>5} {:>18} {:>18} {:>18}\n", "", "initial", "ours", "unicorn");
        auto row = [](std::string_view name, std::uint64_t init, std::uint64_t a, std::uint64_t c) {
            fmt::print("{:>5} {:>18x} {:>18x} {:>18x}{}\n", name, init, a, c, a != c ? "   <-- differs" : "");
        };
        for (unsigned n = 0; n < 31; ++n) row(fmt::format("x{}", n), b.initial.x[n], mine.x[n], theirs.x[n]);
        row("sp", b.initial.sp, mine.sp, theirs.sp);
        row("pc", b.initial.pc, mine.pc, theirs.pc);
        row("nzcv", b.initial.nzcv >> 28, mine.nzcv >> 28, theirs.nzcv >> 28);
        report_simd_fp(b.initial, mine, theirs);
        if (!memory_ok) {
            unsigned shown = 0;
            for (std::uint64_t i = 0; i < kDataSize && shown < 16; ++i) {
                if (our_data_[i] == uc_data_[i]) continue;
                fmt::print("memory {:#x}: ours {:02x} unicorn {:02x}\n", kDataBase + i, our_data_[i], uc_data_[i]);
                ++shown;
            }
        }
    }

    // How often each row of the table was drawn, and which rows never were.
    void print_coverage() const {
        const EncodingTable table = encoding_table();
        std::string never;
        for (std::size_t i = 0; i < table.size; ++i) {
            const std::uint64_t n = generated_[static_cast<std::size_t>(table.rows[i].op)];
            if (n) fmt::print("  {:>9}  {}\n", n, op_name(table.rows[i].op));
            else never += fmt::format(" {}", op_name(table.rows[i].op));
        }
        fmt::print("never generated:{}\n", never);
    }

    // Carry on after a mismatch (--keep-going): Unicorn's memory is the reference.
    void resync() { memory_.write(kDataBase, uc_data_, kDataSize); }

    // One Unicorn engine does not survive a long run (its translation cache and memory grow
    // until it crashes, after about 25 million instructions): a fresh engine takes over every
    // --engine-blocks blocks, with the code and data pages as ours has them.
    void recreate_engine() {
        uc_.reset();  // the old one first: two engines would need twice the memory
        uc_ = std::make_unique<UnicornCpu>();
        uc_code_ = uc_->map_ram(kCodeBase, kCodeSize);
        uc_data_ = uc_->map_ram(kDataBase, kDataSize);
        std::memcpy(uc_code_, memory_.host(kCodeBase, kCodeSize), kCodeSize);
        std::memcpy(uc_data_, our_data_, kDataSize);
        ++engines_;
    }

    Options o_;
    GuestMemory memory_;
    Cpu cpu_;
    std::unique_ptr<UnicornCpu> uc_;
    std::uint64_t engines_ = 0;
    Generator gen_;
    std::mt19937_64 lengths_;
    std::uint8_t* uc_code_ = nullptr;
    std::uint8_t* uc_data_ = nullptr;
    std::uint8_t* our_data_ = nullptr;
    std::uint64_t mismatches_ = 0;
    std::map<std::string, unsigned> tally_;
    std::array<std::uint64_t, kOpCount> generated_{};
};

int usage() {
    std::string names;
    for (std::size_t i = 0; i < kClassCount; ++i) names += fmt::format(" {}", class_name(static_cast<Class>(i)));
    fmt::print(stderr,
               "usage: diff_test [--seed S] [--instructions N] [--block B] [--class NAME]... [--step] [--keep-going]\n"
               "                 [--coverage] [--engine-blocks N]\n"
               "  --block B      instructions per block (default: random, 16 to 64)\n"
               "  --class NAME   draw from this class only (repeatable; default: all):{}\n"
               "                 or from a group: int (the general-purpose classes), fp (SIMD&FP)\n"
               "  --step         compare after every instruction, not only after every block\n"
               "  --keep-going   count mismatches by instruction instead of stopping at the first\n"
               "  --coverage     print how often each encoding was generated\n"
               "  --engine-blocks N  a fresh Unicorn engine every N blocks (default 20000)\n",
               names);
    return 2;
}

}  // namespace
}  // namespace trapeze::diff

int main(int argc, char** argv) {
    using namespace trapeze::diff;
    Options o;
    o.command_line = argv[0];
    try {
        for (int i = 1; i < argc; ++i) {
            const std::string arg = argv[i];
            o.command_line += " " + arg;
            auto value = [&]() -> std::string {
                if (i + 1 >= argc) throw std::invalid_argument(arg + " needs a value");
                o.command_line += std::string(" ") + argv[i + 1];
                return argv[++i];
            };
            if (arg == "--seed") {
                o.seed = std::stoull(value(), nullptr, 0);
            } else if (arg == "--instructions") {
                o.instructions = std::stoull(value(), nullptr, 0);
            } else if (arg == "--block") {
                o.block = static_cast<unsigned>(std::stoul(value()));
                if (o.block == 0 || o.block > kMaxBlockLength) throw std::invalid_argument("--block: 1 to 256");
            } else if (arg == "--class") {
                const std::string name = value();
                const std::vector<Class> group = class_group(name);
                const auto c = class_from_name(name);
                if (!c && group.empty()) throw std::invalid_argument("unknown class " + name);
                if (c) o.classes.push_back(*c);
                o.classes.insert(o.classes.end(), group.begin(), group.end());
            } else if (arg == "--step") {
                o.step = true;
            } else if (arg == "--keep-going") {
                o.keep_going = true;
            } else if (arg == "--coverage") {
                o.coverage = true;
            } else if (arg == "--engine-blocks") {
                o.engine_blocks = std::stoull(value(), nullptr, 0);
                if (o.engine_blocks == 0) throw std::invalid_argument("--engine-blocks: at least 1");
            } else {
                return usage();
            }
        }
    } catch (const std::exception& e) {
        fmt::print(stderr, "diff_test: {}\n", e.what());
        return usage();
    }
    if (o.classes.empty())
        for (std::size_t i = 0; i < kClassCount; ++i) o.classes.push_back(static_cast<Class>(i));
    try {
        Runner runner(o);
        return runner.run();
    } catch (const std::exception& e) {
        fmt::print(stderr, "diff_test: {}\n", e.what());
        return 2;
    }
}
