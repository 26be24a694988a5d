// Differential test of the interpreter against Unicorn: seeded random straight-line blocks
// (with forward branches) run from the same registers and memory on both CPUs, compared
// after every block, or after every instruction with --step.
//
//   diff_test [--seed S] [--instructions N] [--block B] [--class NAME]... [--step] [--keep-going] [--coverage]
//             [--engine-blocks N] [--mmu]
//
// One Unicorn engine does not survive a long run: a fresh one takes over every --engine-blocks
// blocks (20000 by default, about 800000 instructions), except with --mmu.
//
// --mmu runs both with the guest's stage-1 MMU on, at EL1 (tests/diff/mmu_world.h): loads,
// stores and fetches go through tables that shuffle the pages and make some of them
// unmapped, read-only, EL1-only or without their access flag; every block ends with a branch
// to a page that may not be executable. A block that faults is compared at the fault: state,
// memory, and the syndrome and address each CPU reports (Unicorn's read from its saved state,
// see unicorn_cpu.h). What Unicorn 2.0.1 cannot be compared on, the unit tests cover
// (tests/unit/test_mmu.cpp): virtual EL0 (Unicorn's PSTATE writes and exception returns to
// EL0 leave it confused: UNDEFINED exceptions for plain loads), Device memory (QEMU 5 never
// checks its alignment), SP alignment checking (QEMU 5 has none), blocks, TTBR1, TLB
// maintenance, and stage-2 exits (every PA here is RAM).
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
#include "tests/diff/mmu_world.h"
#include "tests/diff/unicorn_cpu.h"

namespace trapeze::diff {
namespace {

constexpr std::uint32_t kClrex = 0xd503'305f;
constexpr std::uint32_t kUdf = 0x0000'0000;  // UDF #0: where our CPU stops at a block's end
constexpr std::uint32_t kB = 0x1400'0000;    // B imm26

struct Options {
    std::uint64_t seed = 1;
    std::uint64_t instructions = 100'000;
    unsigned block = 0;  // 0: random lengths in [16, 64]
    std::vector<Class> classes;
    bool step = false;
    bool keep_going = false;
    bool coverage = false;
    std::uint64_t engine_blocks = 20'000;  // a fresh Unicorn engine every so many blocks
    bool mmu = false;
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

// How a block ended on one CPU, in --mmu mode.
struct Ending {
    enum class Kind : std::uint8_t { Completed, DataAbort, InstructionAbort, Other };
    Kind kind = Kind::Other;
    std::uint32_t syndrome = 0;  // IL and ISS of an abort (the EC differs: Unicorn's guest is at EL1)
    std::uint64_t far = 0;
    std::string text;
    bool operator==(const Ending& o) const {
        return kind == o.kind && (kind != Kind::DataAbort && kind != Kind::InstructionAbort
                                      ? kind != Kind::Other
                                      : syndrome == o.syndrome && far == o.far);
    }
};

class Runner {
public:
    explicit Runner(const Options& o)
        : o_(o), memory_(kRamBase, kRamSize), cpu_(memory_), gen_(o.seed, o.classes), lengths_(o.seed ^ 0x5eed),
          world_(o.seed) {
        cpu_.set_strict_alignment(false);  // Unicorn (SCTLR_EL1.A = 0) does not fault unaligned accesses
        if (o.mmu) {
            uc_ = std::make_unique<UnicornCpu>();  // one engine: an MMU run is short
            engines_ = 1;
            set_up_mmu();
            return;
        }
        // Unicorn starts every block at CLREX, so its exclusive monitor is clear as ours is.
        memory_.write(kCodeBase, &kClrex, 4);
        std::mt19937_64 fill(o.seed ^ 0xda7a);
        for (std::uint64_t i = 0; i < kDataSize; i += 8) {
            const std::uint64_t v = fill();
            memory_.write(kDataBase + i, &v, 8);
        }
        our_data_ = memory_.host(kDataBase, kDataSize);
        compared_size_ = kDataSize;
        compared_base_ = kDataBase;
        recreate_engine();
    }

