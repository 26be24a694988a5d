// FP rounding and conversions from the Arm ARM's pseudocode: FPRoundInt, FPToFixed, FixedToFP,
// FPConvert (with FPConvertNaN and the alternative half-precision format) and VFPExpandImm.
#include "emulator/fp_core.h"

namespace trapeze {
namespace {

using namespace fp;

// RoundDown(value) for value = (-1)^sign * mant * 2^-shift (shift > 0, |value| < 2^64), and how
// value - RoundDown(value), in [0, 1), compares with 0.5.
struct Floor {
    __int128 int_result;
    Error error;
};

Floor floor_of(bool sign, u128 mant, int shift) {
    Error error;
    const std::uint64_t magnitude = split(mant, shift, error);
    if (!sign) return {magnitude, error};
    // -(q + f) = -(q + 1) + (1 - f): the fraction mirrors around one half.
    if (error == Error::Zero) return {-static_cast<__int128>(magnitude), error};
    const Error mirrored = error == Error::BelowHalf ? Error::AboveHalf
                           : error == Error::AboveHalf ? Error::BelowHalf
                                                       : Error::Half;
    return {-static_cast<__int128>(magnitude) - 1, mirrored};
}

// The increment decision of FPRoundInt and FPToFixed, on the signed RoundDown result.
bool round_up_signed(Rounding rounding, __int128 int_result, Error error) {
    switch (rounding) {
    case Rounding::TieEven: return error == Error::AboveHalf || (error == Error::Half && (int_result & 1));
    case Rounding::PosInf: return error != Error::Zero;
    case Rounding::NegInf: return false;
    case Rounding::Zero: return error != Error::Zero && int_result < 0;
    case Rounding::TieAway: return error == Error::AboveHalf || (error == Error::Half && int_result >= 0);
    case Rounding::Odd: return false;
    }
    return false;
}

}  // namespace

template <typename T>
T fp_round_int(T op, Rounding rounding, bool exact, FpEnv& env) {
    const Unpacked u = unpack(op, env);
    if (u.is_nan()) return process_nan(u.type, op, env);
    if (u.is_inf()) return fp_infinity<T>(u.sign);
    if (u.is_zero()) return fp_zero<T>(u.sign);
    if (u.exp >= 0) return op;  // already integral: FPRound gives it back exactly
    Floor f = floor_of(u.sign, u.mant, -u.exp);
    if (round_up_signed(rounding, f.int_result, f.error)) ++f.int_result;
    T result;
    if (f.int_result == 0) {
        result = fp_zero<T>(u.sign);
    } else {
        const bool negative = f.int_result < 0;
        const auto magnitude = static_cast<std::uint64_t>(negative ? -f.int_result : f.int_result);
        result = round<T>({negative, 0, magnitude}, env, Rounding::Zero);  // exact
    }
    if (f.error != Error::Zero && exact) env.fpsr |= kFpsrIxc;
    return result;
}

template <typename T>
std::uint64_t fp_to_fixed(T op, unsigned fbits, bool is_unsigned, unsigned width, Rounding rounding, FpEnv& env) {
    const Unpacked u = unpack(op, env);
    const __int128 max = is_unsigned ? (__int128{1} << width) - 1 : (__int128{1} << (width - 1)) - 1;
    const __int128 min = is_unsigned ? 0 : -(__int128{1} << (width - 1));
    const std::uint64_t mask = width == 64 ? ~0ull : (1ull << width) - 1;
    auto saturate = [&](__int128 value) -> std::uint64_t {
        return static_cast<std::uint64_t>(value) & mask;
    };
    if (u.is_nan()) {  // the value of a NaN is zero: Invalid Operation, result 0
        env.fpsr |= kFpsrIoc;
        return 0;
    }
    if (u.is_zero()) return 0;
    if (u.is_inf()) {
        env.fpsr |= kFpsrIoc;
        return saturate(u.sign ? min : max);
    }
    // value * 2^fbits = mant * 2^(exp + fbits); from 2^64 on it saturates whatever the rounding.
    const int exp = u.exp + static_cast<int>(fbits);
    if (exp + msb_index(u.mant) >= 64) {
        env.fpsr |= kFpsrIoc;
        return saturate(u.sign ? min : max);
    }
    Floor f;
    if (exp >= 0) f = {u.sign ? -(static_cast<__int128>(u.mant) << exp) : static_cast<__int128>(u.mant) << exp,
                       Error::Zero};
    else f = floor_of(u.sign, u.mant, -exp);
    if (round_up_signed(rounding, f.int_result, f.error)) ++f.int_result;
    if (f.int_result > max || f.int_result < min) {
        env.fpsr |= kFpsrIoc;
        return saturate(f.int_result > max ? max : min);
    }
    if (f.error != Error::Zero) env.fpsr |= kFpsrIxc;
    return saturate(f.int_result);
}

template <typename T>
T fixed_to_fp(std::uint64_t value, unsigned fbits, bool is_unsigned, unsigned width, Rounding rounding, FpEnv& env) {
    const std::uint64_t mask = width == 64 ? ~0ull : (1ull << width) - 1;
    value &= mask;
    bool negative = false;
    if (!is_unsigned && ((value >> (width - 1)) & 1)) {
        negative = true;
        value = (0 - value) & mask;  // the magnitude; -2^(width-1) stays 2^(width-1)
    }
    if (value == 0) return fp_zero<T>(false);
    return round<T>({negative, -static_cast<int>(fbits), value}, env, rounding);
}

namespace {

// FPConvertNaN: sign and quiet bit kept, the payload's top bits carried over.
template <typename To, typename From>
To convert_nan(From op) {
    constexpr int from_bits = Format<From>::N, to_bits = Format<To>::N;
    const bool sign = (op >> (from_bits - 1)) & 1;
    // The payload below the quiet bit, left-aligned in 51 bits.
    const std::uint64_t payload = (static_cast<std::uint64_t>(op) & (quiet_bit<From>() - 1))
                                  << (51 - (Format<From>::F - 1));
    const std::uint64_t to_payload = payload >> (51 - (Format<To>::F - 1));
    (void)to_bits;
    return static_cast<To>(fp_zero<To>(sign) | exp_mask<To>() | quiet_bit<To>() | to_payload);
}

}  // namespace

template <typename To, typename From>
To fp_convert(From op, Rounding rounding, FpEnv& env) {
    const bool ahp = (env.fpcr & kFpcrAhp) != 0;
    const Unpacked u = unpack(op, env, ahp);
    const bool alt_hp = Format<To>::N == 16 && ahp;
    if (u.is_nan()) {
        To result;
        if (alt_hp) result = fp_zero<To>(u.sign);
        else if (env.fpcr & kFpcrDn) result = fp_default_nan<To>();
        else result = convert_nan<To>(op);
        if (u.type == Type::SNaN || alt_hp) env.fpsr |= kFpsrIoc;
        return result;
    }
    if (u.is_inf()) {
        if (alt_hp) {
            env.fpsr |= kFpsrIoc;
            return static_cast<To>(fp_zero<To>(u.sign) | static_cast<To>(~fp_sign_bit<To>()));
        }
        return fp_infinity<To>(u.sign);
    }
    if (u.is_zero()) return fp_zero<To>(u.sign);
    return round<To>({u.sign, u.exp, u.mant}, env, rounding, ahp);
}

template <typename T>
T fp_expand_imm(std::uint8_t imm8) {
    constexpr int E = Format<T>::E, F = Format<T>::F;
    const std::uint64_t sign = imm8 >> 7;
    const std::uint64_t b6 = (imm8 >> 6) & 1;
    // exp = NOT(b6) : Replicate(b6, E-3) : imm8<5:4>
    const std::uint64_t exp = ((b6 ^ 1) << (E - 1)) | ((b6 ? (1ull << (E - 3)) - 1 : 0) << 2) | ((imm8 >> 4) & 3);
    const std::uint64_t frac = static_cast<std::uint64_t>(imm8 & 15) << (F - 4);
    return static_cast<T>((sign << (E + F)) | (exp << F) | frac);
}

#define TRAPEZE_FP_CONVERT(T)                                                                          \
    template T fp_round_int<T>(T, Rounding, bool, FpEnv&);                                             \
    template std::uint64_t fp_to_fixed<T>(T, unsigned, bool, unsigned, Rounding, FpEnv&);              \
    template T fixed_to_fp<T>(std::uint64_t, unsigned, bool, unsigned, Rounding, FpEnv&);              \
    template T fp_expand_imm<T>(std::uint8_t);
TRAPEZE_FP_CONVERT(std::uint16_t)
TRAPEZE_FP_CONVERT(std::uint32_t)
TRAPEZE_FP_CONVERT(std::uint64_t)
#undef TRAPEZE_FP_CONVERT

template std::uint16_t fp_convert<std::uint16_t, std::uint32_t>(std::uint32_t, Rounding, FpEnv&);
template std::uint16_t fp_convert<std::uint16_t, std::uint64_t>(std::uint64_t, Rounding, FpEnv&);
template std::uint32_t fp_convert<std::uint32_t, std::uint16_t>(std::uint16_t, Rounding, FpEnv&);
template std::uint32_t fp_convert<std::uint32_t, std::uint64_t>(std::uint64_t, Rounding, FpEnv&);
template std::uint64_t fp_convert<std::uint64_t, std::uint16_t>(std::uint16_t, Rounding, FpEnv&);
template std::uint64_t fp_convert<std::uint64_t, std::uint32_t>(std::uint32_t, Rounding, FpEnv&);

}  // namespace trapeze
