// Semantics of Advanced SIMD two-register miscellaneous (C4.1.95), vector and scalar: element
// reversal, pairwise long adds, counts, absolute value and negation (saturating or not), compares
// with zero, narrowing (XTN, SQXTN, UQXTN, SQXTUN), SHLL, and the FP forms: FRINT*, FCVT* to
// integers, SCVTF/UCVTF, FCVTN/FCVTL/FCVTXN, compares with zero, FABS/FNEG, the estimates, FSQRT.
#include <bit>

#include "emulator/exec_simd_lanes.h"

namespace trapeze {
namespace {

using std::uint64_t;
using std::uint8_t;

// ---- Integer lane functions (one operand).
template <typename T>
constexpr T mask(bool condition) {
    return condition ? static_cast<T>(~T{0}) : T{0};
}
constexpr auto compare_gt_zero = [](auto a) { return mask<decltype(a)>(as_int<true>(a) > 0); };
constexpr auto compare_ge_zero = [](auto a) { return mask<decltype(a)>(as_int<true>(a) >= 0); };
constexpr auto compare_eq_zero = [](auto a) { return mask<decltype(a)>(a == 0); };
constexpr auto compare_le_zero = [](auto a) { return mask<decltype(a)>(as_int<true>(a) <= 0); };
constexpr auto compare_lt_zero = [](auto a) { return mask<decltype(a)>(as_int<true>(a) < 0); };
constexpr auto absolute = [](auto a) { return as_int<true>(a) < 0 ? -as_int<true>(a) : as_int<true>(a); };
constexpr auto negate = [](auto a) { return -as_int<true>(a); };
constexpr auto sat_absolute = [](auto a, bool& sat) {
    const __int128 v = as_int<true>(a);
    return signed_sat<decltype(a)>(v < 0 ? -v : v, sat);
};
constexpr auto sat_negate = [](auto a, bool& sat) { return signed_sat<decltype(a)>(-as_int<true>(a), sat); };
// SUQADD: signed accumulator plus an unsigned value; USQADD: unsigned plus signed.
constexpr auto signed_plus_unsigned = [](auto acc, auto a, bool& sat) {
    return signed_sat<decltype(a)>(as_int<true>(acc) + as_int<false>(a), sat);
};
constexpr auto unsigned_plus_signed = [](auto acc, auto a, bool& sat) {
    return unsigned_sat<decltype(a)>(as_int<false>(acc) + as_int<true>(a), sat);
};
// CLS counts the bits after the sign bit that equal it.
constexpr auto count_leading_sign = [](auto a) {
    using T = decltype(a);
    const T flipped = static_cast<T>(a ^ static_cast<T>(as_int<true>(a) >> (bits_of<T>() - 1)));
    return std::countl_zero(flipped) - 1;
};
constexpr auto count_leading_zeros = [](auto a) { return std::countl_zero(a); };
constexpr auto count_ones = [](auto a) { return std::popcount(a); };
constexpr auto bit_not = [](auto a) { return ~a; };
constexpr auto reverse_bits = [](auto a) {
    unsigned r = 0;
    for (unsigned i = 0; i < 8; ++i) r |= ((a >> i) & 1u) << (7 - i);
    return r;
};

// ---- FP lane functions: (value, instruction, env). b2 = the rounding (kFpcrRounding: FPCR's),
// b3 = 1 for unsigned integers or the FRINTX form.
constexpr uint8_t kFpcrRounding = 0xff;
inline Rounding rounding_of(const Inst* ip, const FpEnv& env) {
    return ip->b2 == kFpcrRounding ? fpcr_rounding(env.fpcr) : static_cast<Rounding>(ip->b2);
}
constexpr auto f_round_int = [](auto a, const Inst* ip, FpEnv& env) {
    return fp_round_int(a, rounding_of(ip, env), ip->b3 != 0, env);
};
constexpr auto f_to_int = [](auto a, const Inst* ip, FpEnv& env) {
    return static_cast<decltype(a)>(fp_to_fixed(a, 0, ip->b3 != 0, bits_of<decltype(a)>(), rounding_of(ip, env), env));
};
constexpr auto f_from_int = [](auto a, const Inst* ip, FpEnv& env) {
    using T = decltype(a);
    return fixed_to_fp<T>(a, 0, ip->b3 != 0, bits_of<T>(), fpcr_rounding(env.fpcr), env);
};
constexpr auto f_cmgt_zero = [](auto a, const Inst*, FpEnv& env) { return mask<decltype(a)>(fp_compare_gt(a, decltype(a){0}, env)); };
constexpr auto f_cmge_zero = [](auto a, const Inst*, FpEnv& env) { return mask<decltype(a)>(fp_compare_ge(a, decltype(a){0}, env)); };
constexpr auto f_cmeq_zero = [](auto a, const Inst*, FpEnv& env) { return mask<decltype(a)>(fp_compare_eq(a, decltype(a){0}, env)); };
constexpr auto f_cmle_zero = [](auto a, const Inst*, FpEnv& env) { return mask<decltype(a)>(fp_compare_ge(decltype(a){0}, a, env)); };
constexpr auto f_cmlt_zero = [](auto a, const Inst*, FpEnv& env) { return mask<decltype(a)>(fp_compare_gt(decltype(a){0}, a, env)); };
constexpr auto f_abs = [](auto a, const Inst*, FpEnv&) { return fp_abs(a); };
constexpr auto f_neg = [](auto a, const Inst*, FpEnv&) { return fp_neg(a); };
constexpr auto f_recip_estimate = [](auto a, const Inst*, FpEnv& env) { return fp_recip_estimate(a, env); };
constexpr auto f_rsqrt_estimate = [](auto a, const Inst*, FpEnv& env) { return fp_rsqrt_estimate(a, env); };
constexpr auto f_recpx = [](auto a, const Inst*, FpEnv& env) { return fp_recpx(a, env); };
constexpr auto f_sqrt = [](auto a, const Inst*, FpEnv& env) { return fp_sqrt(a, env); };
constexpr auto u_recip_estimate = [](auto a, const Inst*, FpEnv&) { return unsigned_recip_estimate(a); };
constexpr auto u_rsqrt_estimate = [](auto a, const Inst*, FpEnv&) { return unsigned_rsqrt_estimate(a); };

// ---- Drivers of their own.

// REV16, REV32, REV64: the elements of each 2^b2-byte container in reverse order.
template <typename T>
const Inst* reverse(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    const VReg& n = cpu.regs.v[ip->n];
    const unsigned per_container = (1u << ip->b2) / sizeof(T);
    VReg r{};
    for (unsigned e = 0; e < ip->b1; ++e) {
        const unsigned container = e / per_container, position = e % per_container;
        r.set<T>(e, n.get<T>(container * per_container + per_container - 1 - position));
    }
    cpu.regs.v[ip->d] = r;
    return cpu.next(ip + 1);
}

// SADDLP, UADDLP (and SADALP, UADALP with Accumulate): adjacent pairs added to double width.
// b1 = the elements of the result.
template <typename N, bool Signed, bool Accumulate>
const Inst* add_pairs_long(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    using W = wider_t<N>;
    const VReg& n = cpu.regs.v[ip->n];
    const VReg& d = cpu.regs.v[ip->d];
    VReg r{};
    for (unsigned e = 0; e < ip->b1; ++e) {
        __int128 sum = as_int<Signed>(n.get<N>(2 * e)) + as_int<Signed>(n.get<N>(2 * e + 1));
        if (Accumulate) sum += d.get<W>(e);
        r.set<W>(e, static_cast<W>(sum));
    }
    cpu.regs.v[ip->d] = r;
    return cpu.next(ip + 1);
}

// XTN, SQXTN, UQXTN, SQXTUN: double-width elements of Vn narrowed into one half of Vd (b2 = 1:
// the upper half, the lower one kept); the scalar forms write element 0 only.
enum class Narrow : uint8_t { Truncate, Signed, Unsigned, SignedToUnsigned };
template <typename N, Narrow K>
const Inst* narrow(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    using W = wider_t<N>;
    const VReg& n = cpu.regs.v[ip->n];
    const unsigned base = ip->b2 ? ip->b1 : 0;
    VReg r{};
    if (ip->b2) r.lo = cpu.regs.v[ip->d].lo;
    bool saturated = false;
    for (unsigned e = 0; e < ip->b1; ++e) {
        const W value = n.get<W>(e);
        N result;
        if constexpr (K == Narrow::Truncate) result = static_cast<N>(value);
        else if constexpr (K == Narrow::Signed) result = signed_sat<N>(as_int<true>(value), saturated);
        else if constexpr (K == Narrow::Unsigned) result = unsigned_sat<N>(as_int<false>(value), saturated);
        else result = unsigned_sat<N>(as_int<true>(value), saturated);
        r.set<N>(base + e, result);
    }
    cpu.regs.v[ip->d] = r;
    if (saturated) cpu.regs.fpsr |= kFpsrQc;
    return cpu.next(ip + 1);
}

// SHLL: one half of Vn widened and shifted left by the element size.
template <typename N>
const Inst* shift_left_long(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    using W = wider_t<N>;
    const VReg& n = cpu.regs.v[ip->n];
    const unsigned base = ip->b2 ? ip->b1 : 0;
    VReg r{};
    for (unsigned e = 0; e < ip->b1; ++e) r.set<W>(e, static_cast<W>(static_cast<W>(n.get<N>(base + e)) << bits_of<N>()));
    cpu.regs.v[ip->d] = r;
    return cpu.next(ip + 1);
}

// FCVTN (single -> half, double -> single) and FCVTXN (double -> single, rounding to odd) into
// one half of Vd; FCVTL from one half of Vn (half -> single, single -> double).
template <typename To, typename From, bool Odd>
const Inst* fp_narrow(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    const VReg& n = cpu.regs.v[ip->n];
    const unsigned base = ip->b2 ? ip->b1 : 0;
    FpEnv env = fp_env(cpu);
    const Rounding rounding = Odd ? Rounding::Odd : fpcr_rounding(env.fpcr);
    VReg r{};
    if (ip->b2) r.lo = cpu.regs.v[ip->d].lo;
    for (unsigned e = 0; e < ip->b1; ++e) r.set<To>(base + e, fp_convert<To>(n.get<From>(e), rounding, env));
    cpu.regs.v[ip->d] = r;
    commit_fp_env(cpu, env);
    return cpu.next(ip + 1);
}
template <typename To, typename From>
const Inst* fp_widen(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    const VReg& n = cpu.regs.v[ip->n];
    const unsigned base = ip->b2 ? ip->b1 : 0;
    FpEnv env = fp_env(cpu);
    VReg r{};
    for (unsigned e = 0; e < ip->b1; ++e) r.set<To>(e, fp_convert<To>(n.get<From>(base + e), fpcr_rounding(env.fpcr), env));
    cpu.regs.v[ip->d] = r;
    commit_fp_env(cpu, env);
    return cpu.next(ip + 1);
}

// ---- Rows.
enum class Shape : uint8_t {
    Vector,        // integer, every element
    Scalar,        // integer, element 0
    FixedByte,     // byte elements (CNT, NOT, RBIT)
    Reverse,       // REV16/32/64: b2 = log2 of the container
    PairsLong,     // SADDLP...
    NarrowVector,  // XTN... (x = the narrow size)
    NarrowScalar,
    ShiftLong,     // SHLL
    VectorFp,      // FP, every element (e = sz)
    ScalarFp,
    FpNarrow,      // FCVTN (e = 0: to half, 1: to single)
    FpNarrowOdd,   // FCVTXN
    FpNarrowOddScalar,
    FpWiden,       // FCVTL
};
using Select = ExecFn (*)(unsigned size);
struct Row {
    Op op;
    Shape shape;
    Select select;
    uint8_t rounding = kFpcrRounding;  // FP: the rounding of FRINT* and FCVT*
    bool flag = false;                 // FP: unsigned (FCVT*U, UCVTF) or exact (FRINTX)
    uint8_t container = 0;             // REV: log2 of the container's bytes
};

template <auto F> ExecFn sel_map1(unsigned size) { return TRAPEZE_BY_SIZE(map1, F, size); }
template <auto F> ExecFn sel_map1_sat(unsigned size) { return TRAPEZE_BY_SIZE(map1_sat, F, size); }
template <auto F> ExecFn sel_acc_sat(unsigned size) { return TRAPEZE_BY_SIZE(map1_acc_sat, F, size); }
template <auto F> ExecFn sel_byte(unsigned) { return map1<std::uint8_t, F>; }
template <auto F> ExecFn sel_fp(unsigned sz) { return TRAPEZE_BY_SZ(map1_fp, F, sz); }
template <auto F> ExecFn sel_word(unsigned) { return map1_fp<std::uint32_t, F>; }
ExecFn sel_reverse(unsigned size) {
    return size == 0 ? reverse<std::uint8_t> : size == 1 ? reverse<std::uint16_t> : reverse<std::uint32_t>;
}
template <bool Signed, bool Accumulate>
ExecFn sel_pairs(unsigned size) {
    return size == 0   ? add_pairs_long<std::uint8_t, Signed, Accumulate>
           : size == 1 ? add_pairs_long<std::uint16_t, Signed, Accumulate>
                       : add_pairs_long<std::uint32_t, Signed, Accumulate>;
}
template <Narrow K>
ExecFn sel_narrow(unsigned size) {
    return size == 0 ? narrow<std::uint8_t, K> : size == 1 ? narrow<std::uint16_t, K> : narrow<std::uint32_t, K>;
}
ExecFn sel_shll(unsigned size) {
    return size == 0 ? shift_left_long<std::uint8_t> : size == 1 ? shift_left_long<std::uint16_t>
                                                                  : shift_left_long<std::uint32_t>;
}
ExecFn sel_fcvtn(unsigned sz) {
    return sz ? fp_narrow<std::uint32_t, std::uint64_t, false> : fp_narrow<std::uint16_t, std::uint32_t, false>;
}
ExecFn sel_fcvtxn(unsigned) { return fp_narrow<std::uint32_t, std::uint64_t, true>; }
ExecFn sel_fcvtl(unsigned sz) {
    return sz ? fp_widen<std::uint64_t, std::uint32_t> : fp_widen<std::uint32_t, std::uint16_t>;
}

constexpr uint8_t r(Rounding rounding) { return static_cast<uint8_t>(rounding); }
constexpr uint8_t kN = r(Rounding::TieEven), kP = r(Rounding::PosInf), kM = r(Rounding::NegInf),
                  kZ = r(Rounding::Zero), kA = r(Rounding::TieAway), kX = kFpcrRounding;

using enum Shape;
const Row kRows[] = {
    {Op::REV64, Reverse, sel_reverse, kX, false, 3},
    {Op::REV16_v, Reverse, sel_reverse, kX, false, 1},
    {Op::SADDLP, PairsLong, sel_pairs<true, false>},
    {Op::SUQADD, Vector, sel_acc_sat<signed_plus_unsigned>},
    {Op::CLS_v, Vector, sel_map1<count_leading_sign>},
    {Op::CNT, FixedByte, sel_byte<count_ones>},
    {Op::SADALP, PairsLong, sel_pairs<true, true>},
    {Op::SQABS, Vector, sel_map1_sat<sat_absolute>},
    {Op::CMGT_zero, Vector, sel_map1<compare_gt_zero>},
    {Op::CMEQ_zero, Vector, sel_map1<compare_eq_zero>},
    {Op::CMLT_zero, Vector, sel_map1<compare_lt_zero>},
    {Op::ABS, Vector, sel_map1<absolute>},
    {Op::XTN, NarrowVector, sel_narrow<Narrow::Truncate>},
    {Op::SQXTN, NarrowVector, sel_narrow<Narrow::Signed>},
    {Op::REV32_v, Reverse, sel_reverse, kX, false, 2},
    {Op::UADDLP, PairsLong, sel_pairs<false, false>},
    {Op::USQADD, Vector, sel_acc_sat<unsigned_plus_signed>},
    {Op::CLZ_v, Vector, sel_map1<count_leading_zeros>},
    {Op::UADALP, PairsLong, sel_pairs<false, true>},
    {Op::SQNEG, Vector, sel_map1_sat<sat_negate>},
    {Op::CMGE_zero, Vector, sel_map1<compare_ge_zero>},
    {Op::CMLE_zero, Vector, sel_map1<compare_le_zero>},
    {Op::NEG_v, Vector, sel_map1<negate>},
    {Op::SQXTUN, NarrowVector, sel_narrow<Narrow::SignedToUnsigned>},
    {Op::SHLL, ShiftLong, sel_shll},
    {Op::UQXTN, NarrowVector, sel_narrow<Narrow::Unsigned>},
    {Op::NOT_v, FixedByte, sel_byte<bit_not>},
    {Op::RBIT_v, FixedByte, sel_byte<reverse_bits>},
    {Op::FCVTN, FpNarrow, sel_fcvtn},
    {Op::FCVTL, FpWiden, sel_fcvtl},
    {Op::FRINTN_v, VectorFp, sel_fp<f_round_int>, kN},
    {Op::FRINTM_v, VectorFp, sel_fp<f_round_int>, kM},
    {Op::FCVTNS_v, VectorFp, sel_fp<f_to_int>, kN},
    {Op::FCVTMS_v, VectorFp, sel_fp<f_to_int>, kM},
    {Op::FCVTAS_v, VectorFp, sel_fp<f_to_int>, kA},
    {Op::SCVTF_v, VectorFp, sel_fp<f_from_int>},
    {Op::FCMGT_zero, VectorFp, sel_fp<f_cmgt_zero>},
    {Op::FCMEQ_zero, VectorFp, sel_fp<f_cmeq_zero>},
    {Op::FCMLT_zero, VectorFp, sel_fp<f_cmlt_zero>},
    {Op::FABS_v, VectorFp, sel_fp<f_abs>},
    {Op::FRINTP_v, VectorFp, sel_fp<f_round_int>, kP},
    {Op::FRINTZ_v, VectorFp, sel_fp<f_round_int>, kZ},
    {Op::FCVTPS_v, VectorFp, sel_fp<f_to_int>, kP},
    {Op::FCVTZS_v, VectorFp, sel_fp<f_to_int>, kZ},
    {Op::URECPE, VectorFp, sel_word<u_recip_estimate>},
    {Op::FRECPE_v, VectorFp, sel_fp<f_recip_estimate>},
    {Op::FCVTXN, FpNarrowOdd, sel_fcvtxn},
    {Op::FRINTA_v, VectorFp, sel_fp<f_round_int>, kA},
    {Op::FRINTX_v, VectorFp, sel_fp<f_round_int>, kX, true},
    {Op::FCVTNU_v, VectorFp, sel_fp<f_to_int>, kN, true},
    {Op::FCVTMU_v, VectorFp, sel_fp<f_to_int>, kM, true},
    {Op::FCVTAU_v, VectorFp, sel_fp<f_to_int>, kA, true},
    {Op::UCVTF_v, VectorFp, sel_fp<f_from_int>, kX, true},
    {Op::FCMGE_zero, VectorFp, sel_fp<f_cmge_zero>},
    {Op::FCMLE_zero, VectorFp, sel_fp<f_cmle_zero>},
    {Op::FNEG_v, VectorFp, sel_fp<f_neg>},
    {Op::FRINTI_v, VectorFp, sel_fp<f_round_int>, kX},
    {Op::FCVTPU_v, VectorFp, sel_fp<f_to_int>, kP, true},
    {Op::FCVTZU_v, VectorFp, sel_fp<f_to_int>, kZ, true},
    {Op::URSQRTE, VectorFp, sel_word<u_rsqrt_estimate>},
    {Op::FRSQRTE_v, VectorFp, sel_fp<f_rsqrt_estimate>},
    {Op::FSQRT_v, VectorFp, sel_fp<f_sqrt>},
    // Scalar two-register miscellaneous
    {Op::SUQADD_scalar, Scalar, sel_acc_sat<signed_plus_unsigned>},
    {Op::SQABS_scalar, Scalar, sel_map1_sat<sat_absolute>},
    {Op::CMGT_zero_scalar, Scalar, sel_map1<compare_gt_zero>},
    {Op::CMEQ_zero_scalar, Scalar, sel_map1<compare_eq_zero>},
    {Op::CMLT_zero_scalar, Scalar, sel_map1<compare_lt_zero>},
    {Op::ABS_scalar, Scalar, sel_map1<absolute>},
    {Op::SQXTN_scalar, NarrowScalar, sel_narrow<Narrow::Signed>},
    {Op::USQADD_scalar, Scalar, sel_acc_sat<unsigned_plus_signed>},
    {Op::SQNEG_scalar, Scalar, sel_map1_sat<sat_negate>},
    {Op::CMGE_zero_scalar, Scalar, sel_map1<compare_ge_zero>},
    {Op::CMLE_zero_scalar, Scalar, sel_map1<compare_le_zero>},
    {Op::NEG_scalar, Scalar, sel_map1<negate>},
    {Op::SQXTUN_scalar, NarrowScalar, sel_narrow<Narrow::SignedToUnsigned>},
    {Op::UQXTN_scalar, NarrowScalar, sel_narrow<Narrow::Unsigned>},
    {Op::FCVTXN_scalar, FpNarrowOddScalar, sel_fcvtxn},
    {Op::FCVTNS_scalar, ScalarFp, sel_fp<f_to_int>, kN},
    {Op::FCVTMS_scalar, ScalarFp, sel_fp<f_to_int>, kM},
    {Op::FCVTAS_scalar, ScalarFp, sel_fp<f_to_int>, kA},
    {Op::SCVTF_scalar, ScalarFp, sel_fp<f_from_int>},
    {Op::FCMGT_zero_scalar, ScalarFp, sel_fp<f_cmgt_zero>},
    {Op::FCMEQ_zero_scalar, ScalarFp, sel_fp<f_cmeq_zero>},
    {Op::FCMLT_zero_scalar, ScalarFp, sel_fp<f_cmlt_zero>},
    {Op::FCVTPS_scalar, ScalarFp, sel_fp<f_to_int>, kP},
    {Op::FCVTZS_scalar, ScalarFp, sel_fp<f_to_int>, kZ},
    {Op::FRECPE_scalar, ScalarFp, sel_fp<f_recip_estimate>},
    {Op::FRECPX, ScalarFp, sel_fp<f_recpx>},
    {Op::FCVTNU_scalar, ScalarFp, sel_fp<f_to_int>, kN, true},
    {Op::FCVTMU_scalar, ScalarFp, sel_fp<f_to_int>, kM, true},
    {Op::FCVTAU_scalar, ScalarFp, sel_fp<f_to_int>, kA, true},
    {Op::UCVTF_scalar, ScalarFp, sel_fp<f_from_int>, kX, true},
    {Op::FCMGE_zero_scalar, ScalarFp, sel_fp<f_cmge_zero>},
    {Op::FCMLE_zero_scalar, ScalarFp, sel_fp<f_cmle_zero>},
    {Op::FCVTPU_scalar, ScalarFp, sel_fp<f_to_int>, kP, true},
    {Op::FCVTZU_scalar, ScalarFp, sel_fp<f_to_int>, kZ, true},
    {Op::FRSQRTE_scalar, ScalarFp, sel_fp<f_rsqrt_estimate>},
};

void prepare(const Decoded& d, Inst& i) {
    const Row* row = nullptr;
    for (const Row& r : kRows)
        if (r.op == d.op) row = &r;
    const unsigned size = d.field('x'), sz = d.field('e'), q = d.field('q');
    i.b2 = row->rounding;
    i.b3 = row->flag;
    switch (row->shape) {
    case Vector: set_simd_operands(d, i, size, vector_elements(d, size)); i.exec = row->select(size); break;
    case Scalar: set_simd_operands(d, i, size, 1); i.exec = row->select(size); break;
    case FixedByte: set_simd_operands(d, i, 0, vector_elements(d, 0)); i.exec = row->select(0); break;
    case Reverse:
        set_simd_operands(d, i, size, vector_elements(d, size));
        i.b2 = row->container;
        i.exec = row->select(size);
        break;
    case PairsLong: set_simd_operands(d, i, size, vector_elements(d, size + 1)); i.exec = row->select(size); break;
    case NarrowVector:
    case ShiftLong:
        set_simd_operands(d, i, size, 8u >> size);
        i.b2 = static_cast<uint8_t>(q);
        i.exec = row->select(size);
        break;
    case NarrowScalar:
        set_simd_operands(d, i, size, 1);
        i.b2 = 0;
        i.exec = row->select(size);
        break;
    case VectorFp: set_simd_operands(d, i, 2 + sz, vector_elements(d, 2 + sz)); i.exec = row->select(sz); break;
    case ScalarFp: set_simd_operands(d, i, 2 + sz, 1); i.exec = row->select(sz); break;
    case FpNarrow:
    case FpNarrowOdd:
    case FpWiden:
        // The narrow elements fill 64 bits: 4 halves from single, 2 singles from double.
        set_simd_operands(d, i, 1 + sz, 4u >> sz);
        i.b2 = static_cast<uint8_t>(q);
        i.exec = row->select(sz);
        break;
    case FpNarrowOddScalar:
        set_simd_operands(d, i, 2, 1);
        i.b2 = 0;
        i.exec = row->select(1);
        break;
    }
}

}  // namespace

void add_simd_two_register_misc(SemanticsTable& t) {
    for (const Row& row : kRows) t.prepare[static_cast<std::size_t>(row.op)] = prepare;
}

}  // namespace trapeze
