// The core of the FP pseudocode, shared by the fp_*.cpp files: the formats, FPUnpack, FPRound,
// the exact "real" values the pseudocode computes with, and NaN processing.
#pragma once

#include <bit>
#include <cstdint>

#include "emulator/fp.h"

namespace trapeze::fp {

using u128 = unsigned __int128;

// Format parameters: E exponent bits, F fraction bits, the minimum normal exponent.
template <typename T> struct Format;
template <> struct Format<std::uint16_t> {
    static constexpr int N = 16, E = 5, F = 10, min_exp = -14, bias = 15;
};
template <> struct Format<std::uint32_t> {
    static constexpr int N = 32, E = 8, F = 23, min_exp = -126, bias = 127;
};
template <> struct Format<std::uint64_t> {
    static constexpr int N = 64, E = 11, F = 52, min_exp = -1022, bias = 1023;
};

template <typename T> constexpr T frac_mask() { return static_cast<T>((T{1} << Format<T>::F) - 1); }
template <typename T> constexpr T exp_mask() {
    return static_cast<T>(((T{1} << Format<T>::E) - 1) << Format<T>::F);
}
template <typename T> constexpr T quiet_bit() { return static_cast<T>(T{1} << (Format<T>::F - 1)); }
template <typename T> constexpr T fp_zero(bool sign) { return sign ? fp_sign_bit<T>() : T{0}; }
template <typename T> constexpr T fp_infinity(bool sign) { return static_cast<T>(fp_zero<T>(sign) | exp_mask<T>()); }
template <typename T> constexpr T fp_max_normal(bool sign) {
    return static_cast<T>(fp_zero<T>(sign) | (exp_mask<T>() - (T{1} << Format<T>::F)) | frac_mask<T>());
}
template <typename T> constexpr T fp_default_nan() { return static_cast<T>(exp_mask<T>() | quiet_bit<T>()); }
// FPOnePointFive, FPTwo, FPThree: exponent bias (+1), fraction as given.
template <typename T> constexpr T fp_number(bool sign, int exponent, T fraction) {
    return static_cast<T>(fp_zero<T>(sign) | (static_cast<T>(Format<T>::bias + exponent) << Format<T>::F) | fraction);
}

enum class Type : std::uint8_t { Zero, Nonzero, Infinity, QNaN, SNaN };

// An unpacked operand: for Nonzero, value = (-1)^sign * mant * 2^exp exactly.
struct Unpacked {
    Type type;
    bool sign;
    int exp;
    std::uint64_t mant;
    bool is_nan() const { return type == Type::QNaN || type == Type::SNaN; }
    bool is_zero() const { return type == Type::Zero; }
    bool is_inf() const { return type == Type::Infinity; }
};

// FPUnpack (alt_half = false: FPCR.AHP is ignored) or FPUnpackCV (alt_half = FPCR.AHP).
// A denormal input with FPCR.FZ set is zero and raises Input Denormal; half precision has no
// flush-to-zero without FEAT_FP16 (FPCR.FZ16).
template <typename T>
inline Unpacked unpack(T bits, FpEnv& env, bool alt_half = false) {
    using Fm = Format<T>;
    const bool sign = (bits >> (Fm::N - 1)) & 1;
    const int exp = static_cast<int>((bits >> Fm::F) & ((1u << Fm::E) - 1));
    const std::uint64_t frac = bits & frac_mask<T>();
    if (exp == 0) {
        if (frac == 0) return {Type::Zero, sign, 0, 0};
        if (Fm::N != 16 && (env.fpcr & kFpcrFz)) {
            env.fpsr |= kFpsrIdc;
            return {Type::Zero, sign, 0, 0};
        }
        return {Type::Nonzero, sign, Fm::min_exp - Fm::F, frac};
    }
    if (exp == (1 << Fm::E) - 1 && !(Fm::N == 16 && alt_half)) {
        if (frac == 0) return {Type::Infinity, sign, 0, 0};
        return {(frac & quiet_bit<T>()) ? Type::QNaN : Type::SNaN, sign, 0, 0};
    }
    return {Type::Nonzero, sign, exp - Fm::bias - Fm::F, frac | (std::uint64_t{1} << Fm::F)};
}

// FPProcessNaN: a signalling NaN becomes quiet and raises Invalid Operation; DN gives the default NaN.
template <typename T>
inline T process_nan(Type type, T op, FpEnv& env) {
    T result = op;
    if (type == Type::SNaN) {
        result = static_cast<T>(result | quiet_bit<T>());
        env.fpsr |= kFpsrIoc;
    }
    if (env.fpcr & kFpcrDn) result = fp_default_nan<T>();
    return result;
}

// FPProcessNaNs: signalling NaNs first, then quiet ones, each in operand order. Returns whether
// an operand was a NaN (the result is then in `result`).
template <typename T>
inline bool process_nans(const Unpacked& u1, const Unpacked& u2, T op1, T op2, T& result, FpEnv& env) {
    if (u1.type == Type::SNaN) result = process_nan(u1.type, op1, env);
    else if (u2.type == Type::SNaN) result = process_nan(u2.type, op2, env);
    else if (u1.type == Type::QNaN) result = process_nan(u1.type, op1, env);
    else if (u2.type == Type::QNaN) result = process_nan(u2.type, op2, env);
    else return false;
    return true;
}

// FPProcessNaNs3.
template <typename T>
inline bool process_nans3(const Unpacked& u1, const Unpacked& u2, const Unpacked& u3, T op1, T op2, T op3, T& result,
                          FpEnv& env) {
    if (u1.type == Type::SNaN) result = process_nan(u1.type, op1, env);
    else if (u2.type == Type::SNaN) result = process_nan(u2.type, op2, env);
    else if (u3.type == Type::SNaN) result = process_nan(u3.type, op3, env);
    else if (u1.type == Type::QNaN) result = process_nan(u1.type, op1, env);
    else if (u2.type == Type::QNaN) result = process_nan(u2.type, op2, env);
    else if (u3.type == Type::QNaN) result = process_nan(u3.type, op3, env);
    else return false;
    return true;
}

// A real number as the pseudocode computes it: (-1)^sign * mant * 2^exp, mant != 0. When a
// computation cannot keep every bit, it keeps at least the format's precision plus two bits
// and ORs whatever it dropped into bit 0 (the sticky bit), which rounds the same way.
struct Real {
    bool sign;
    int exp;
    u128 mant;
};

inline int msb_index(u128 v) {
    const auto hi = static_cast<std::uint64_t>(v >> 64);
    return hi ? 127 - std::countl_zero(hi) : 63 - std::countl_zero(static_cast<std::uint64_t>(v));
}

// Shift right, ORing the bits shifted out into bit 0.
inline u128 shift_right_sticky(u128 v, int amount) {
    if (amount <= 0) return v;
    if (amount >= 128) return v != 0;
    const u128 dropped = v & ((u128{1} << amount) - 1);
    return (v >> amount) | (dropped != 0);
}

// How the bits below the result's last place compare with half of it.
enum class Error : std::uint8_t { Zero, BelowHalf, Half, AboveHalf };

// Split mant * 2^-shift into its integer part and the rounding error (shift > 0).
inline std::uint64_t split(u128 mant, int shift, Error& error) {
    if (shift <= 0) {
        error = Error::Zero;
        return static_cast<std::uint64_t>(mant << -shift);
    }
    u128 kept, rem;
    if (shift >= 128) {
        kept = 0;
        rem = mant;
    } else {
        kept = mant >> shift;
        rem = mant & ((u128{1} << shift) - 1);
    }
    if (rem == 0) error = Error::Zero;
    else if (shift > 128) error = Error::BelowHalf;  // mant < 2^128 <= half
    else {
        const u128 half = u128{1} << (shift - 1);
        error = rem < half ? Error::BelowHalf : rem == half ? Error::Half : Error::AboveHalf;
    }
    return static_cast<std::uint64_t>(kept);
}

// Whether a rounding mode increments a magnitude (sign: of the value; odd: the kept value's
// bit 0). Rounding::Odd rounds towards zero here and sets bit 0 afterwards.
inline bool round_up(Rounding rounding, bool sign, bool odd, Error error) {
    switch (rounding) {
    case Rounding::TieEven: return error == Error::AboveHalf || (error == Error::Half && odd);
    case Rounding::TieAway: return error == Error::AboveHalf || error == Error::Half;
    case Rounding::PosInf: return error != Error::Zero && !sign;
    case Rounding::NegInf: return error != Error::Zero && sign;
    case Rounding::Zero:
    case Rounding::Odd: return false;
    }
    return false;
}

// FPRoundBase: a non-zero real to the format of T. alt_half: FPCR.AHP applies (FPRoundCV to
// half precision); FPCR.FZ applies to single and double precision.
template <typename T>
inline T round(const Real& r, FpEnv& env, Rounding rounding, bool alt_half = false) {
    using Fm = Format<T>;
    const int msb = msb_index(r.mant);
    const int exponent = r.exp + msb;  // the value is in [2^exponent, 2^(exponent+1))
    if (Fm::N != 16 && (env.fpcr & kFpcrFz) && exponent < Fm::min_exp) {
        env.fpsr |= kFpsrUfc;  // flushed to zero: Underflow, but not Inexact
        return fp_zero<T>(r.sign);
    }
    int biased_exp = exponent - Fm::min_exp + 1;
    if (biased_exp < 0) biased_exp = 0;
    const int lsb_exp = biased_exp > 0 ? exponent - Fm::F : Fm::min_exp - Fm::F;
    Error error;
    std::uint64_t int_mant = split(r.mant, lsb_exp - r.exp, error);
    if (biased_exp == 0 && error != Error::Zero) env.fpsr |= kFpsrUfc;  // tiny before rounding, inexact
    bool overflow_to_inf;
    switch (rounding) {
    case Rounding::TieEven:
    case Rounding::TieAway: overflow_to_inf = true; break;
    case Rounding::PosInf: overflow_to_inf = !r.sign; break;
    case Rounding::NegInf: overflow_to_inf = r.sign; break;
    default: overflow_to_inf = false; break;
    }
    if (round_up(rounding, r.sign, int_mant & 1, error)) {
        ++int_mant;
        if (int_mant == std::uint64_t{1} << Fm::F) biased_exp = 1;  // denormal rounded up to normal
        if (int_mant == std::uint64_t{1} << (Fm::F + 1)) {            // up to the next exponent
            ++biased_exp;
            int_mant >>= 1;
        }
    }
    if (error != Error::Zero && rounding == Rounding::Odd) int_mant |= 1;
    bool inexact = error != Error::Zero;
    T result;
    if (!(Fm::N == 16 && alt_half)) {
        if (biased_exp >= (1 << Fm::E) - 1) {
            result = overflow_to_inf ? fp_infinity<T>(r.sign) : fp_max_normal<T>(r.sign);
            env.fpsr |= kFpsrOfc;
            inexact = true;
        } else {
            result = static_cast<T>(fp_zero<T>(r.sign) | (static_cast<T>(biased_exp) << Fm::F) |
                                    (int_mant & frac_mask<T>()));
        }
    } else {
        if (biased_exp >= (1 << Fm::E)) {
            result = static_cast<T>(fp_zero<T>(r.sign) | static_cast<T>(~fp_sign_bit<T>()));
            env.fpsr |= kFpsrIoc;
            inexact = false;
        } else {
            result = static_cast<T>(fp_zero<T>(r.sign) | (static_cast<T>(biased_exp) << Fm::F) |
                                    (int_mant & frac_mask<T>()));
        }
    }
    if (inexact) env.fpsr |= kFpsrIxc;
    return result;
}

// The exact zero of a sum: +0, or -0 when rounding towards minus infinity.
template <typename T>
inline T exact_zero_sum(Rounding rounding) {
    return fp_zero<T>(rounding == Rounding::NegInf);
}

}  // namespace trapeze::fp
