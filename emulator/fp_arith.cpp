// FP arithmetic from the Arm ARM's pseudocode: FPAdd, FPSub, FPMul, FPDiv, FPSqrt, FPMulAdd,
// FPMulX, FPRecipStepFused, FPRSqrtStepFused, FPMax/FPMin(Num) and the comparisons. Each works
// on exact values and rounds once, through FPRound.
#include <cmath>

#include "emulator/fp_core.h"

namespace trapeze {
namespace {

using namespace fp;

Real real_of(const Unpacked& u) { return {u.sign, u.exp, u.mant}; }

// a + b exactly (or with a sticky bit, see Real), both non-zero. Returns false for an exact zero.
bool add_reals(const Real& a, const Real& b, Real& out) {
    // The operand with the higher leading bit; when both lead at the same bit, neither loses a
    // bit in the alignment below and the subtraction finds the larger one.
    const bool a_big = a.exp + msb_index(a.mant) >= b.exp + msb_index(b.mant);
    const Real& big = a_big ? a : b;
    const Real& small = a_big ? b : a;
    // The larger operand's leading bit goes to bit 125: room for the carry, and below it at
    // least 19 bits more than any format needs.
    const int shift_big = 125 - msb_index(big.mant);
    const u128 big_m = big.mant << shift_big;
    const int exp = big.exp - shift_big;
    const int shift_small = small.exp - exp;
    const u128 small_m = shift_small >= 0 ? small.mant << shift_small : shift_right_sticky(small.mant, -shift_small);
    if (big.sign == small.sign) {
        out = Real{big.sign, exp, big_m + small_m};
        return true;
    }
    if (big_m == small_m) return false;
    // Equal leading bits: which one is bigger shows only now.
    if (big_m > small_m) out = Real{big.sign, exp, big_m - small_m};
    else out = Real{small.sign, exp, small_m - big_m};
    return true;
}

// ---- FPAdd and FPSub: FPSub negates op2's value, but a NaN op2 propagates unchanged.
template <typename T>
T add_or_sub(T op1, T op2, bool subtract, FpEnv& env) {
    const Rounding rounding = fpcr_rounding(env.fpcr);
    const Unpacked u1 = unpack(op1, env);
    Unpacked u2 = unpack(op2, env);
    T result;
    if (process_nans(u1, u2, op1, op2, result, env)) return result;
    if (subtract) u2.sign = !u2.sign;
    if (u1.is_inf() && u2.is_inf() && u1.sign != u2.sign) {
        env.fpsr |= kFpsrIoc;
        return fp_default_nan<T>();
    }
    if ((u1.is_inf() && !u1.sign) || (u2.is_inf() && !u2.sign)) return fp_infinity<T>(false);
    if ((u1.is_inf() && u1.sign) || (u2.is_inf() && u2.sign)) return fp_infinity<T>(true);
    if (u1.is_zero() && u2.is_zero() && u1.sign == u2.sign) return fp_zero<T>(u1.sign);
    if (u1.is_zero() && u2.is_zero()) return exact_zero_sum<T>(rounding);
    if (u1.is_zero()) return round<T>(real_of(u2), env, rounding);
    if (u2.is_zero()) return round<T>(real_of(u1), env, rounding);
    Real sum;
    if (!add_reals(real_of(u1), real_of(u2), sum)) return exact_zero_sum<T>(rounding);
    return round<T>(sum, env, rounding);
}

// value1 * value2 + addend for finite operands, with the sign of an exact zero decided by the
// rounding mode (the shared tail of FPMulAdd, FPRecipStepFused and FPRSqrtStepFused).
// `halve`: the result is divided by two before rounding (FPRSqrtStepFused).
template <typename T>
T fused_finite(const Unpacked& addend, const Unpacked& u1, const Unpacked& u2, bool halve, FpEnv& env) {
    const Rounding rounding = fpcr_rounding(env.fpcr);
    const bool product_zero = u1.is_zero() || u2.is_zero();
    Real product{static_cast<bool>(u1.sign != u2.sign), u1.exp + u2.exp,
                 static_cast<u128>(u1.mant) * static_cast<u128>(u2.mant)};
    Real sum;
    if (product_zero && addend.is_zero()) return exact_zero_sum<T>(rounding);
    if (product_zero) sum = real_of(addend);
    else if (addend.is_zero()) sum = product;
    else if (!add_reals(real_of(addend), product, sum)) return exact_zero_sum<T>(rounding);
    if (halve) --sum.exp;
    return round<T>(sum, env, rounding);
}

}  // namespace

template <typename T> T pseudocode_add(T a, T b, FpEnv& env) { return add_or_sub(a, b, false, env); }
template <typename T> T pseudocode_sub(T a, T b, FpEnv& env) { return add_or_sub(a, b, true, env); }

template <typename T>
T pseudocode_mul(T op1, T op2, FpEnv& env) {
    T result;
    const Unpacked u1 = unpack(op1, env), u2 = unpack(op2, env);
    if (process_nans(u1, u2, op1, op2, result, env)) return result;
    const bool sign = u1.sign != u2.sign;
    if ((u1.is_inf() && u2.is_zero()) || (u1.is_zero() && u2.is_inf())) {
        env.fpsr |= kFpsrIoc;
        return fp_default_nan<T>();
    }
    if (u1.is_inf() || u2.is_inf()) return fp_infinity<T>(sign);
    if (u1.is_zero() || u2.is_zero()) return fp_zero<T>(sign);
    return round<T>({sign, u1.exp + u2.exp, static_cast<u128>(u1.mant) * u2.mant}, env, fpcr_rounding(env.fpcr));
}

template <typename T>
T fp_mulx(T op1, T op2, FpEnv& env) {
    const Unpacked u1 = unpack(op1, env), u2 = unpack(op2, env);
    T result;
    if (process_nans(u1, u2, op1, op2, result, env)) return result;
    const bool sign = u1.sign != u2.sign;
    if ((u1.is_inf() && u2.is_zero()) || (u1.is_zero() && u2.is_inf())) return fp_number<T>(sign, 1, 0);  // FPTwo
    if (u1.is_inf() || u2.is_inf()) return fp_infinity<T>(sign);
    if (u1.is_zero() || u2.is_zero()) return fp_zero<T>(sign);
    return round<T>({sign, u1.exp + u2.exp, static_cast<u128>(u1.mant) * u2.mant}, env, fpcr_rounding(env.fpcr));
}

template <typename T>
T pseudocode_div(T op1, T op2, FpEnv& env) {
    T result;
    const Unpacked u1 = unpack(op1, env), u2 = unpack(op2, env);
    if (process_nans(u1, u2, op1, op2, result, env)) return result;
    const bool sign = u1.sign != u2.sign;
    if ((u1.is_inf() && u2.is_inf()) || (u1.is_zero() && u2.is_zero())) {
        env.fpsr |= kFpsrIoc;
        return fp_default_nan<T>();
    }
    if (u1.is_inf() || u2.is_zero()) {
        if (!u1.is_inf()) env.fpsr |= kFpsrDzc;
        return fp_infinity<T>(sign);
    }
    if (u1.is_zero() || u2.is_inf()) return fp_zero<T>(sign);
    // Dividend with its leading bit at 116, divisor at 52: a quotient of 64 or 65 bits.
    const int s1 = 116 - msb_index(u1.mant), s2 = 52 - msb_index(u2.mant);
    const u128 dividend = static_cast<u128>(u1.mant) << s1;
    const std::uint64_t divisor = u2.mant << s2;
    const u128 quotient = dividend / divisor;
    const bool rest = dividend % divisor != 0;
    return round<T>({sign, u1.exp - s1 - (u2.exp - s2) - 1, (quotient << 1) | rest}, env, fpcr_rounding(env.fpcr));
}

template <typename T>
T pseudocode_sqrt(T op, FpEnv& env) {
    const Unpacked u = unpack(op, env);
    if (u.is_nan()) return process_nan(u.type, op, env);
    if (u.is_zero()) return fp_zero<T>(u.sign);
    if (u.is_inf() && !u.sign) return fp_infinity<T>(false);
    if (u.sign) {
        env.fpsr |= kFpsrIoc;
        return fp_default_nan<T>();
    }
    // mant * 2^exp with an even exp and mant's leading bit at 124 or 125: a root of 63 bits.
    int exp = u.exp;
    u128 mant = u.mant;
    if (exp & 1) {
        mant <<= 1;
        --exp;
    }
    const int shift = (124 - msb_index(mant)) & ~1;
    mant <<= shift;
    exp -= shift;
    auto root = static_cast<std::uint64_t>(std::sqrt(static_cast<double>(mant)));
    if (root == 0) root = 1;
    root = static_cast<std::uint64_t>((root + mant / root) / 2);  // one Newton step from 53 good bits
    while (static_cast<u128>(root) * root > mant) --root;
    while (static_cast<u128>(root + 1) * (root + 1) <= mant) ++root;
    const bool rest = static_cast<u128>(root) * root != mant;
    return round<T>({false, exp / 2 - 1, (static_cast<u128>(root) << 1) | rest}, env, fpcr_rounding(env.fpcr));
}

template <typename T>
T pseudocode_mul_add(T addend, T op1, T op2, FpEnv& env) {
    const Unpacked ua = unpack(addend, env), u1 = unpack(op1, env), u2 = unpack(op2, env);
    const bool inf_zero = (u1.is_inf() && u2.is_zero()) || (u1.is_zero() && u2.is_inf());
    T result;
    const bool done = process_nans3(ua, u1, u2, addend, op1, op2, result, env);
    if (ua.type == Type::QNaN && inf_zero) {  // a quiet NaN addend does not hide 0 * infinity
        env.fpsr |= kFpsrIoc;
        return fp_default_nan<T>();
    }
    if (done) return result;
    const bool sign_p = u1.sign != u2.sign;
    const bool inf_p = u1.is_inf() || u2.is_inf();
    if (inf_zero || (ua.is_inf() && inf_p && ua.sign != sign_p)) {
        env.fpsr |= kFpsrIoc;
        return fp_default_nan<T>();
    }
    if ((ua.is_inf() && !ua.sign) || (inf_p && !sign_p)) return fp_infinity<T>(false);
    if ((ua.is_inf() && ua.sign) || (inf_p && sign_p)) return fp_infinity<T>(true);
    const bool zero_p = u1.is_zero() || u2.is_zero();
    if (ua.is_zero() && zero_p && ua.sign == sign_p) return fp_zero<T>(ua.sign);
    return fused_finite<T>(ua, u1, u2, false, env);
}

// FRECPS and FRSQRTS: op1 is negated first, so a NaN op1 propagates with its sign flipped.
template <typename T>
T fp_recip_step(T op1, T op2, FpEnv& env) {
    op1 = fp_neg(op1);
    const Unpacked u1 = unpack(op1, env), u2 = unpack(op2, env);
    T result;
    if (process_nans(u1, u2, op1, op2, result, env)) return result;
    if ((u1.is_inf() && u2.is_zero()) || (u1.is_zero() && u2.is_inf())) return fp_number<T>(false, 1, 0);  // 2.0
    if (u1.is_inf() || u2.is_inf()) return fp_infinity<T>(u1.sign != u2.sign);
    const Unpacked two = unpack(fp_number<T>(false, 1, 0), env);
    return fused_finite<T>(two, u1, u2, false, env);
}

template <typename T>
T fp_rsqrt_step(T op1, T op2, FpEnv& env) {
    op1 = fp_neg(op1);
    const Unpacked u1 = unpack(op1, env), u2 = unpack(op2, env);
    T result;
    if (process_nans(u1, u2, op1, op2, result, env)) return result;
    if ((u1.is_inf() && u2.is_zero()) || (u1.is_zero() && u2.is_inf()))
        return fp_number<T>(false, 0, quiet_bit<T>());  // 1.5
    if (u1.is_inf() || u2.is_inf()) return fp_infinity<T>(u1.sign != u2.sign);
    const Unpacked three = unpack(fp_number<T>(false, 1, quiet_bit<T>()), env);
    return fused_finite<T>(three, u1, u2, true, env);
}

// ---- Minimum and maximum

namespace {

// The ordering of two non-NaN operands: -1, 0 or 1 (flushed denormals are zeros).
template <typename T>
int compare_values(T op1, const Unpacked& u1, T op2, const Unpacked& u2) {
    auto key = [](T bits, const Unpacked& u) -> std::int64_t {
        const std::int64_t magnitude = u.is_zero() ? 0 : static_cast<std::int64_t>(fp_abs(bits));
        return u.sign ? -magnitude : magnitude;
    };
    const std::int64_t k1 = key(op1, u1), k2 = key(op2, u2);
    return k1 < k2 ? -1 : k1 > k2 ? 1 : 0;
}

template <typename T>
T max_or_min(T op1, T op2, bool is_max, FpEnv& env) {
    const Unpacked u1 = unpack(op1, env), u2 = unpack(op2, env);
    T result;
    if (process_nans(u1, u2, op1, op2, result, env)) return result;
    const int order = compare_values(op1, u1, op2, u2);
    const bool first = is_max ? order > 0 : order < 0;
    const Unpacked& u = first ? u1 : u2;
    if (u.is_inf()) return fp_infinity<T>(u.sign);
    // Zeros: the most positive sign for the maximum, the most negative for the minimum.
    if (u.is_zero()) return fp_zero<T>(is_max ? (u1.sign && u2.sign) : (u1.sign || u2.sign));
    // FPRound(value) of a value of the format is the value itself.
    return round<T>(real_of(u), env, fpcr_rounding(env.fpcr));
}

// FPMaxNum and FPMinNum: a single quiet NaN loses to any number (it counts as -inf for the
// maximum, +inf for the minimum); signalling NaNs still propagate through FPMax/FPMin.
template <typename T>
T max_or_min_num(T op1, T op2, bool is_max, FpEnv& env) {
    const Type t1 = unpack(op1, env).type, t2 = unpack(op2, env).type;
    if (t1 == Type::QNaN && t2 != Type::QNaN) op1 = fp_infinity<T>(is_max);
    else if (t1 != Type::QNaN && t2 == Type::QNaN) op2 = fp_infinity<T>(is_max);
    return max_or_min(op1, op2, is_max, env);
}

}  // namespace

template <typename T> T fp_max(T a, T b, FpEnv& env) { return max_or_min(a, b, true, env); }
template <typename T> T fp_min(T a, T b, FpEnv& env) { return max_or_min(a, b, false, env); }
template <typename T> T fp_max_num(T a, T b, FpEnv& env) { return max_or_min_num(a, b, true, env); }
template <typename T> T fp_min_num(T a, T b, FpEnv& env) { return max_or_min_num(a, b, false, env); }

// ---- Comparisons

template <typename T>
std::uint32_t pseudocode_compare(T op1, T op2, bool signal_nans, FpEnv& env) {
    const Unpacked u1 = unpack(op1, env), u2 = unpack(op2, env);
    if (u1.is_nan() || u2.is_nan()) {
        if (u1.type == Type::SNaN || u2.type == Type::SNaN || signal_nans) env.fpsr |= kFpsrIoc;
        return kFlagC | kFlagV;  // unordered: 0011
    }
    const int order = compare_values(op1, u1, op2, u2);
    if (order == 0) return kFlagZ | kFlagC;  // 0110
    return order < 0 ? kFlagN : kFlagC;       // 1000 : 0010
}

template <typename T>
bool fp_compare_eq(T op1, T op2, FpEnv& env) {
    const Unpacked u1 = unpack(op1, env), u2 = unpack(op2, env);
    if (u1.is_nan() || u2.is_nan()) {
        if (u1.type == Type::SNaN || u2.type == Type::SNaN) env.fpsr |= kFpsrIoc;
        return false;
    }
    return compare_values(op1, u1, op2, u2) == 0;
}

template <typename T>
bool fp_compare_ge(T op1, T op2, FpEnv& env) {
    const Unpacked u1 = unpack(op1, env), u2 = unpack(op2, env);
    if (u1.is_nan() || u2.is_nan()) {
        env.fpsr |= kFpsrIoc;
        return false;
    }
    return compare_values(op1, u1, op2, u2) >= 0;
}

template <typename T>
bool fp_compare_gt(T op1, T op2, FpEnv& env) {
    const Unpacked u1 = unpack(op1, env), u2 = unpack(op2, env);
    if (u1.is_nan() || u2.is_nan()) {
        env.fpsr |= kFpsrIoc;
        return false;
    }
    return compare_values(op1, u1, op2, u2) > 0;
}

#define TRAPEZE_FP_ARITH(T)                                                   \
    template T pseudocode_add<T>(T, T, FpEnv&);                               \
    template T pseudocode_sub<T>(T, T, FpEnv&);                               \
    template T pseudocode_mul<T>(T, T, FpEnv&);                               \
    template T pseudocode_div<T>(T, T, FpEnv&);                               \
    template T pseudocode_sqrt<T>(T, FpEnv&);                                 \
    template T pseudocode_mul_add<T>(T, T, T, FpEnv&);                        \
    template T fp_mulx<T>(T, T, FpEnv&);                                      \
    template T fp_recip_step<T>(T, T, FpEnv&);                                \
    template T fp_rsqrt_step<T>(T, T, FpEnv&);                                \
    template T fp_max<T>(T, T, FpEnv&);                                       \
    template T fp_min<T>(T, T, FpEnv&);                                       \
    template T fp_max_num<T>(T, T, FpEnv&);                                   \
    template T fp_min_num<T>(T, T, FpEnv&);                                   \
    template std::uint32_t pseudocode_compare<T>(T, T, bool, FpEnv&);         \
    template bool fp_compare_eq<T>(T, T, FpEnv&);                             \
    template bool fp_compare_ge<T>(T, T, FpEnv&);                             \
    template bool fp_compare_gt<T>(T, T, FpEnv&);
TRAPEZE_FP_ARITH(std::uint16_t)
TRAPEZE_FP_ARITH(std::uint32_t)
TRAPEZE_FP_ARITH(std::uint64_t)
#undef TRAPEZE_FP_ARITH

}  // namespace trapeze
