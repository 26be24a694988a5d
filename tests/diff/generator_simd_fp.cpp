// The SIMD&FP half of the random block generator: V registers filled with the values where
// floating point is fiddly (signed zeros, infinities, quiet and signalling NaNs with payloads,
// denormals, the bounds of the integer conversions, ties), random FPCR modes (rounding, FZ, DN,
// AHP), and the instructions of the SIMD&FP classes with their constraints.
#include <algorithm>
#include <vector>

#include "decoder/bits.h"
#include "emulator/semantics.h"
#include "tests/diff/generator.h"

namespace trapeze::diff {
namespace {

constexpr Op kFpScalar[] = {
    Op::FMOV_fp,   Op::FABS_fp,   Op::FNEG_fp,   Op::FSQRT_fp,   Op::FCVT_fp,   Op::FRINTN_fp, Op::FRINTP_fp,
    Op::FRINTM_fp, Op::FRINTZ_fp, Op::FRINTA_fp, Op::FRINTX_fp,  Op::FRINTI_fp, Op::FCMP_fp,   Op::FMOV_fp_imm,
    Op::FCCMP_fp,  Op::FMUL_fp,   Op::FDIV_fp,   Op::FADD_fp,    Op::FSUB_fp,   Op::FMAX_fp,   Op::FMIN_fp,
    Op::FMAXNM_fp, Op::FMINNM_fp, Op::FNMUL_fp,  Op::FCSEL_fp,   Op::FMADD_fp,  Op::FMSUB_fp,  Op::FNMADD_fp,
    Op::FNMSUB_fp};

// Conversions: which side is a general register.
struct ConvertRow {
    Op op;
    bool to_general;  // Rd is W/X (else Rn is)
};
constexpr ConvertRow kFpConvert[] = {
    {Op::SCVTF_fix, false},     {Op::UCVTF_fix, false},       {Op::FCVTZS_fix, true},   {Op::FCVTZU_fix, true},
    {Op::FCVTNS_gen, true},     {Op::FCVTNU_gen, true},       {Op::SCVTF_gen, false},   {Op::UCVTF_gen, false},
    {Op::FCVTAS_gen, true},     {Op::FCVTAU_gen, true},       {Op::FMOV_to_gen, true},  {Op::FMOV_from_gen, false},
    {Op::FCVTPS_gen, true},     {Op::FCVTPU_gen, true},       {Op::FMOV_to_gen_hi, true},
    {Op::FMOV_from_gen_hi, false}, {Op::FCVTMS_gen, true},    {Op::FCVTMU_gen, true},   {Op::FCVTZS_gen, true},
    {Op::FCVTZU_gen, true},
};

enum class FpMode : std::uint8_t { Unscaled, Post, Pre, Register, Unsigned, Literal, Pair, PairPost, PairPre };
struct FpMemoryRow {
    Op op;
    FpMode mode;
    bool load;
};
constexpr FpMemoryRow kFpMemory[] = {
    {Op::LDR_lit_fp, FpMode::Literal, true},   {Op::STNP_fp, FpMode::Pair, false},
    {Op::LDNP_fp, FpMode::Pair, true},         {Op::STP_fp_post, FpMode::PairPost, false},
    {Op::LDP_fp_post, FpMode::PairPost, true}, {Op::STP_fp_off, FpMode::Pair, false},
    {Op::LDP_fp_off, FpMode::Pair, true},      {Op::STP_fp_pre, FpMode::PairPre, false},
    {Op::LDP_fp_pre, FpMode::PairPre, true},   {Op::STUR_fp, FpMode::Unscaled, false},
    {Op::LDUR_fp, FpMode::Unscaled, true},     {Op::STR_fp_post, FpMode::Post, false},
    {Op::LDR_fp_post, FpMode::Post, true},     {Op::STR_fp_pre, FpMode::Pre, false},
    {Op::LDR_fp_pre, FpMode::Pre, true},       {Op::STR_fp_reg, FpMode::Register, false},
    {Op::LDR_fp_reg, FpMode::Register, true},  {Op::STR_fp_imm, FpMode::Unsigned, false},
    {Op::LDR_fp_imm, FpMode::Unsigned, true},
};

constexpr Op kStructures[] = {Op::ST_mult,        Op::LD_mult,   Op::ST_mult_post, Op::LD_mult_post,
                              Op::ST_single,      Op::LD_single, Op::ST_single_post, Op::LD_single_post,
                              Op::LD_rep,         Op::LD_rep_post};

// The Advanced SIMD rows by generator class, from the encoding table: the rows of the SIMD
// .inc files (SHADD up to SHA256SU0), FP when their pattern has an FP size field (e) or they
// convert to or from fixed point; the copy/permute rows and the crypto rows on their own.
struct SimdClasses {
    std::vector<Op> integer, fp, permute, crypto;
};

bool in(Op op, Op first, Op last) { return op >= first && op <= last; }

const SimdClasses& simd_classes() {
    static const SimdClasses classes = [] {
        SimdClasses c;
        const EncodingTable table = encoding_table();
        for (std::size_t r = 0; r < table.size; ++r) {
            const Op op = table.rows[r].op;
            if (!in(op, Op::SHADD, Op::SHA256SU0)) continue;
            // A row without semantics would only compare UNDEFINED with Unicorn's result (the
            // unit tests check that every row has semantics).
            if (!semantics_table().prepare[static_cast<std::size_t>(op)]) continue;
            const bool fixed_point = op == Op::SCVTF_v_fix || op == Op::UCVTF_v_fix || op == Op::FCVTZS_v_fix ||
                                     op == Op::FCVTZU_v_fix || op == Op::SCVTF_fix_scalar ||
                                     op == Op::UCVTF_fix_scalar || op == Op::FCVTZS_fix_scalar ||
                                     op == Op::FCVTZU_fix_scalar;
            if (in(op, Op::AESE, Op::SHA256SU0) || op == Op::PMULL) c.crypto.push_back(op);
            else if (in(op, Op::DUP_elt, Op::EXT) || op == Op::DUP_scalar) c.permute.push_back(op);
            else if (fixed_point || table.rows[r].pattern.find('e') != std::string_view::npos) c.fp.push_back(op);
            else c.integer.push_back(op);
        }
        return c;
    }();
    return classes;
}

// Exponents k where 2^k bounds an integer conversion (to 8, 16, 32 and 64 bits, signed or not).
constexpr int kIntegerBounds[] = {7, 8, 15, 16, 31, 32, 63, 64};

}  // namespace

std::uint64_t Generator::random_fp(unsigned exponent_bits, unsigned fraction_bits) {
    const std::uint64_t E = exponent_bits, F = fraction_bits;
    const std::uint64_t bias = (1ull << (E - 1)) - 1, exp_max = (1ull << E) - 1, frac_ones = (1ull << F) - 1;
    const std::uint64_t sign = pick(2);
    const auto ibias = static_cast<std::int64_t>(bias);
    // Exponents past either end are clamped to them.
    auto pack = [&](std::int64_t exp, std::uint64_t frac) {
        const auto e = static_cast<std::uint64_t>(std::clamp<std::int64_t>(exp, 0, static_cast<std::int64_t>(exp_max)));
        return (sign << (E + F)) | (e << F) | (frac & frac_ones);
    };
    const auto iexp_max = static_cast<std::int64_t>(exp_max);
    switch (pick(16)) {
    case 0: return pack(0, 0);                                              // +-0
    case 1: return pack(iexp_max, 0);                                        // +-infinity
    case 2: return pack(iexp_max, (1ull << (F - 1)) | (chance(30) ? 0 : rng_()));  // quiet NaN, payload
    case 3: {                                                               // signalling NaN, payload
        std::uint64_t payload = rng_() & ((1ull << (F - 1)) - 1);
        return pack(iexp_max, payload ? payload : 1);
    }
    case 4: {                                                               // denormals
        const std::uint64_t frac = chance(30) ? (chance(50) ? 1 : frac_ones) : rng_() & frac_ones;
        return pack(0, frac ? frac : 1);
    }
    case 5: return chance(50) ? pack(1, chance(50) ? 0 : rng_()) : pack(iexp_max - 1, chance(50) ? frac_ones : rng_());
    case 6: {  // small integers and halves: ties for the roundings
        const std::uint64_t value2 = 2 * pick(24) + (chance(50) ? 1 : 0);  // the value times two
        if (value2 == 0) return pack(0, 0);
        const int msb = 63 - std::countl_zero(value2);
        // The bits below the leading one, at the top of the fraction.
        const std::uint64_t frac = msb == 0 ? 0 : ((value2 << (64 - msb)) >> (64 - F));
        return pack(ibias + msb - 1, frac);
    }
    case 7: {  // 2^k and its neighbours at the bounds of the integer conversions
        const std::int64_t k = kIntegerBounds[pick(std::size(kIntegerBounds))];
        switch (pick(4)) {
        case 0: return pack(ibias + k, 0);
        case 1: return pack(ibias + k, 1);
        case 2: return pack(ibias + k - 1, frac_ones);
        default: return pack(ibias + k - 1, frac_ones ^ 1);  // 2^k - 2 ulp: a tie below when halved
        }
    }
    case 8: return pack(iexp_max - 1 - pick(3), rng_());   // near overflow
    case 9: return pack(1 + pick(3), rng_());              // near underflow
    case 10:
    case 11: return pack(ibias + pick(40) - 20, rng_());   // ordinary numbers
    case 12: return pack(ibias + pick(4) - 2, chance(50) ? 0 : 1ull << (F - 1));  // 0.25 .. 3.0
    default: return E + F + 1 == 64 ? rng_() : rng_() & ((1ull << (E + F + 1)) - 1);
    }
}

VReg Generator::random_vreg() {
    VReg r{};
    for (unsigned half = 0; half < 2; ++half) {
        switch (pick(6)) {
        case 0: r.set<std::uint64_t>(half, random_fp(11, 52)); break;
        case 1:
            for (unsigned i = 0; i < 2; ++i) r.set<std::uint32_t>(2 * half + i, static_cast<std::uint32_t>(random_fp(8, 23)));
            break;
        case 2:
            for (unsigned i = 0; i < 4; ++i) r.set<std::uint16_t>(4 * half + i, static_cast<std::uint16_t>(random_fp(5, 10)));
            break;
        case 3: {  // integer lanes near the edges of the saturating arithmetic
            const unsigned size = 1u << pick(4);
            for (unsigned i = 0; i < 8 / size; ++i) {
                const std::uint64_t v = random_value();
                for (unsigned b = 0; b < size; ++b)
                    r.set<std::uint8_t>(8 * half + size * i + b, static_cast<std::uint8_t>(v >> (8 * b)));
            }
            break;
        }
        default: r.set<std::uint64_t>(half, rng_()); break;
        }
    }
    return r;
}

void Generator::randomize_simd_fp(State& s) {
    for (auto& v : s.v) v = random_vreg();
    // Round to nearest half of the time: with FPSR.IXC set it is the host FPU's shortcut.
    s.fpcr = chance(50) ? 0 : static_cast<std::uint32_t>(pick(4)) << kFpcrRModeShift;
    if (chance(30)) s.fpcr |= kFpcrFz;
    if (chance(30)) s.fpcr |= kFpcrDn;
    if (chance(20)) s.fpcr |= kFpcrAhp;
    s.fpsr = chance(40) ? static_cast<std::uint32_t>(rng_()) & kFpsrWritable : 0;
}

std::uint32_t Generator::fp_scalar() {
    for (;;) {
        const Op op = kFpScalar[pick(std::size(kFpScalar))];
        std::uint32_t w = fill(op);
        // FCMP Vn, #0.0: Rm should be zero (anything else is CONSTRAINED UNPREDICTABLE).
        if (op == Op::FCMP_fp && get_field(w, op, 'Z')) w = set_field(w, op, 'm', 0);
        if (auto ok = valid(w, op)) return *ok;
    }
}

std::uint32_t Generator::fp_convert() {
    for (;;) {
        const ConvertRow& row = kFpConvert[pick(std::size(kFpConvert))];
        std::uint32_t w = fill(row.op);
        if (row.to_general) w = set_field(w, row.op, 'd', chance(5) ? 31 : dest_reg());
        else w = set_field(w, row.op, 'n', source_reg());
        if (auto ok = valid(w, row.op)) return *ok;
    }
}

std::optional<std::uint32_t> Generator::fp_load_store(std::uint64_t pc) {
    const FpMemoryRow& row = kFpMemory[pick(std::size(kFpMemory))];
    const Op op = row.op;
    for (int attempt = 0; attempt < 20; ++attempt) {
        std::uint32_t w = fill(op);
        if (!valid(w, op)) continue;  // Q with a size, opc 11: draw again
        if (row.mode == FpMode::Literal) {
            const std::uint64_t target = kCodeBase + 16 * pick(kCodeSize / 16 - 1);
            w = set_field(w, op, 'i', (target - pc) >> 2);
            if (auto ok = valid(w, op)) return ok;
            continue;
        }
        const bool pair = row.mode == FpMode::Pair || row.mode == FpMode::PairPost || row.mode == FpMode::PairPre;
        const unsigned size_log2 = pair ? 2 + get_field(w, op, 'x') : get_field(w, op, 'q') ? 4 : get_field(w, op, 'x');
        const unsigned size = 1u << size_log2;
        const unsigned base = pick(3) == 0 ? kFreeBase : aligned_base();
        const bool aligned = base != kFreeBase;
        w = set_field(w, op, 'n', base);
        if (pair && row.load) {  // LDP with Vt == Vt2 is CONSTRAINED UNPREDICTABLE
            const unsigned t = pick(32);
            unsigned u;
            do u = pick(32); while (u == t);
            w = set_field(w, op, 't', t);
            w = set_field(w, op, 'u', u);
        }
        std::int64_t offset = 0, writeback = 0, total = pair ? 2 * size : size;
        switch (row.mode) {
        case FpMode::Unscaled: offset = sign_extend(get_field(w, op, 'i'), 9); break;
        case FpMode::Post:
        case FpMode::Pre: {
            std::int64_t amount = sign_extend(get_field(w, op, 'i'), 9);
            if (aligned) amount = 16 * (static_cast<std::int64_t>(pick(32)) - 16);
            w = set_field(w, op, 'i', static_cast<std::uint64_t>(amount));
            writeback = amount;
            offset = row.mode == FpMode::Pre ? amount : 0;
            break;
        }
        case FpMode::Register: {
            const bool zero = chance(10);
            w = set_field(w, op, 'm', zero ? 31 : kIndex);
            static constexpr unsigned kAnySign[] = {3, 6, 7}, kNonNegative[] = {2, 3, 6, 7};
            const unsigned option = index_value_ < 0 ? kAnySign[pick(3)] : kNonNegative[pick(4)];
            w = set_field(w, op, 'o', option);
            offset = (zero ? 0 : index_value_) * (get_field(w, op, 'S') ? size : 1);
            break;
        }
        case FpMode::Unsigned: {
            const unsigned imm12 = pick(64);
            w = set_field(w, op, 'i', imm12);
            offset = static_cast<std::int64_t>(imm12) << size_log2;
            break;
        }
        case FpMode::Pair:
        case FpMode::PairPost:
        case FpMode::PairPre: {
            std::int64_t scaled = sign_extend(get_field(w, op, 'i'), 7) * size;
            if (aligned && row.mode != FpMode::Pair && scaled % 16 != 0) continue;
            offset = row.mode == FpMode::PairPost ? 0 : scaled;
            writeback = row.mode == FpMode::Pair ? 0 : scaled;
            break;
        }
        case FpMode::Literal: break;
        }
        if (!fits(base, offset, static_cast<unsigned>(total), writeback)) continue;
        if (auto ok = valid(w, op)) {
            commit(base, writeback);
            return ok;
        }
    }
    return std::nullopt;
}

std::optional<std::uint32_t> Generator::simd_structure() {
    const Op op = kStructures[pick(std::size(kStructures))];
    for (int attempt = 0; attempt < 20; ++attempt) {
        std::uint32_t w = fill(op);
        if (!valid(w, op)) continue;
        const Decoded d = decode(w);
        // The bytes transferred: from the row's fields, as the semantics compute them.
        const unsigned q = d.field('q'), size = d.field('x'), opcode = d.field('o');
        unsigned total;
        if (op == Op::ST_mult || op == Op::LD_mult || op == Op::ST_mult_post || op == Op::LD_mult_post) {
            static constexpr unsigned kRegisters[16] = {4, 0, 4, 0, 3, 0, 3, 1, 2, 0, 2};
            total = kRegisters[opcode] * (q ? 16 : 8);
        } else if (op == Op::LD_rep || op == Op::LD_rep_post) {
            total = (((opcode << 1) | d.field('R')) + 1) << size;
        } else {
            const unsigned scale = opcode >> 1;
            const unsigned ebytes = scale == 2 && (size & 1) ? 8 : 1u << scale;
            total = (((opcode & 1) << 1 | d.field('R')) + 1) * ebytes;
        }
        const bool post = op == Op::ST_mult_post || op == Op::LD_mult_post || op == Op::ST_single_post ||
                          op == Op::LD_single_post || op == Op::LD_rep_post;
        const unsigned base = pick(3) == 0 ? kFreeBase : aligned_base();
        w = set_field(w, op, 'n', base);
        std::int64_t writeback = 0;
        if (post) {
            // By the bytes transferred (Rm = 31), or by X27 when the base may go anywhere.
            const unsigned m = base == kFreeBase && chance(50) ? kIndex : 31;
            writeback = m == kIndex ? index_value_ : total;
            if (base != kFreeBase && writeback % 16 != 0) continue;
            w = set_field(w, op, 'm', m);
        }
        if (!fits(base, 0, total, writeback)) continue;
        if (auto ok = valid(w, op)) {
            commit(base, writeback);
            return ok;
        }
    }
    return std::nullopt;
}

std::uint32_t Generator::simd_row(Class c) {
    const SimdClasses& classes = simd_classes();
    const std::vector<Op>& ops = c == Class::SimdInteger ? classes.integer
                                 : c == Class::SimdFp    ? classes.fp
                                 : c == Class::SimdPermute ? classes.permute
                                                           : classes.crypto;
    for (;;) {
        const Op op = ops[pick(static_cast<unsigned>(ops.size()))];
        std::uint32_t w = fill(op);
        // The general registers of the copy rows: UMOV/SMOV write one, DUP/INS (general) read one.
        if (op == Op::UMOV || op == Op::SMOV) w = set_field(w, op, 'd', chance(5) ? 31 : dest_reg());
        if (auto ok = valid(w, op)) return *ok;
    }
}

std::uint32_t Generator::simd_fp_one(Class c, std::uint64_t pc) {
    switch (c) {
    case Class::FpLoadStore:
        if (auto w = fp_load_store(pc)) return *w;
        return fp_scalar();
    case Class::FpConvert: return fp_convert();
    case Class::SimdInteger:
    case Class::SimdFp:
    case Class::SimdPermute:
    case Class::Crypto: return simd_row(c);
    case Class::SimdStructure:
        if (auto w = simd_structure()) return *w;
        return fp_scalar();
    default: return fp_scalar();
    }
}

}  // namespace trapeze::diff
