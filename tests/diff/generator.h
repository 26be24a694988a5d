// Seeded random A64 instruction blocks for the differential tests: rows of the encoding
// table filled with random fields, then constrained so both CPUs must agree on the result.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <random>
#include <string_view>
#include <vector>

#include "decoder/decoder.h"
#include "emulator/registers.h"

namespace trapeze::diff {

// The guest address space both CPUs see. Our RAM covers all of it; Unicorn maps only the
// code page and the data pages, so a stray access faults there and shows as a mismatch.
inline constexpr std::uint64_t kRamBase = 0x4000'0000;
inline constexpr std::uint64_t kRamSize = 0x1'0000;
inline constexpr std::uint64_t kCodeBase = kRamBase;
inline constexpr std::uint64_t kCodeSize = 0x1000;
inline constexpr std::uint64_t kDataBase = kRamBase + 0x4000;
inline constexpr std::uint64_t kDataSize = 0x2000;
inline constexpr std::uint64_t kDataEnd = kDataBase + kDataSize;
// Bases start near the middle, a page boundary, so unaligned accesses sometimes cross it.
inline constexpr std::uint64_t kDataMid = kDataBase + kDataSize / 2;
// The first word of the code page is CLREX (run by Unicorn only, see diff_test.cpp);
// blocks start right after it.
inline constexpr std::uint64_t kBlockBase = kCodeBase + 4;
inline constexpr unsigned kMaxBlockLength = 256;

// Registers that random instructions never write (except the bases, through writeback by
// small amounts), so memory addresses stay inside the data region:
inline constexpr unsigned kFreeBase = 26;     // any alignment; writeback by any small amount
inline constexpr unsigned kIndex = 27;        // a small value for register-offset addressing
inline constexpr unsigned kAlignedBase = 28;  // 16-byte aligned; writeback by multiples of 16
inline constexpr unsigned kSp = 31;           // SP: also 16-byte aligned, as the aligned base

// The architectural state compared between the two CPUs.
struct State {
    std::array<std::uint64_t, 31> x{};
    std::uint64_t sp = 0;
    std::uint64_t pc = 0;
    std::uint32_t nzcv = 0;
    // SIMD&FP: V0..V31, FPCR (the bits Trapeze implements) and FPSR's cumulative flags.
    std::array<VReg, 32> v{};
    std::uint32_t fpcr = 0;
    std::uint32_t fpsr = 0;
    bool operator==(const State&) const = default;
};

// Instruction classes, selectable with --class.
enum class Class : std::uint8_t {
    DpImm,      // PC-relative, add/sub, logical, move wide, bitfield, extract (immediate)
    DpReg,      // 1/2/3-source incl. CRC32 and divides, logical and add/sub (shifted, extended),
                // with carry, conditional compare and select
    LoadStore,  // single registers: every size, sign extension and addressing mode, PRFM
    Pair,       // LDP/STP/LDPSW/LDNP/STNP, offset and pre/post-index
    Exclusive,  // LDXR..STXR and LDXP..STXP units, acquire/release forms
    Ordered,    // LDAR, STLR, LDAPR
    Atomic,     // LSE: LDADD..SWP, CAS, CASP
    Branch,     // B, B.cond, CBZ/CBNZ, TBZ/TBNZ, BL, BR/BLR/RET: forward, inside the block
    // SIMD&FP (generator_simd_fp.cpp)
    FpLoadStore,    // B/H/S/D/Q loads and stores in every addressing mode, pairs, literals
    FpScalar,       // scalar FP data processing: 1/2/3-source, compares, selects, immediates
    FpConvert,      // FP <-> integer and fixed-point conversions, FMOV (general)
    SimdStructure,  // LD1-LD4/ST1-ST4 (multiple and single structures), LD1R-LD4R, post-index
    SimdInteger,    // Advanced SIMD integer: three same/different, two-register, across lanes, shifts,
                    // by element, vector and scalar
    SimdFp,         // Advanced SIMD floating point: the same classes' FP forms, FP/fixed conversions
    SimdPermute,    // copy (DUP, INS, UMOV, SMOV), modified immediates, TBL/TBX, ZIP/UZP/TRN, EXT
    Crypto,         // AES, SHA1, SHA256, PMULL (64-bit)
};
inline constexpr std::size_t kClassCount = 16;
inline constexpr std::size_t kIntegerClassCount = 8;  // the classes before FpLoadStore
std::string_view class_name(Class c);
std::optional<Class> class_from_name(std::string_view name);
// The classes of a group name: "int" (the general-purpose classes) or "fp" (SIMD&FP).
std::vector<Class> class_group(std::string_view name);

struct Block {
    State initial;                     // pc = kBlockBase
    std::vector<std::uint32_t> words;  // placed at kBlockBase; the block ends after the last
    std::uint64_t end() const { return kBlockBase + 4 * words.size(); }
};

class Generator {
public:
    // The seed determines every block; `classes` is what blocks are drawn from.
    Generator(std::uint64_t seed, std::vector<Class> classes);