    int run() {
        const auto t0 = std::chrono::steady_clock::now();
        std::uint64_t done = 0, block_index = 0;
        while (done < o_.instructions) {
            if (!o_.mmu && block_index > 0 && block_index % o_.engine_blocks == 0) recreate_engine();
            const unsigned length = o_.block ? o_.block : 16 + static_cast<unsigned>(lengths_() % 49);
            const Block b = gen_.next(length);
            if (o_.coverage)
                for (std::uint32_t w : b.words) ++generated_[static_cast<std::size_t>(decode(w).op)];
            const bool same = o_.mmu ? run_mmu_block(b, block_index) : o_.step ? run_stepped(b, block_index)
                                                                                : run_block(b, block_index);
            if (!same && !o_.keep_going) return 1;
            done += b.words.size();
            ++block_index;
        }
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const std::string engines = o_.mmu ? std::string("one Unicorn engine")
                                           : fmt::format("{} Unicorn engines, a new one every {} blocks", engines_,
                                                         o_.engine_blocks);
        fmt::print("diff_test: seed {}: {} instructions in {} blocks, {} mismatching blocks, {:.1f} s ({})\n", o_.seed,
                   done, block_index, mismatches_, seconds, engines);
        if (o_.mmu)
            fmt::print("with the MMU on: {} instructions retired, {} layouts; blocks ended by a data abort {}, by an "
                       "instruction abort {}, at the end {}\n",
                       retired_, layouts_, endings_[1], endings_[2], endings_[0]);
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
        const bool memory_ok = std::memcmp(our_data_, uc_data_, compared_size_) == 0;
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
        if (!memory_ok) print_memory_differences();
    }

    void print_memory_differences() const {
        unsigned shown = 0;
        for (std::uint64_t i = 0; i < compared_size_ && shown < 16; ++i) {
            if (our_data_[i] == uc_data_[i]) continue;
            fmt::print("memory {:#x}: ours {:02x} unicorn {:02x}\n", compared_base_ + i, our_data_[i], uc_data_[i]);
            ++shown;
        }
    }

    // ---- --mmu: the same blocks through stage-1 tables, at EL1 on both CPUs.

    void set_up_mmu() {
        uc_data_ = uc_->map_ram(kRamBase, kRamSize);  // the tables, the pool and the code pages
        our_data_ = memory_.host(kRamBase, kRamSize);
        compared_base_ = kRamBase;
        compared_size_ = kRamSize;
        uc_code_ = uc_data_ + (mmu::kCodePa - kRamBase);
        std::mt19937_64 fill(o_.seed ^ 0xda7a);
        for (std::uint64_t i = 0; i < mmu::kPoolPages * 0x1000; i += 8) {
            const std::uint64_t v = fill();
            std::memcpy(uc_data_ + (mmu::kPoolPa - kRamBase) + i, &v, 8);
        }
        std::memcpy(uc_code_, &kClrex, 4);
        const std::vector<std::uint32_t> setup = world_.setup_code();
        std::memcpy(uc_data_ + (mmu::kSetupPa - kRamBase), setup.data(), 4 * setup.size());
        world_.write_tables(uc_data_);
        std::memcpy(our_data_, uc_data_, kRamSize);
        cpu_.set_translation(world_.regime());
        uc_->catch_exceptions();
        layout_rng_.seed(o_.seed ^ 0x1a70);
        enter_layout();

        // Where does Unicorn keep a fault's syndrome? A load from an unmapped page tells.
        constexpr std::uint32_t kLdrX0X1 = 0xf940'0020;
        constexpr std::uint64_t kUnmapped = kCodeBase + 0x3000 + 0x5b8;  // no descriptor for this page
        std::memcpy(uc_code_ + 4, &kLdrX0X1, 4);
        State probe;
        probe.x[1] = kUnmapped;
        probe.pc = kBlockBase;
        uc_->set_state(probe);
        uc_->run(kBlockBase, kBlockBase + 4);
        constexpr std::uint32_t kExpected = 0x9600'0007;  // EC 0x25 (EL1 from EL1), IL, translation, level 3
        if (!uc_->exception() || uc_->exception()->number != UnicornCpu::kDataAbort || !uc_->calibrate(kExpected, kUnmapped))
            throw std::runtime_error(
                "cannot find the syndrome of Unicorn's data abort in its saved CPU state (not Unicorn 2.0.1?)");
    }

