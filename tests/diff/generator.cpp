// Seeded random A64 instruction blocks: each instruction is a row of the encoding table with
// random field values, then constrained where the manual leaves a combination CONSTRAINED
// UNPREDICTABLE or where it would leave the small world both CPUs share.
//
// Not generated, on purpose: the system instruction space (MSR/MRS, SYS, hints, barriers),
// exception generation (SVC, HVC, SMC, BRK, HLT) and ERET/DRPS. Unicorn runs at EL1 and would
// execute them natively, while our CPU runs at EL0 and must leave the interpreter with an exit
// and a syndrome: the unit tests check those against the manual instead.
#include "tests/diff/generator.h"

#include <algorithm>

#include "decoder/bits.h"

namespace trapeze::diff {
namespace {

constexpr std::string_view kClassNames[kClassCount] = {"dp_imm", "dp_reg",  "ldst",   "pair",
                                                        "excl",   "ordered", "atomic", "branch",
                                                        "fp_ldst", "fp_dp",  "fp_cvt", "simd_ldst",
                                                        "simd_int", "simd_fp", "simd_perm", "crypto"};

constexpr Op kDpImm[] = {Op::ADR,     Op::ADRP,    Op::ADD_imm, Op::ADDS_imm, Op::SUB_imm, Op::SUBS_imm,
                         Op::AND_imm, Op::ORR_imm, Op::EOR_imm, Op::ANDS_imm, Op::MOVN,    Op::MOVZ,
                         Op::MOVK,    Op::SBFM,    Op::BFM,     Op::UBFM,     Op::EXTR};

constexpr Op kDpReg[] = {
    Op::UDIV,     Op::SDIV,     Op::LSLV,      Op::LSRV,      Op::ASRV,      Op::RORV,     Op::CRC32,
    Op::CRC32C,   Op::RBIT,     Op::REV16,     Op::REV_w,     Op::REV32,     Op::REV_x,    Op::CLZ,
    Op::CLS,      Op::AND_reg,  Op::BIC_reg,   Op::ORR_reg,   Op::ORN_reg,   Op::EOR_reg,  Op::EON_reg,
    Op::ANDS_reg, Op::BICS_reg, Op::ADD_shift, Op::ADDS_shift, Op::SUB_shift, Op::SUBS_shift, Op::ADD_ext,
    Op::ADDS_ext, Op::SUB_ext,  Op::SUBS_ext,  Op::ADC,       Op::ADCS,      Op::SBC,      Op::SBCS,
    Op::CCMN_reg, Op::CCMN_imm, Op::CCMP_reg,  Op::CCMP_imm,  Op::CSEL,      Op::CSINC,    Op::CSINV,
    Op::CSNEG,    Op::MADD,     Op::MSUB,      Op::SMADDL,    Op::SMSUBL,    Op::SMULH,    Op::UMADDL,
    Op::UMSUBL,   Op::UMULH};

// Rd = 31 is SP for these, not XZR: SP is reserved, so they never name it.
bool writes_sp(Op op) {
    switch (op) {
    case Op::ADD_imm: case Op::SUB_imm: case Op::AND_imm: case Op::ORR_imm: case Op::EOR_imm:
    case Op::ADD_ext: case Op::SUB_ext:
        return true;
    default:
        return false;
    }
}

enum class Mode : std::uint8_t { Unscaled, Post, Unprivileged, Pre, Register, Unsigned, Literal };
struct SingleRow {
    Op op;
    Mode mode;
    bool store;
    bool prefetch;
};
constexpr SingleRow kSingle[] = {
    {Op::STUR, Mode::Unscaled, true, false},          {Op::LDUR, Mode::Unscaled, false, false},
    {Op::LDURS_x, Mode::Unscaled, false, false},      {Op::LDURS_w, Mode::Unscaled, false, false},
    {Op::PRFUM, Mode::Unscaled, false, true},         {Op::STR_post, Mode::Post, true, false},
    {Op::LDR_post, Mode::Post, false, false},         {Op::LDRS_x_post, Mode::Post, false, false},
    {Op::LDRS_w_post, Mode::Post, false, false},      {Op::STTR, Mode::Unprivileged, true, false},
    {Op::LDTR, Mode::Unprivileged, false, false},     {Op::LDTRS_x, Mode::Unprivileged, false, false},
    {Op::LDTRS_w, Mode::Unprivileged, false, false},  {Op::STR_pre, Mode::Pre, true, false},
    {Op::LDR_pre, Mode::Pre, false, false},           {Op::LDRS_x_pre, Mode::Pre, false, false},
    {Op::LDRS_w_pre, Mode::Pre, false, false},        {Op::STR_reg, Mode::Register, true, false},
    {Op::LDR_reg, Mode::Register, false, false},      {Op::LDRS_x_reg, Mode::Register, false, false},
    {Op::LDRS_w_reg, Mode::Register, false, false},   {Op::PRFM_reg, Mode::Register, false, true},
    {Op::STR_imm, Mode::Unsigned, true, false},       {Op::LDR_imm, Mode::Unsigned, false, false},
    {Op::LDRS_x_imm, Mode::Unsigned, false, false},   {Op::LDRS_w_imm, Mode::Unsigned, false, false},
    {Op::PRFM_imm, Mode::Unsigned, false, true},      {Op::LDR_lit_w, Mode::Literal, false, false},
    {Op::LDR_lit_x, Mode::Literal, false, false},     {Op::LDRSW_lit, Mode::Literal, false, false},
    {Op::PRFM_lit, Mode::Literal, false, true},
};

enum class PairMode : std::uint8_t { Offset, Post, Pre };
struct PairRow {
    Op op;
    PairMode mode;
    bool store;
};
constexpr PairRow kPairs[] = {
    {Op::STNP, PairMode::Offset, true},        {Op::LDNP, PairMode::Offset, false},
    {Op::STP_post, PairMode::Post, true},      {Op::LDP_post, PairMode::Post, false},
    {Op::STP_off, PairMode::Offset, true},     {Op::LDP_off, PairMode::Offset, false},
    {Op::STP_pre, PairMode::Pre, true},        {Op::LDP_pre, PairMode::Pre, false},
    {Op::LDPSW_post, PairMode::Post, false},   {Op::LDPSW_off, PairMode::Offset, false},
    {Op::LDPSW_pre, PairMode::Pre, false},
};

constexpr Op kLse[] = {Op::LDADD, Op::LDCLR,  Op::LDEOR,  Op::LDSET, Op::LDSMAX,
                       Op::LDSMIN, Op::LDUMAX, Op::LDUMIN, Op::SWP};

constexpr Op kBranches[] = {Op::B,   Op::B_cond, Op::CBZ, Op::CBNZ, Op::TBZ,
                            Op::TBNZ, Op::BL,     Op::BR,  Op::BLR,  Op::RET};

constexpr std::uint64_t kBoundaries[] = {1,           0x7fff'ffff, 0x8000'0000,           0xffff'ffff,
                                         0x1'0000'0000, ~0ull,     0x7fff'ffff'ffff'ffff, 0x8000'0000'0000'0000};

}  // namespace

std::string_view class_name(Class c) { return kClassNames[static_cast<std::size_t>(c)]; }

std::optional<Class> class_from_name(std::string_view name) {
    for (std::size_t i = 0; i < kClassCount; ++i)
        if (kClassNames[i] == name) return static_cast<Class>(i);
    return std::nullopt;
}

std::uint32_t get_field(std::uint32_t word, Op op, char letter) {
    const std::string_view pattern = encoding_of(op).pattern;
    std::uint32_t value = 0;
    for (std::size_t i = 0; i < 32; ++i)
        if (pattern[i] == letter) value = (value << 1) | ((word >> (31 - i)) & 1);
    return value;
}

std::uint32_t set_field(std::uint32_t word, Op op, char letter, std::uint64_t value) {
    const std::string_view pattern = encoding_of(op).pattern;
    // The last position of the letter takes bit 0 of the value.
    unsigned k = static_cast<unsigned>(std::count(pattern.begin(), pattern.end(), letter));
    for (std::size_t i = 0; i < 32; ++i) {
        if (pattern[i] != letter) continue;
        --k;
        const std::uint32_t bit = 1u << (31 - i);
        word = ((value >> k) & 1) ? (word | bit) : (word & ~bit);
    }
    return word;
}

std::vector<Class> class_group(std::string_view name) {
    std::vector<Class> classes;
    if (name == "int")
        for (std::size_t i = 0; i < kIntegerClassCount; ++i) classes.push_back(static_cast<Class>(i));
    if (name == "fp")
        for (std::size_t i = kIntegerClassCount; i < kClassCount; ++i) classes.push_back(static_cast<Class>(i));
    return classes;
}

Generator::Generator(std::uint64_t seed, std::vector<Class> classes) : rng_(seed), classes_(std::move(classes)) {}

std::uint64_t Generator::random_value() {
    // Values near the edges of the arithmetic as often as values anywhere.
    switch (pick(8)) {
    case 0: return 0;
    case 1: return pick(256);
    case 2: return static_cast<std::uint64_t>(-1 - static_cast<std::int64_t>(pick(256)));
    case 3: return rng_() & 0xffff'ffff;
    case 4: return kBoundaries[pick(std::size(kBoundaries))];
    case 5: return 1ull << pick(64);
    default: return rng_();
    }
}

unsigned Generator::dest_reg() {
    // X0..X25, X29, X30: everything but the reserved X26..X28 and SP/XZR.
    const unsigned r = pick(28);
    return r < 26 ? r : r + 3;
}

unsigned Generator::source_reg() { return chance(5) ? 31 : dest_reg(); }

Generator::BaseRange& Generator::range_of(unsigned base) {
    return base == kFreeBase ? free_base_ : base == kAlignedBase ? aligned_base_ : sp_;
}

bool Generator::fits(unsigned base, std::int64_t offset, unsigned size, std::int64_t writeback) {
    const BaseRange& r = range_of(base);
    const auto start = static_cast<std::int64_t>(r.start);
    if (start + r.lo + offset < static_cast<std::int64_t>(kDataBase)) return false;
    if (start + r.hi + offset + size > static_cast<std::int64_t>(kDataEnd)) return false;
    // Keep the base itself well inside, so later accesses still have room.
    const std::int64_t lo = r.lo + std::min<std::int64_t>(0, writeback);
    const std::int64_t hi = r.hi + std::max<std::int64_t>(0, writeback);
    return start + lo >= static_cast<std::int64_t>(kDataBase + 1024) &&
           start + hi <= static_cast<std::int64_t>(kDataEnd - 1024);
}

void Generator::commit(unsigned base, std::int64_t writeback) {
    // A forward branch may skip the instruction: the base ends anywhere in [lo, hi].
    BaseRange& r = range_of(base);
    r.lo += std::min<std::int64_t>(0, writeback);
    r.hi += std::max<std::int64_t>(0, writeback);
}

std::uint32_t Generator::fill(Op op) {
    const Encoding& e = encoding_of(op);
    return e.value | (static_cast<std::uint32_t>(rng_()) & ~e.mask);
}

std::optional<std::uint32_t> Generator::valid(std::uint32_t word, Op op) {
    // Reserved field values decode as UNDEFINED, a narrower row as another op: both rejected.
    if (decode(word).op != op) return std::nullopt;
    return word;
}

// ---- Data processing: only Rd needs a constraint; sources may read anything.

std::uint32_t Generator::dp_imm(std::uint64_t) {
    for (;;) {
        const Op op = kDpImm[pick(std::size(kDpImm))];
        std::uint32_t w = fill(op);
        w = set_field(w, op, 'd', writes_sp(op) || !chance(5) ? dest_reg() : 31);
        if (auto ok = valid(w, op)) return *ok;
    }
}

std::uint32_t Generator::dp_reg() {
    for (;;) {
        const Op op = kDpReg[pick(std::size(kDpReg))];
        std::uint32_t w = fill(op);
        w = set_field(w, op, 'd', writes_sp(op) || !chance(5) ? dest_reg() : 31);
        if (auto ok = valid(w, op)) return *ok;
    }
}

// ---- Loads and stores of one register.

std::optional<std::uint32_t> Generator::load_store(Op op, std::uint64_t pc) {
    const SingleRow& row = *std::find_if(std::begin(kSingle), std::end(kSingle), [op](auto& r) { return r.op == op; });
    for (int attempt = 0; attempt < 20; ++attempt) {
        std::uint32_t w = fill(op);
        if (row.mode == Mode::Literal) {
            // Read back the code page itself (this block's words and older ones, the same on both).
            const std::uint64_t target = kCodeBase + 8 * pick(kCodeSize / 8);
            w = set_field(w, op, 'i', (target - pc) >> 2);
            if (!row.prefetch) w = set_field(w, op, 't', chance(5) ? 31 : dest_reg());
            if (auto ok = valid(w, op)) return ok;
            continue;
        }
        if (!valid(w, op)) continue;  // a reserved size/opc pair: draw again
        const unsigned size_log2 = row.prefetch ? 3 : get_field(w, op, 'x');
        const unsigned size = 1u << size_log2;
        const unsigned base = pick(3) == 0 ? kFreeBase : aligned_base();
        const bool aligned = base != kFreeBase;
        w = set_field(w, op, 'n', base);
        if (!row.prefetch) w = set_field(w, op, 't', row.store ? source_reg() : chance(5) ? 31 : dest_reg());

        std::int64_t offset = 0, writeback = 0;
        switch (row.mode) {
        case Mode::Unscaled:
        case Mode::Unprivileged:
            offset = sign_extend(get_field(w, op, 'i'), 9);
            break;
        case Mode::Post:
        case Mode::Pre: {
            // Aligned bases keep their alignment: writeback by multiples of 16 only.
            std::int64_t amount = sign_extend(get_field(w, op, 'i'), 9);
            if (aligned) amount = 16 * (static_cast<std::int64_t>(pick(32)) - 16);
            w = set_field(w, op, 'i', static_cast<std::uint64_t>(amount));
            writeback = amount;
            offset = row.mode == Mode::Pre ? amount : 0;
            break;
        }
        case Mode::Register: {
            // The index is X27 (small, known) or XZR; UXTW of a negative X27 would be ~4 GiB away.
            const bool zero = chance(10);
            w = set_field(w, op, 'm', zero ? 31 : kIndex);
            static constexpr unsigned kAnySign[] = {3, 6, 7}, kNonNegative[] = {2, 3, 6, 7};
            const unsigned option = index_value_ < 0 ? kAnySign[pick(3)] : kNonNegative[pick(4)];
            w = set_field(w, op, 'o', option);
            const std::int64_t index = zero ? 0 : index_value_;
            offset = index * (get_field(w, op, 'S') ? (1 << size_log2) : 1);
            break;
        }
        case Mode::Unsigned: {
            const unsigned imm12 = pick(128);
            w = set_field(w, op, 'i', imm12);
            offset = static_cast<std::int64_t>(imm12) << size_log2;
            break;
        }
        case Mode::Literal: break;
        }
        if (!fits(base, offset, size, writeback)) continue;
        if (auto ok = valid(w, op)) {
            commit(base, writeback);
            return ok;
        }
    }
    return std::nullopt;
}

// ---- Pairs: loads never name the same register twice (CONSTRAINED UNPREDICTABLE).

std::optional<std::uint32_t> Generator::pair(Op op) {
    const PairRow& row = *std::find_if(std::begin(kPairs), std::end(kPairs), [op](auto& r) { return r.op == op; });
    for (int attempt = 0; attempt < 20; ++attempt) {
        std::uint32_t w = fill(op);
        const bool signed_word = op == Op::LDPSW_post || op == Op::LDPSW_off || op == Op::LDPSW_pre;
        const unsigned size = signed_word || get_field(w, op, 'z') == 0 ? 4 : 8;
        const unsigned base = pick(3) == 0 ? kFreeBase : aligned_base();
        w = set_field(w, op, 'n', base);
        unsigned t, u;
        if (row.store) {
            t = source_reg();
            u = source_reg();
        } else {
            t = chance(5) ? 31 : dest_reg();
            do u = dest_reg(); while (u == t);
        }
        w = set_field(w, op, 't', t);
        w = set_field(w, op, 'u', u);
        const std::int64_t scaled = sign_extend(get_field(w, op, 'i'), 7) * size;
        std::int64_t offset = scaled, writeback = 0;
        if (row.mode != PairMode::Offset) {
            if (base != kFreeBase && scaled % 16 != 0) continue;
            writeback = scaled;
            if (row.mode == PairMode::Post) offset = 0;
        }
        if (!fits(base, offset, 2 * size, writeback)) continue;
        if (auto ok = valid(w, op)) {
            commit(base, writeback);
            return ok;
        }
    }
    return std::nullopt;
}

// ---- Exclusives: a load-exclusive and its store-exclusive, as one unit (branches never
// land between them), with at most two data-processing instructions in between and no
// other memory access, so the monitor and Unicorn's value check agree.

Generator::Unit Generator::exclusive(std::uint64_t pc) {
    Unit u;
    const unsigned base = aligned_base();
    const bool is_pair = chance(40);
    const unsigned size_log2 = is_pair ? 2 + pick(2) : pick(4);
    const unsigned total = is_pair ? 2u << size_log2 : 1u << size_log2;
    if (!fits(base, 0, total, 0)) return {{dp_imm(pc)}};

    const bool lone_store = chance(15);  // no load before it: the monitor is clear, it must fail
    if (!lone_store) {
        const Op load = is_pair ? (chance(50) ? Op::LDXP : Op::LDAXP) : (chance(50) ? Op::LDXR : Op::LDAXR);
        std::uint32_t w = fill(load);
        w = set_field(w, load, is_pair ? 'z' : 'x', is_pair ? size_log2 - 2 : size_log2);
        w = set_field(w, load, 'n', base);
        const unsigned t = dest_reg();
        unsigned t2;
        do t2 = dest_reg(); while (t2 == t);
        w = set_field(w, load, 't', t);
        w = set_field(w, load, 'u', t2);
        u.words.push_back(w);
        for (unsigned i = pick(3); i > 0; --i) u.words.push_back(chance(50) ? dp_imm(pc) : dp_reg());
    }
    const Op store = is_pair ? (chance(50) ? Op::STXP : Op::STLXP) : (chance(50) ? Op::STXR : Op::STLXR);
    std::uint32_t w = fill(store);
    w = set_field(w, store, is_pair ? 'z' : 'x', is_pair ? size_log2 - 2 : size_log2);
    w = set_field(w, store, 'n', base);
    const unsigned t = source_reg(), t2 = source_reg();
    unsigned s;  // the status register differs from the data registers (CONSTRAINED UNPREDICTABLE)
    do s = dest_reg(); while (s == t || (is_pair && s == t2));
    w = set_field(w, store, 't', t);
    w = set_field(w, store, 'u', t2);
    w = set_field(w, store, 's', s);
    u.words.push_back(w);
    return u;
}

std::uint32_t Generator::ordered() {
    static constexpr Op kOps[] = {Op::LDAR, Op::STLR, Op::LDAPR};
    const Op op = kOps[pick(3)];
    const unsigned base = aligned_base();
    std::uint32_t w = fill(op);
    if (!fits(base, 0, 1u << get_field(w, op, 'x'), 0)) return dp_imm(0);
    w = set_field(w, op, 'n', base);
    w = set_field(w, op, 't', op == Op::STLR ? source_reg() : chance(5) ? 31 : dest_reg());
    return w;
}

// ---- LSE atomics. CAS and CASP compare with a register, so half the time a load of the
// same location comes first and the compare succeeds.

Generator::Unit Generator::atomic() {
    Unit u;
    const unsigned base = aligned_base();
    const unsigned kind = pick(12);
    if (kind < 9) {
        const Op op = kLse[pick(std::size(kLse))];
        std::uint32_t w = fill(op);
        w = set_field(w, op, 'n', base);
        w = set_field(w, op, 't', chance(10) ? 31 : dest_reg());
        // Unicorn 2.0.1 (QEMU 5.0) gets the sub-64-bit min/max atomics wrong: it compares the
        // loaded value, zero-extended, with all 64 bits of Xs, where the manual compares the low
        // bits only (signed or unsigned). For the unsigned ones, zero-extending Ws first makes
        // both agree; the signed ones cannot be made to agree without knowing the memory, so
        // they run at 64 bits only here. Their narrow forms are left to the unit tests.
        const bool is_signed = op == Op::LDSMAX || op == Op::LDSMIN;
        if (is_signed) w = set_field(w, op, 'x', 3);
        const unsigned size_log2 = get_field(w, op, 'x');
        if ((op == Op::LDUMAX || op == Op::LDUMIN) && size_log2 < 3) {
            const unsigned s = dest_reg();
            w = set_field(w, op, 's', s);
            std::uint32_t e = fill(Op::UBFM);  // UXTB Ws, UXTH Ws, or UBFX Ws, Ws, #0, #32
            e = set_field(e, Op::UBFM, 'z', 0);
            e = set_field(e, Op::UBFM, 'N', 0);
            e = set_field(e, Op::UBFM, 'r', 0);
            e = set_field(e, Op::UBFM, 'S', (8u << size_log2) - 1);
            e = set_field(e, Op::UBFM, 'n', s);
            e = set_field(e, Op::UBFM, 'd', s);
            u.words.push_back(e);
        }
        if (!fits(base, 0, 1u << size_log2, 0)) return {{dp_reg()}};
        u.words.push_back(w);
        return u;
    }
    if (kind < 11) {
        std::uint32_t w = fill(Op::CAS);
        const unsigned size_log2 = get_field(w, Op::CAS, 'x');
        if (!fits(base, 0, 1u << size_log2, 0)) return {{dp_reg()}};
        const unsigned s = dest_reg();
        w = set_field(w, Op::CAS, 'n', base);
        w = set_field(w, Op::CAS, 's', s);
        w = set_field(w, Op::CAS, 't', source_reg());
        if (chance(50)) {
            std::uint32_t load = fill(Op::LDR_imm);
            load = set_field(load, Op::LDR_imm, 'x', size_log2);
            load = set_field(load, Op::LDR_imm, 'i', 0);
            load = set_field(load, Op::LDR_imm, 'n', base);
            load = set_field(load, Op::LDR_imm, 't', s);
            u.words.push_back(load);
        }
        u.words.push_back(w);
        return u;
    }
    // CASP: even register pairs, none of them reserved.
    std::uint32_t w = fill(Op::CASP);
    const unsigned z = get_field(w, Op::CASP, 'z');
    if (!fits(base, 0, z ? 16 : 8, 0)) return {{dp_reg()}};
    const unsigned s = 2 * pick(13), t = 2 * pick(13);
    w = set_field(w, Op::CASP, 'n', base);
    w = set_field(w, Op::CASP, 's', s);
    w = set_field(w, Op::CASP, 't', t);
    if (chance(50)) {
        std::uint32_t load = fill(Op::LDP_off);
        load = set_field(load, Op::LDP_off, 'z', z);
        load = set_field(load, Op::LDP_off, 'i', 0);
        load = set_field(load, Op::LDP_off, 'n', base);
        load = set_field(load, Op::LDP_off, 't', s);
        load = set_field(load, Op::LDP_off, 'u', s + 1);
        u.words.push_back(load);
    }
    u.words.push_back(w);
    return u;
}

// ---- Branches: the target (a later unit, or the block's end) is set at layout.

Generator::Unit Generator::branch(std::uint64_t) {
    Unit u;
    const Op op = kBranches[pick(std::size(kBranches))];
    std::uint32_t w = fill(op);
    if (op == Op::BR || op == Op::BLR || op == Op::RET) {
        // ADR Xr, target; BR Xr: the register holds exactly the target.
        const unsigned r = op == Op::RET && chance(50) ? 30 : dest_reg();
        const std::uint32_t adr = set_field(fill(Op::ADR), Op::ADR, 'd', r);
        w = set_field(w, op, 'n', r);
        u.words = {adr, w};
        u.branch_word = 0;
        u.via_register = true;
        return u;
    }
    u.words = {w};
    u.branch_word = 0;
    return u;
}

std::uint32_t Generator::one(Class c, std::uint64_t pc) {
    switch (c) {
    case Class::DpImm: return dp_imm(pc);
    case Class::DpReg: return dp_reg();
    case Class::LoadStore: {
        if (auto w = load_store(kSingle[pick(std::size(kSingle))].op, pc)) return *w;
        return dp_imm(pc);  // no offset fitted the data region this time
    }
    case Class::Pair:
        if (auto w = pair(kPairs[pick(std::size(kPairs))].op)) return *w;
        return dp_reg();
    case Class::Ordered: return ordered();
    case Class::FpLoadStore:
    case Class::FpScalar:
    case Class::FpConvert:
    case Class::SimdStructure:
    case Class::SimdInteger:
    case Class::SimdFp:
    case Class::SimdPermute:
    case Class::Crypto: return simd_fp_one(c, pc);
    default: return dp_imm(pc);
    }
}

Generator::Unit Generator::unit(Class c, std::uint64_t pc) {
    switch (c) {
    case Class::Exclusive: return exclusive(pc);
    case Class::Atomic: return atomic();
    case Class::Branch:
        // Branches alone would skip everything: half of the units are data processing.
        if (chance(50)) return branch(pc);
        return {{chance(50) ? dp_imm(pc) : dp_reg()}};
    default: return {{one(c, pc)}};
    }
}

Block Generator::next(unsigned length) {
    length = std::clamp(length, 1u, kMaxBlockLength);
    Block block;
    State& s = block.initial;
    for (auto& x : s.x) x = random_value();
    s.nzcv = static_cast<std::uint32_t>(pick(16)) << 28;
    s.pc = kBlockBase;
    free_base_ = {kDataMid + pick(512) - 256, 0, 0};
    aligned_base_ = {kDataMid + 16 * pick(64) - 512, 0, 0};
    sp_ = {kDataMid + 16 * pick(64) - 512, 0, 0};
    index_value_ = static_cast<std::int64_t>(pick(192)) - 64;
    s.x[kFreeBase] = free_base_.start;
    s.x[kAlignedBase] = aligned_base_.start;
    s.sp = sp_.start;
    s.x[kIndex] = static_cast<std::uint64_t>(index_value_);
    randomize_simd_fp(s);

    std::vector<Unit> units;
    std::vector<std::uint64_t> starts;
    std::uint64_t pc = kBlockBase;
    while (pc < kBlockBase + 4 * length) {
        units.push_back(unit(classes_[pick(static_cast<unsigned>(classes_.size()))], pc));
        starts.push_back(pc);
        pc += 4 * units.back().words.size();
    }
    starts.push_back(pc);  // the block's end is a target too

    for (std::size_t i = 0; i < units.size(); ++i) {
        Unit& u = units[i];
        if (u.branch_word >= 0) {
            // Forward, to the start of one of the next few units.
            const std::size_t last = std::min(units.size(), i + 8);
            const std::size_t to = i + 1 + pick(static_cast<unsigned>(last - i));
            const std::uint64_t at = starts[i] + 4 * u.branch_word;
            const std::uint64_t distance = starts[to] - at;
            std::uint32_t& w = u.words[u.branch_word];
            if (u.via_register) {
                w = set_field(w, Op::ADR, 'l', distance & 3);
                w = set_field(w, Op::ADR, 'h', distance >> 2);
            } else {
                w = set_field(w, decode(w).op, 'i', distance >> 2);
            }
        }
        block.words.insert(block.words.end(), u.words.begin(), u.words.end());
    }
    return block;
}

}  // namespace trapeze::diff