    // A block of about `length` instructions (a unit of several may overshoot by two).
    Block next(unsigned length);

private:
    struct BaseRange {
        std::uint64_t start = 0;  // the base's value at the start of the block
        std::int64_t lo = 0;      // the least and greatest offsets writeback may have added
        std::int64_t hi = 0;
    };
    // A unit is one to three instructions that branches never land inside.
    struct Unit {
        std::vector<std::uint32_t> words;
        int branch_word = -1;  // index of a word whose forward target is set at layout
        bool via_register = false;  // that word is ADR Xr, target (for BR/BLR/RET Xr)
    };

    std::uint64_t random_value();
    unsigned pick(unsigned n) { return static_cast<unsigned>(rng_() % n); }
    bool chance(unsigned percent) { return pick(100) < percent; }
    unsigned dest_reg();
    unsigned source_reg();
    unsigned any_reg() { return pick(32); }
    unsigned aligned_base() { return chance(50) ? kAlignedBase : kSp; }
    BaseRange& range_of(unsigned base);
    // Can an access of `size` bytes at base+offset (then base += writeback) stay in the data region?
    bool fits(unsigned base, std::int64_t offset, unsigned size, std::int64_t writeback);
    void commit(unsigned base, std::int64_t writeback);

    std::uint32_t fill(Op op);  // the row's fixed bits, random fields
    std::optional<std::uint32_t> valid(std::uint32_t word, Op op);  // decodes back to op?
    std::uint32_t one(Class c, std::uint64_t pc);  // a single instruction of a straight-line class
    Unit unit(Class c, std::uint64_t pc);

    std::uint32_t dp_imm(std::uint64_t pc);
    std::uint32_t dp_reg();
    std::optional<std::uint32_t> load_store(Op op, std::uint64_t pc);
    std::optional<std::uint32_t> pair(Op op);
    Unit exclusive(std::uint64_t pc);
    std::uint32_t ordered();
    Unit atomic();
    Unit branch(std::uint64_t pc);

    // SIMD&FP (generator_simd_fp.cpp): initial values biased to the interesting ones, random
    // FPCR modes, and the instructions of the SIMD&FP classes.
    void randomize_simd_fp(State& s);
    VReg random_vreg();
    std::uint64_t random_fp(unsigned exponent_bits, unsigned fraction_bits);
    std::uint32_t simd_fp_one(Class c, std::uint64_t pc);
    std::uint32_t fp_scalar();
    std::uint32_t fp_convert();
    std::optional<std::uint32_t> fp_load_store(std::uint64_t pc);
    std::optional<std::uint32_t> simd_structure();
    std::uint32_t simd_row(Class c);

    std::mt19937_64 rng_;
    std::vector<Class> classes_;
    std::int64_t index_value_ = 0;  // X27 in this block
    BaseRange free_base_, aligned_base_, sp_;
};

// Field access by the letters of a row's pattern (bit 31 first, most significant first).
std::uint32_t get_field(std::uint32_t word, Op op, char letter);
std::uint32_t set_field(std::uint32_t word, Op op, char letter, std::uint64_t value);

}  // namespace trapeze::diff