    // A new layout is in the tables: both CPUs forget their translations. Unicorn runs the
    // set-up code (MSRs to the translation registers, TLBI VMALLE1) to do it architecturally.
    void enter_layout() {
        ++layouts_;
        cpu_.invalidate_tlb({TlbInvalidation::Scope::All});
        const TranslationRegime r = world_.regime();
        State s;
        s.x[0] = r.mair;
        s.x[1] = r.tcr;
        s.x[2] = r.ttbr0;
        s.x[3] = r.sctlr;
        s.pc = mmu::kSetupPa;
        uc_->set_state(s);
        const uc_err err = uc_->run(mmu::kSetupPa, world_.setup_end());
        if (err != UC_ERR_OK || uc_->exception())
            throw std::runtime_error(fmt::format("unicorn: the MMU set-up code failed: {}", uc_strerror(err)));
    }

    bool run_mmu_block(const Block& b, std::uint64_t index) {
        if (layout_rng_() % 3 == 0) {
            world_.shuffle();
            world_.write_tables(uc_data_);
            world_.write_tables(our_data_);
            enter_layout();
        }
        // The block, then a branch to the end page: an UNDEFINED there (ours) or Unicorn's stop
        // there when it may execute, an instruction abort when it may not.
        const std::uint64_t target = world_.end_target(layout_rng_());
        std::vector<std::uint32_t> code = b.words;
        code.push_back(kB | static_cast<std::uint32_t>(((target - b.end()) >> 2) & 0x3ff'ffff));
        const std::size_t bytes = code.size() * 4;
        std::memcpy(uc_code_ + (kBlockBase - kCodeBase), code.data(), bytes);
        std::memcpy(our_data_ + (mmu::kCodePa - kRamBase) + (kBlockBase - kCodeBase), code.data(), bytes);
        cpu_.invalidate_code(mmu::kCodePa, 0x1000);
        uc_->forget_code(kCodeBase, kBlockBase + bytes);
        // Both start at the CLREX, which both may fault on (the code page may not be executable).
        State start = b.initial;
        start.pc = kCodeBase;
        set_state(cpu_, start);
        cpu_.clear_exclusive_monitor();
        uc_->set_state(start);

        const RunResult ours = cpu_.run(code.size() + 2);
        retired_ += ours.retired;
        const uc_err err = uc_->run(kCodeBase, target);
        const Ending mine = our_ending(ours, target);
        const Ending theirs = unicorn_ending(err, target);
        ++endings_[static_cast<std::size_t>(mine.kind == Ending::Kind::Other ? Ending::Kind::Completed : mine.kind)];
        State my_state = state_of(cpu_);
        const State their_state = uc_->state();
        if (mine.kind == Ending::Kind::DataAbort) {
            forget_unknown_after_abort(ours.exit.instruction, their_state, my_state);
            forget_unknown_memory_after_abort(ours.exit.instruction);
        }
        const bool memory_ok = std::memcmp(our_data_, uc_data_, kRamSize) == 0;
        if (mine == theirs && my_state == their_state && memory_ok) return true;

        ++mismatches_;
        const std::uint64_t blame_pc = ours.exit.pc;
        const std::string blamed = op_at(b, blame_pc);
        ++tally_[blamed.empty() ? "(somewhere in the block)" : blamed.substr(9)];
        if (!(o_.keep_going && mismatches_ > 3)) {
            fmt::print("{}\nours: {}\nunicorn: {}\n", world_.describe(), mine.text, theirs.text);
            report(b, index, ours, UC_ERR_OK, -1, 0, my_state, their_state, true, memory_ok);
        }
        std::memcpy(our_data_, uc_data_, kRamSize);  // Unicorn's memory is the reference from here on
        cpu_.invalidate_all_code();
        cpu_.invalidate_tlb({TlbInvalidation::Scope::All});
        return false;
    }

    // The registers a load leaves UNKNOWN when it takes a data abort: the V registers of the
    // SIMD&FP pairs and of the structure loads (LD1-LD4, LD1R-LD4R), which Unicorn writes one
    // access at a time and ours only once every access succeeded. Both are the architecture's.
    static void forget_unknown_after_abort(std::uint32_t word, const State& theirs, State& mine) {
        const Decoded d = decode(word);
        const unsigned t = d.field('t');
        unsigned registers = 0;
        switch (d.op) {
        case Op::LDNP_fp: case Op::LDP_fp_post: case Op::LDP_fp_off: case Op::LDP_fp_pre:
            mine.v[d.field('u')] = theirs.v[d.field('u')];
            registers = 1;
            break;
        case Op::LD_mult: case Op::LD_mult_post: {
            static constexpr unsigned kRegisters[16] = {4, 0, 4, 0, 3, 0, 3, 1, 2, 0, 2};
            registers = kRegisters[d.field('o')];
            break;
        }
        case Op::LD_single: case Op::LD_single_post:
            registers = (((d.field('o') & 1) << 1) | d.field('R')) + 1;
            break;
        case Op::LD_rep: case Op::LD_rep_post:
            registers = ((d.field('o') << 1) | d.field('R')) + 1;
            break;
        default: break;
        }
        for (unsigned i = 0; i < registers; ++i) mine.v[(t + i) & 31] = theirs.v[(t + i) & 31];
    }

    // The memory a SIMD&FP store of several accesses (STP, STNP, ST1-ST4, and STR of a Q register,
    // two 64-bit accesses) leaves UNKNOWN when one of its accesses takes a data abort: Unicorn's
    // bytes stand for both.
    void forget_unknown_memory_after_abort(std::uint32_t word) {
        const Decoded d = decode(word);
        const std::uint64_t base = cpu_.regs.x[d.field('n') == 31 ? kSpSlot : d.field('n')];
        std::uint64_t address = base, bytes = 0;
        switch (d.op) {
        case Op::STNP_fp: case Op::STP_fp_off: case Op::STP_fp_pre: case Op::STP_fp_post: {
            const unsigned size = 4u << d.field('x');
            if (d.op != Op::STP_fp_post) address = base + static_cast<std::uint64_t>(d.signed_field('i') * size);
            bytes = 2 * size;
            break;
        }
        case Op::ST_mult: case Op::ST_mult_post: {
            static constexpr unsigned kRegisters[16] = {4, 0, 4, 0, 3, 0, 3, 1, 2, 0, 2};
            bytes = kRegisters[d.field('o')] * (d.field('q') ? 16u : 8u);
            break;
        }
        case Op::STR_fp_imm: case Op::STUR_fp: case Op::STR_fp_pre: case Op::STR_fp_post: case Op::STR_fp_reg: {
            if (!d.field('q')) return;  // one access: it faults before any byte moves
            bytes = 16;
            if (d.op == Op::STR_fp_imm) address = base + (static_cast<std::uint64_t>(d.field('i')) << 4);
            else if (d.op == Op::STUR_fp || d.op == Op::STR_fp_pre) address = base + static_cast<std::uint64_t>(d.signed_field('i'));
            else if (d.op == Op::STR_fp_reg) {
                const std::uint64_t rm = d.field('m') == 31 ? 0 : cpu_.regs.x[d.field('m')];
                const unsigned option = d.field('o');
                const std::uint64_t index = option == 0b010   ? static_cast<std::uint32_t>(rm)
                                            : option == 0b110 ? static_cast<std::uint64_t>(static_cast<std::int32_t>(rm))
                                                              : rm;
                address = base + (index << (d.field('S') ? 4 : 0));
            }
            break;
        }
        case Op::ST_single: case Op::ST_single_post: {
            const unsigned scale = d.field('o') >> 1;
            const unsigned ebytes = scale == 2 && (d.field('x') & 1) ? 8 : 1u << scale;
            bytes = ((((d.field('o') & 1) << 1) | d.field('R')) + 1) * ebytes;
            break;
        }
        default: return;
        }
        for (std::uint64_t va = address; va < address + bytes; ++va) {
            const Translation t = cpu_.translate_address(va, AccessType::Write, 1);
            if (t.ok && t.pa >= kRamBase && t.pa < kRamBase + kRamSize) our_data_[t.pa - kRamBase] = uc_data_[t.pa - kRamBase];
        }
    }

    static Ending our_ending(const RunResult& r, std::uint64_t target) {
        const Exit& e = r.exit;
        Ending end;
        if (e.reason != ExitReason::Exception) {
            end.text = "no exit: the instruction count ran out";
            return end;
        }
        end.syndrome = e.esr & 0x3ff'ffff;
        end.far = e.far;
        end.text = fmt::format("EC {:#04x} ({}) ESR {:#010x} FAR {:#x} at {:#x}", static_cast<unsigned>(e.ec()),
                               exception_class_name(e.ec()), e.esr, e.far, e.pc);
        if (e.ec() == ExceptionClass::Unknown && e.pc == target) end.kind = Ending::Kind::Completed;
        else if (e.ec() == ExceptionClass::DataAbortLower && !e.stage2) end.kind = Ending::Kind::DataAbort;
        else if (e.ec() == ExceptionClass::InstructionAbortLower && !e.stage2) end.kind = Ending::Kind::InstructionAbort;
        return end;
    }

    Ending unicorn_ending(uc_err err, std::uint64_t target) {
        Ending end;
        const auto exception = uc_->exception();
        if (!exception) {
            const std::uint64_t pc = uc_->state().pc;
            end.kind = err == UC_ERR_OK && pc == target ? Ending::Kind::Completed : Ending::Kind::Other;
            end.text = fmt::format("stopped at {:#x}: {}", pc, uc_strerror(err));
            return end;
        }
        const auto ec = static_cast<ExceptionClass>(exception->esr >> 26);
        end.syndrome = exception->esr & 0x3ff'ffff;
        end.far = exception->far;
        end.text = fmt::format("exception {} ESR {:#010x} FAR {:#x} at {:#x}", exception->number, exception->esr,
                               exception->far, uc_->state().pc);
        if (exception->number == UnicornCpu::kDataAbort && ec == ExceptionClass::DataAbortSame)
            end.kind = Ending::Kind::DataAbort;
        else if (exception->number == UnicornCpu::kPrefetchAbort && ec == ExceptionClass::InstructionAbortSame)
            end.kind = Ending::Kind::InstructionAbort;
        return end;
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
    void resync() { std::memcpy(our_data_, uc_data_, compared_size_); }

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
    std::uint64_t compared_base_ = 0;  // what is compared after each block: the data pages, or all RAM (--mmu)
    std::uint64_t compared_size_ = 0;
    mmu::World world_;
    std::mt19937_64 layout_rng_{0};
    std::uint64_t layouts_ = 0;
    std::uint64_t retired_ = 0;
    std::uint64_t endings_[3] = {};  // --mmu: blocks that completed, hit a data abort, an instruction abort
    std::uint64_t mismatches_ = 0;
    std::map<std::string, unsigned> tally_;
    std::array<std::uint64_t, kOpCount> generated_{};
};

int usage() {
    std::string names;
    for (std::size_t i = 0; i < kClassCount; ++i) names += fmt::format(" {}", class_name(static_cast<Class>(i)));
    fmt::print(stderr,
               "usage: diff_test [--seed S] [--instructions N] [--block B] [--class NAME]... [--step] [--keep-going]\n"
               "                 [--coverage] [--engine-blocks N] [--mmu]\n"
               "  --block B      instructions per block (default: random, 16 to 64)\n"
               "  --class NAME   draw from this class only (repeatable; default: all):{}\n"
               "                 or from a group: int (the general-purpose classes), fp (SIMD&FP)\n"
               "  --step         compare after every instruction, not only after every block\n"
               "  --keep-going   count mismatches by instruction instead of stopping at the first\n"
               "  --coverage     print how often each encoding was generated\n"
               "  --engine-blocks N  a fresh Unicorn engine every N blocks (default 20000)\n"

               "  --mmu          run both CPUs with the stage-1 MMU on, through changing page tables\n",
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
            } else if (arg == "--mmu") {
                o.mmu = true;
            } else {
                return usage();
            }
        }
    } catch (const std::exception& e) {
        fmt::print(stderr, "diff_test: {}\n", e.what());
        return usage();
    }
    if (o.mmu && o.step) {
        fmt::print(stderr, "diff_test: --mmu compares whole blocks; it does not combine with --step\n");
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
