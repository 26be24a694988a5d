// Reciprocal and reciprocal square root estimates from the Arm ARM's pseudocode:
// FPRecipEstimate, FPRSqrtEstimate, FPRecpX, UnsignedRecipEstimate, UnsignedRSqrtEstimate, and
// the 9-bit tables behind them (RecipEstimate, RecipSqrtEstimate).
#include "emulator/fp_core.h"

namespace trapeze {
namespace {

using namespace fp;

// RecipEstimate: a in [256, 512) is a fixed-point value in [0.5, 1.0); the result, in [256, 512),
// is 1/a in [1.0, 2.0).
unsigned recip_estimate(unsigned a) {
    a = a * 2 + 1;                 // round to nearest
    const unsigned b = (1u << 19) / a;
    return (b + 1) / 2;            // round to nearest
}

// RecipSqrtEstimate: a in [128, 512) is a fixed-point value in [0.25, 1.0).
unsigned recip_sqrt_estimate(unsigned a) {
    if (a < 256) {
        a = a * 2 + 1;  // units of 1/512, rounded to nearest
    } else {
        a = (a >> 1) << 1;  // discard the bottom bit
        a = (a + 1) * 2;    // units of 1/256, rounded to nearest
    }
    std::uint64_t b = 512;
    while (static_cast<std::uint64_t>(a) * (b + 1) * (b + 1) < (1ull << 28)) ++b;  // b < 2^14 / sqrt(a)
    return static_cast<unsigned>((b + 1) / 2);
}

// The operand's fraction left-aligned in 52 bits and its biased exponent.
template <typename T>
void fraction_and_exponent(T op, std::uint64_t& fraction, int& exp) {
    fraction = (static_cast<std::uint64_t>(op) & frac_mask<T>()) << (52 - Format<T>::F);
    exp = static_cast<int>((op >> Format<T>::F) & ((1u << Format<T>::E) - 1));
}

constexpr std::uint64_t kBit51 = 1ull << 51;
constexpr std::uint64_t kFraction52 = (1ull << 52) - 1;

}  // namespace

template <typename T>
T fp_recip_estimate(T op, FpEnv& env) {
    using Fm = Format<T>;
    const Unpacked u = unpack(op, env);
    if (u.is_nan()) return process_nan(u.type, op, env);
    if (u.is_inf()) return fp_zero<T>(u.sign);
    if (u.is_zero()) {
        env.fpsr |= kFpsrDzc;
        return fp_infinity<T>(u.sign);
    }
    // |value| < 2^-(bias+1): the reciprocal overflows.
    const int top = u.exp + msb_index(u.mant);
    if (top < -(Fm::bias + 1)) {
        bool overflow_to_inf;
        switch (fpcr_rounding(env.fpcr)) {
        case Rounding::TieEven: overflow_to_inf = true; break;
        case Rounding::PosInf: overflow_to_inf = !u.sign; break;
        case Rounding::NegInf: overflow_to_inf = u.sign; break;
        default: overflow_to_inf = false; break;
        }
        env.fpsr |= kFpsrOfc | kFpsrIxc;
        return overflow_to_inf ? fp_infinity<T>(u.sign) : fp_max_normal<T>(u.sign);
    }
    // |value| >= 2^(bias-1) with flush-to-zero: the reciprocal would be denormal.
    if (Fm::N != 16 && (env.fpcr & kFpcrFz) && top >= Fm::bias - 1) {
        env.fpsr |= kFpsrUfc;
        return fp_zero<T>(u.sign);
    }
    std::uint64_t fraction;
    int exp;
    fraction_and_exponent(op, fraction, exp);
    if (exp == 0) {
        if (!(fraction & kBit51)) {
            exp = -1;
            fraction = (fraction << 2) & kFraction52;
        } else {
            fraction = (fraction << 1) & kFraction52;
        }
    }
    const unsigned scaled = 256 | static_cast<unsigned>(fraction >> 44);  // UInt('1':fraction<51:44>)
    int result_exp = 2 * Fm::bias - 1 - exp;                               // 253 - exp for single
    const unsigned estimate = recip_estimate(scaled);
    fraction = static_cast<std::uint64_t>(estimate & 0xff) << 44;
    if (result_exp == 0) {
        fraction = (1ull << 51) | (fraction >> 1);
    } else if (result_exp == -1) {
        fraction = (1ull << 50) | (fraction >> 2);
        result_exp = 0;
    }
    return static_cast<T>(fp_zero<T>(u.sign) | (static_cast<T>(result_exp) << Fm::F) | (fraction >> (52 - Fm::F)));
}

template <typename T>
T fp_rsqrt_estimate(T op, FpEnv& env) {
    using Fm = Format<T>;
    const Unpacked u = unpack(op, env);
    if (u.is_nan()) return process_nan(u.type, op, env);
    if (u.is_zero()) {
        env.fpsr |= kFpsrDzc;
        return fp_infinity<T>(u.sign);
    }
    if (u.sign) {
        env.fpsr |= kFpsrIoc;
        return fp_default_nan<T>();
    }
    if (u.is_inf()) return fp_zero<T>(false);
    std::uint64_t fraction;
    int exp;
    fraction_and_exponent(op, fraction, exp);
    if (exp == 0) {
        while (!(fraction & kBit51)) {
            fraction = (fraction << 1) & kFraction52;
            --exp;
        }
        fraction = (fraction << 1) & kFraction52;
    }
    const unsigned scaled = (exp & 1) == 0 ? 256 | static_cast<unsigned>(fraction >> 44)   // '1':fraction<51:44>
                                           : 128 | static_cast<unsigned>(fraction >> 45);  // '01':fraction<51:45>
    // (3068 - exp) DIV 2 for double: (3 * bias - 1 - exp) / 2, never negative.
    const int result_exp = (3 * Fm::bias - 1 - exp) / 2;
    const unsigned estimate = recip_sqrt_estimate(scaled);
    const std::uint64_t result_fraction = static_cast<std::uint64_t>(estimate & 0xff) << (Fm::F - 8);
    return static_cast<T>((static_cast<T>(result_exp) << Fm::F) | result_fraction);
}

template <typename T>
T fp_recpx(T op, FpEnv& env) {
    using Fm = Format<T>;
    const Unpacked u = unpack(op, env);
    if (u.is_nan()) return process_nan(u.type, op, env);
    const T exp = static_cast<T>((op >> Fm::F) & ((1u << Fm::E) - 1));
    const T max_exp = static_cast<T>((1u << Fm::E) - 2);
    const T sign = static_cast<T>(op & fp_sign_bit<T>());
    if (exp == 0) return static_cast<T>(sign | (max_exp << Fm::F));  // zeros and denormals
    return static_cast<T>(sign | ((~exp & ((1u << Fm::E) - 1)) << Fm::F));
}

std::uint32_t unsigned_recip_estimate(std::uint32_t a) {
    if (!(a >> 31)) return 0xffff'ffff;
    return static_cast<std::uint32_t>(recip_estimate(a >> 23)) << 23;
}

std::uint32_t unsigned_rsqrt_estimate(std::uint32_t a) {
    if (!(a >> 30)) return 0xffff'ffff;
    return static_cast<std::uint32_t>(recip_sqrt_estimate(a >> 23)) << 23;
}

#define TRAPEZE_FP_ESTIMATE(T)                         \
    template T fp_recip_estimate<T>(T, FpEnv&);        \
    template T fp_rsqrt_estimate<T>(T, FpEnv&);        \
    template T fp_recpx<T>(T, FpEnv&);
TRAPEZE_FP_ESTIMATE(std::uint16_t)
TRAPEZE_FP_ESTIMATE(std::uint32_t)
TRAPEZE_FP_ESTIMATE(std::uint64_t)
#undef TRAPEZE_FP_ESTIMATE

}  // namespace trapeze
