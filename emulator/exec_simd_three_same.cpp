// Semantics of Advanced SIMD three same (C4.1.95), vector and scalar: integer arithmetic,
// halving, saturating, compares, shifts by register (rounding, saturating), min/max, absolute
// difference, multiply(-accumulate), pairwise, logical and bitwise selects; and the FP vector
// arithmetic (FADD, FMLA, FMAXNM, FCMxx, FACxx, FRECPS, FDIV, the pairwise forms...).
#include <algorithm>

#include "emulator/exec_simd_lanes.h"

namespace trapeze {
namespace {

using std::uint64_t;
using std::uint8_t;

// ---- Lane functions: elements arrive as unsigned T; signed operations reinterpret them.

template <bool Signed, bool Round>
constexpr auto halving_add = [](auto a, auto b) { return (as_int<Signed>(a) + as_int<Signed>(b) + Round) >> 1; };
template <bool Signed>
constexpr auto halving_sub = [](auto a, auto b) { return (as_int<Signed>(a) - as_int<Signed>(b)) >> 1; };

template <bool Signed>
constexpr auto sat_add = [](auto a, auto b, bool& sat) {
    using T = decltype(a);
    const __int128 sum = as_int<Signed>(a) + as_int<Signed>(b);
    return Signed ? signed_sat<T>(sum, sat) : unsigned_sat<T>(sum, sat);
};
template <bool Signed>
constexpr auto sat_sub = [](auto a, auto b, bool& sat) {
    using T = decltype(a);
    const __int128 difference = as_int<Signed>(a) - as_int<Signed>(b);
    return Signed ? signed_sat<T>(difference, sat) : unsigned_sat<T>(difference, sat);
};

template <typename T>
constexpr T mask(bool condition) {
    return condition ? static_cast<T>(~T{0}) : T{0};
}
template <bool Signed>
constexpr auto compare_gt = [](auto a, auto b) { return mask<decltype(a)>(as_int<Signed>(a) > as_int<Signed>(b)); };
template <bool Signed>
constexpr auto compare_ge = [](auto a, auto b) { return mask<decltype(a)>(as_int<Signed>(a) >= as_int<Signed>(b)); };
constexpr auto compare_eq = [](auto a, auto b) { return mask<decltype(a)>(a == b); };
constexpr auto test_bits = [](auto a, auto b) { return mask<decltype(a)>((a & b) != 0); };

// SSHL, USHL, SRSHL, URSHL and their saturating forms: the shift is the signed low byte of
// the second operand; a negative one shifts right (rounding for the R forms), never saturating.
template <bool Signed, bool Round, bool Saturate>
constexpr auto shift_by_register = [](auto a, auto b, bool& sat) {
    using T = decltype(a);
    constexpr int esize = static_cast<int>(bits_of<T>());
    const int shift = static_cast<std::int8_t>(b & 0xff);
    const __int128 value = as_int<Signed>(a);
    if (shift < 0) {
        const __int128 shifted = shift_right_round(value, static_cast<unsigned>(-shift), Round);
        if (!Saturate) return static_cast<T>(shifted);
        return Signed ? signed_sat<T>(shifted, sat) : unsigned_sat<T>(shifted, sat);
    }
    if (!Saturate) return shift >= esize ? T{0} : static_cast<T>(static_cast<uint64_t>(a) << shift);
    if (value == 0) return T{0};
    // From 64 on, any non-zero value saturates.
    const __int128 shifted = shift_left_for_saturation(value, static_cast<unsigned>(std::min(shift, 64)));
    return Signed ? signed_sat<T>(shifted, sat) : unsigned_sat<T>(shifted, sat);
};

template <bool Signed>
constexpr auto maximum = [](auto a, auto b) { return as_int<Signed>(a) >= as_int<Signed>(b) ? a : b; };
template <bool Signed>
constexpr auto minimum = [](auto a, auto b) { return as_int<Signed>(a) <= as_int<Signed>(b) ? a : b; };
template <bool Signed>
constexpr auto absolute_difference = [](auto a, auto b) {
    const __int128 difference = as_int<Signed>(a) - as_int<Signed>(b);
    return difference < 0 ? -difference : difference;
};
template <bool Signed>
constexpr auto absolute_difference_acc = [](auto acc, auto a, auto b) {
    return acc + absolute_difference<Signed>(a, b);
};

constexpr auto add = [](auto a, auto b) { return static_cast<uint64_t>(a) + b; };
constexpr auto sub = [](auto a, auto b) { return static_cast<uint64_t>(a) - b; };
constexpr auto mul = [](auto a, auto b) { return static_cast<uint64_t>(a) * b; };
constexpr auto mla = [](auto acc, auto a, auto b) { return acc + static_cast<uint64_t>(a) * b; };
constexpr auto mls = [](auto acc, auto a, auto b) { return acc - static_cast<uint64_t>(a) * b; };

// PMUL: polynomial multiplication over GF(2) of bytes, the low 8 bits.
constexpr auto poly_mul = [](auto a, auto b) {
    unsigned result = 0;
    for (unsigned i = 0; i < 8; ++i)
        if ((b >> i) & 1) result ^= static_cast<unsigned>(a) << i;
    return result;
};

// SQDMULH, SQRDMULH: the high half of 2 * a * b, rounded for SQRDMULH, saturated.
template <bool Round>
constexpr auto doubling_mul_high = [](auto a, auto b, bool& sat) {
    using T = decltype(a);
    constexpr unsigned esize = bits_of<T>();
    const __int128 product = 2 * as_int<true>(a) * as_int<true>(b) + (Round ? __int128{1} << (esize - 1) : 0);
    return signed_sat<T>(product >> esize, sat);
};

// Bitwise operations of the logical rows, on 64-bit lanes.
constexpr auto bit_and = [](auto a, auto b) { return a & b; };
constexpr auto bit_bic = [](auto a, auto b) { return a & ~b; };
constexpr auto bit_orr = [](auto a, auto b) { return a | b; };
constexpr auto bit_orn = [](auto a, auto b) { return a | ~b; };
constexpr auto bit_eor = [](auto a, auto b) { return a ^ b; };
// BSL: Vd selects Vn where set, Vm where clear; BIT inserts Vn where Vm is set, BIF where clear.
constexpr auto bit_bsl = [](auto d, auto n, auto m) { return (d & n) | (~d & m); };
constexpr auto bit_bit = [](auto d, auto n, auto m) { return (m & n) | (~m & d); };
constexpr auto bit_bif = [](auto d, auto n, auto m) { return (~m & n) | (m & d); };

// ---- FP lane functions.
constexpr auto f_add = [](auto a, auto b, FpEnv& env) { return fp_add(a, b, env); };
constexpr auto f_sub = [](auto a, auto b, FpEnv& env) { return fp_sub(a, b, env); };
constexpr auto f_mul = [](auto a, auto b, FpEnv& env) { return fp_mul(a, b, env); };
constexpr auto f_div = [](auto a, auto b, FpEnv& env) { return fp_div(a, b, env); };
constexpr auto f_mulx = [](auto a, auto b, FpEnv& env) { return fp_mulx(a, b, env); };
constexpr auto f_max = [](auto a, auto b, FpEnv& env) { return fp_max(a, b, env); };
constexpr auto f_min = [](auto a, auto b, FpEnv& env) { return fp_min(a, b, env); };
constexpr auto f_max_num = [](auto a, auto b, FpEnv& env) { return fp_max_num(a, b, env); };
constexpr auto f_min_num = [](auto a, auto b, FpEnv& env) { return fp_min_num(a, b, env); };
constexpr auto f_recip_step = [](auto a, auto b, FpEnv& env) { return fp_recip_step(a, b, env); };
constexpr auto f_rsqrt_step = [](auto a, auto b, FpEnv& env) { return fp_rsqrt_step(a, b, env); };
constexpr auto f_abd = [](auto a, auto b, FpEnv& env) { return fp_abs(fp_sub(a, b, env)); };
constexpr auto f_cmeq = [](auto a, auto b, FpEnv& env) { return mask<decltype(a)>(fp_compare_eq(a, b, env)); };
constexpr auto f_cmge = [](auto a, auto b, FpEnv& env) { return mask<decltype(a)>(fp_compare_ge(a, b, env)); };
constexpr auto f_cmgt = [](auto a, auto b, FpEnv& env) { return mask<decltype(a)>(fp_compare_gt(a, b, env)); };
constexpr auto f_acge = [](auto a, auto b, FpEnv& env) {
    return mask<decltype(a)>(fp_compare_ge(fp_abs(a), fp_abs(b), env));
};
constexpr auto f_acgt = [](auto a, auto b, FpEnv& env) {
    return mask<decltype(a)>(fp_compare_gt(fp_abs(a), fp_abs(b), env));
};
// FMLA, FMLS: FPMulAdd(Vd, Vn, Vm), with Vn negated for FMLS.
constexpr auto f_mla = [](auto acc, auto a, auto b, FpEnv& env) { return fp_mul_add(acc, a, b, env); };
constexpr auto f_mls = [](auto acc, auto a, auto b, FpEnv& env) { return fp_mul_add(acc, fp_neg(a), b, env); };

// ---- The rows: how each op picks its instance, and whether it is vector, scalar or pairwise.
enum class Shape : uint8_t { Vector, Scalar, Pairwise, Logical, VectorFp, ScalarFp, PairwiseFp };
using Select = ExecFn (*)(unsigned size);

struct Row {
    Op op;
    Shape shape;
    Select select;
};

template <auto F> ExecFn sel_map2(unsigned size) { return TRAPEZE_BY_SIZE(map2, F, size); }
template <auto F> ExecFn sel_map2_sat(unsigned size) { return TRAPEZE_BY_SIZE(map2_sat, F, size); }
template <auto F> ExecFn sel_map2_acc(unsigned size) { return TRAPEZE_BY_SIZE(map2_acc, F, size); }
template <auto F> ExecFn sel_pairwise(unsigned size) { return TRAPEZE_BY_SIZE(pairwise, F, size); }
template <auto F> ExecFn sel_logical(unsigned) { return map2<uint64_t, F>; }
template <auto F> ExecFn sel_logical_acc(unsigned) { return map2_acc<uint64_t, F>; }
template <auto F> ExecFn sel_fp(unsigned sz) { return TRAPEZE_BY_SZ(map2_fp, F, sz); }
template <auto F> ExecFn sel_fp_acc(unsigned sz) { return TRAPEZE_BY_SZ(map2_acc_fp, F, sz); }
template <auto F> ExecFn sel_fp_pairwise(unsigned sz) { return TRAPEZE_BY_SZ(pairwise_fp, F, sz); }

template <bool S, bool R, bool Q>
constexpr auto shl = shift_by_register<S, R, Q>;

using enum Shape;
const Row kRows[] = {
    {Op::SHADD, Vector, sel_map2<halving_add<true, false>>},
    {Op::SQADD, Vector, sel_map2_sat<sat_add<true>>},
    {Op::SRHADD, Vector, sel_map2<halving_add<true, true>>},
    {Op::SHSUB, Vector, sel_map2<halving_sub<true>>},
    {Op::SQSUB, Vector, sel_map2_sat<sat_sub<true>>},
    {Op::CMGT, Vector, sel_map2<compare_gt<true>>},
    {Op::CMGE, Vector, sel_map2<compare_ge<true>>},
    {Op::SSHL, Vector, sel_map2_sat<shl<true, false, false>>},
    {Op::SQSHL, Vector, sel_map2_sat<shl<true, false, true>>},
    {Op::SRSHL, Vector, sel_map2_sat<shl<true, true, false>>},
    {Op::SQRSHL, Vector, sel_map2_sat<shl<true, true, true>>},
    {Op::SMAX, Vector, sel_map2<maximum<true>>},
    {Op::SMIN, Vector, sel_map2<minimum<true>>},
    {Op::SABD, Vector, sel_map2<absolute_difference<true>>},
    {Op::SABA, Vector, sel_map2_acc<absolute_difference_acc<true>>},
    {Op::ADD_v, Vector, sel_map2<add>},
    {Op::CMTST, Vector, sel_map2<test_bits>},
    {Op::MLA, Vector, sel_map2_acc<mla>},
    {Op::MUL, Vector, sel_map2<mul>},
    {Op::SMAXP, Pairwise, sel_pairwise<maximum<true>>},
    {Op::SMINP, Pairwise, sel_pairwise<minimum<true>>},
    {Op::SQDMULH, Vector, sel_map2_sat<doubling_mul_high<false>>},
    {Op::ADDP, Pairwise, sel_pairwise<add>},
    {Op::UHADD, Vector, sel_map2<halving_add<false, false>>},
    {Op::UQADD, Vector, sel_map2_sat<sat_add<false>>},
    {Op::URHADD, Vector, sel_map2<halving_add<false, true>>},
    {Op::UHSUB, Vector, sel_map2<halving_sub<false>>},
    {Op::UQSUB, Vector, sel_map2_sat<sat_sub<false>>},
    {Op::CMHI, Vector, sel_map2<compare_gt<false>>},
    {Op::CMHS, Vector, sel_map2<compare_ge<false>>},
    {Op::USHL, Vector, sel_map2_sat<shl<false, false, false>>},
    {Op::UQSHL, Vector, sel_map2_sat<shl<false, false, true>>},
    {Op::URSHL, Vector, sel_map2_sat<shl<false, true, false>>},
    {Op::UQRSHL, Vector, sel_map2_sat<shl<false, true, true>>},
    {Op::UMAX, Vector, sel_map2<maximum<false>>},
    {Op::UMIN, Vector, sel_map2<minimum<false>>},
    {Op::UABD, Vector, sel_map2<absolute_difference<false>>},
    {Op::UABA, Vector, sel_map2_acc<absolute_difference_acc<false>>},
    {Op::SUB_v, Vector, sel_map2<sub>},
    {Op::CMEQ, Vector, sel_map2<compare_eq>},
    {Op::MLS, Vector, sel_map2_acc<mls>},
    {Op::PMUL, Vector, sel_map2<poly_mul>},
    {Op::UMAXP, Pairwise, sel_pairwise<maximum<false>>},
    {Op::UMINP, Pairwise, sel_pairwise<minimum<false>>},
    {Op::SQRDMULH, Vector, sel_map2_sat<doubling_mul_high<true>>},
    {Op::AND_v, Logical, sel_logical<bit_and>},
    {Op::BIC_v, Logical, sel_logical<bit_bic>},
    {Op::ORR_v, Logical, sel_logical<bit_orr>},
    {Op::ORN_v, Logical, sel_logical<bit_orn>},
    {Op::EOR_v, Logical, sel_logical<bit_eor>},
    {Op::BSL, Logical, sel_logical_acc<bit_bsl>},
    {Op::BIT, Logical, sel_logical_acc<bit_bit>},
    {Op::BIF, Logical, sel_logical_acc<bit_bif>},
    {Op::FMAXNM_v, VectorFp, sel_fp<f_max_num>},
    {Op::FMLA_v, VectorFp, sel_fp_acc<f_mla>},
    {Op::FADD_v, VectorFp, sel_fp<f_add>},
    {Op::FMULX_v, VectorFp, sel_fp<f_mulx>},
    {Op::FCMEQ_v, VectorFp, sel_fp<f_cmeq>},
    {Op::FMAX_v, VectorFp, sel_fp<f_max>},
    {Op::FRECPS_v, VectorFp, sel_fp<f_recip_step>},
    {Op::FMINNM_v, VectorFp, sel_fp<f_min_num>},
    {Op::FMLS_v, VectorFp, sel_fp_acc<f_mls>},
    {Op::FSUB_v, VectorFp, sel_fp<f_sub>},
    {Op::FMIN_v, VectorFp, sel_fp<f_min>},
    {Op::FRSQRTS_v, VectorFp, sel_fp<f_rsqrt_step>},
    {Op::FMAXNMP_v, PairwiseFp, sel_fp_pairwise<f_max_num>},
    {Op::FADDP_v, PairwiseFp, sel_fp_pairwise<f_add>},
    {Op::FMUL_v, VectorFp, sel_fp<f_mul>},
    {Op::FCMGE_v, VectorFp, sel_fp<f_cmge>},
    {Op::FACGE_v, VectorFp, sel_fp<f_acge>},
    {Op::FMAXP_v, PairwiseFp, sel_fp_pairwise<f_max>},
    {Op::FDIV_v, VectorFp, sel_fp<f_div>},
    {Op::FMINNMP_v, PairwiseFp, sel_fp_pairwise<f_min_num>},
    {Op::FABD_v, VectorFp, sel_fp<f_abd>},
    {Op::FCMGT_v, VectorFp, sel_fp<f_cmgt>},
    {Op::FACGT_v, VectorFp, sel_fp<f_acgt>},
    {Op::FMINP_v, PairwiseFp, sel_fp_pairwise<f_min>},
    // Scalar three same
    {Op::SQADD_scalar, Scalar, sel_map2_sat<sat_add<true>>},
    {Op::SQSUB_scalar, Scalar, sel_map2_sat<sat_sub<true>>},
    {Op::CMGT_scalar, Scalar, sel_map2<compare_gt<true>>},
    {Op::CMGE_scalar, Scalar, sel_map2<compare_ge<true>>},
    {Op::SSHL_scalar, Scalar, sel_map2_sat<shl<true, false, false>>},
    {Op::SQSHL_scalar, Scalar, sel_map2_sat<shl<true, false, true>>},
    {Op::SRSHL_scalar, Scalar, sel_map2_sat<shl<true, true, false>>},
    {Op::SQRSHL_scalar, Scalar, sel_map2_sat<shl<true, true, true>>},
    {Op::ADD_scalar, Scalar, sel_map2<add>},
    {Op::CMTST_scalar, Scalar, sel_map2<test_bits>},
    {Op::SQDMULH_scalar, Scalar, sel_map2_sat<doubling_mul_high<false>>},
    {Op::UQADD_scalar, Scalar, sel_map2_sat<sat_add<false>>},
    {Op::UQSUB_scalar, Scalar, sel_map2_sat<sat_sub<false>>},
    {Op::CMHI_scalar, Scalar, sel_map2<compare_gt<false>>},
    {Op::CMHS_scalar, Scalar, sel_map2<compare_ge<false>>},
    {Op::USHL_scalar, Scalar, sel_map2_sat<shl<false, false, false>>},
    {Op::UQSHL_scalar, Scalar, sel_map2_sat<shl<false, false, true>>},
    {Op::URSHL_scalar, Scalar, sel_map2_sat<shl<false, true, false>>},
    {Op::UQRSHL_scalar, Scalar, sel_map2_sat<shl<false, true, true>>},
    {Op::SUB_scalar, Scalar, sel_map2<sub>},
    {Op::CMEQ_scalar, Scalar, sel_map2<compare_eq>},
    {Op::SQRDMULH_scalar, Scalar, sel_map2_sat<doubling_mul_high<true>>},
    {Op::FMULX_scalar, ScalarFp, sel_fp<f_mulx>},
    {Op::FCMEQ_scalar, ScalarFp, sel_fp<f_cmeq>},
    {Op::FRECPS_scalar, ScalarFp, sel_fp<f_recip_step>},
    {Op::FRSQRTS_scalar, ScalarFp, sel_fp<f_rsqrt_step>},
    {Op::FCMGE_scalar, ScalarFp, sel_fp<f_cmge>},
    {Op::FACGE_scalar, ScalarFp, sel_fp<f_acge>},
    {Op::FABD_scalar, ScalarFp, sel_fp<f_abd>},
    {Op::FCMGT_scalar, ScalarFp, sel_fp<f_cmgt>},
    {Op::FACGT_scalar, ScalarFp, sel_fp<f_acgt>},
};

const Row& row_of(Op op) {
    for (const Row& row : kRows)
        if (row.op == op) return row;
    return kRows[0];  // every op registered below has a row
}

// One preparer for the whole class: the row says how the element size and count follow.
void prepare(const Decoded& d, Inst& i) {
    const Row& row = row_of(d.op);
    switch (row.shape) {
    case Vector:
    case Pairwise: {
        const unsigned size = d.field('x');
        set_simd_operands(d, i, size, vector_elements(d, size));
        i.exec = row.select(size);
        break;
    }
    case Scalar:
        set_simd_operands(d, i, d.field('x'), 1);
        i.exec = row.select(d.field('x'));
        break;
    case Logical:
        set_simd_operands(d, i, 3, d.field('q') ? 2 : 1);
        i.exec = row.select(3);
        break;
    case VectorFp:
    case PairwiseFp: {
        const unsigned sz = d.field('e');
        set_simd_operands(d, i, 2 + sz, vector_elements(d, 2 + sz));
        i.exec = row.select(sz);
        break;
    }
    case ScalarFp:
        set_simd_operands(d, i, 2 + d.field('e'), 1);
        i.exec = row.select(d.field('e'));
        break;
    }
}

}  // namespace

void add_simd_three_same(SemanticsTable& t) {
    for (const Row& row : kRows) t.prepare[static_cast<std::size_t>(row.op)] = prepare;
}

}  // namespace trapeze
