// Floating-point arithmetic as the Arm ARM's pseudocode defines it (shared/functions/float):
// FPAdd, FPMulAdd, FPRound, FPProcessNaNs, FPToFixed... on the bit patterns of half, single
// and double precision, with FPCR's DN, FZ, AHP and rounding mode, and FPSR's cumulative flags.
// Every function is instantiated for T = std::uint16_t, std::uint32_t and std::uint64_t (the
// bits of an H, S or D value) where the manual defines it for that size.
#pragma once

#include <cstdint>

#include "emulator/fp_host.h"
#include "emulator/registers.h"

namespace trapeze {

// The FPCR an operation reads and the FPSR flags it accumulates (IOC, DZC, OFC, UFC, IXC, IDC).
struct FpEnv {
    std::uint32_t fpcr = 0;
    std::uint32_t fpsr = 0;
};

// FPRounding. The first four are FPCR.RMode's encodings.
enum class Rounding : std::uint8_t { TieEven = 0, PosInf = 1, NegInf = 2, Zero = 3, TieAway = 4, Odd = 5 };

inline Rounding fpcr_rounding(std::uint32_t fpcr) { return static_cast<Rounding>((fpcr >> kFpcrRModeShift) & 3); }

// ---- Arithmetic (FPAdd, FPSub, FPMul, FPDiv, FPSqrt, FPMulAdd, FPMulX...) ----
// The pseudocode itself, out of line (fp_arith.cpp); the fp_* functions below try the host
// FPU's shortcut first (fp_host.h).
template <typename T> T pseudocode_add(T a, T b, FpEnv& env);
template <typename T> T pseudocode_sub(T a, T b, FpEnv& env);
template <typename T> T pseudocode_mul(T a, T b, FpEnv& env);
template <typename T> T pseudocode_div(T a, T b, FpEnv& env);
template <typename T> T pseudocode_sqrt(T a, FpEnv& env);
template <typename T> T pseudocode_mul_add(T addend, T op1, T op2, FpEnv& env);
template <typename T> std::uint32_t pseudocode_compare(T a, T b, bool signal_nans, FpEnv& env);

template <typename T>
inline T fp_add(T a, T b, FpEnv& env) {
    T result;
    if (fp_host::binary(a, b, env.fpcr, env.fpsr, [](auto x, auto y) { return x + y; }, result)) return result;
    return pseudocode_add(a, b, env);
}
template <typename T>
inline T fp_sub(T a, T b, FpEnv& env) {
    T result;
    if (fp_host::binary(a, b, env.fpcr, env.fpsr, [](auto x, auto y) { return x - y; }, result)) return result;
    return pseudocode_sub(a, b, env);
}
template <typename T>
inline T fp_mul(T a, T b, FpEnv& env) {
    T result;
    if (fp_host::binary(a, b, env.fpcr, env.fpsr, [](auto x, auto y) { return x * y; }, result)) return result;
    return pseudocode_mul(a, b, env);
}
// A zero divisor (Divide by Zero) takes the pseudocode.
template <typename T>
inline T fp_div(T a, T b, FpEnv& env) {
    T result;
    if (fp_host::normal(b) && fp_host::binary(a, b, env.fpcr, env.fpsr, [](auto x, auto y) { return x / y; }, result))
        return result;
    return pseudocode_div(a, b, env);
}
template <typename T>
inline T fp_sqrt(T a, FpEnv& env) {
    T result;
    if (fp_host::square_root(a, env.fpcr, env.fpsr, result)) return result;
    return pseudocode_sqrt(a, env);
}
// FPMulAdd(addend, op1, op2): addend + op1 * op2 with one rounding. FMSUB and FMLS negate op1
// before the call, FNMADD negates the addend too (the manual's order of operations).
template <typename T>
inline T fp_mul_add(T addend, T op1, T op2, FpEnv& env) {
    T result;
    if (fp_host::fused(addend, op1, op2, env.fpcr, env.fpsr, result)) return result;
    return pseudocode_mul_add(addend, op1, op2, env);
}
// FPMulX: as FPMul, but infinity times zero is 2.0 (with the sign of the product).
template <typename T> T fp_mulx(T a, T b, FpEnv& env);
// FPRecipStepFused (FRECPS): 2.0 - a * b; FPRSqrtStepFused (FRSQRTS): (3.0 - a * b) / 2.
template <typename T> T fp_recip_step(T a, T b, FpEnv& env);
template <typename T> T fp_rsqrt_step(T a, T b, FpEnv& env);

// ---- Minimum and maximum (FPMax, FPMin, FPMaxNum, FPMinNum) ----
template <typename T> T fp_max(T a, T b, FpEnv& env);
template <typename T> T fp_min(T a, T b, FpEnv& env);
template <typename T> T fp_max_num(T a, T b, FpEnv& env);
template <typename T> T fp_min_num(T a, T b, FpEnv& env);

// ---- Comparisons ----
// FPCompare: the NZCV of FCMP (signal_nans = false) or FCMPE (true), in bits 31..28.
template <typename T>
inline std::uint32_t fp_compare(T a, T b, bool signal_nans, FpEnv& env) {
    std::uint32_t nzcv;
    if (fp_host::compare(a, b, nzcv)) return nzcv;
    return pseudocode_compare(a, b, signal_nans, env);
}
// FPCompareEQ, FPCompareGE, FPCompareGT (the vector compares): quiet for EQ, signalling otherwise.
template <typename T> bool fp_compare_eq(T a, T b, FpEnv& env);
template <typename T> bool fp_compare_ge(T a, T b, FpEnv& env);
template <typename T> bool fp_compare_gt(T a, T b, FpEnv& env);

// ---- Rounding and conversions ----
// FPRoundInt: to an integral value in FP format; `exact` raises Inexact (FRINTX).
template <typename T> T fp_round_int(T a, Rounding rounding, bool exact, FpEnv& env);
// FPToFixed: to a signed or unsigned integer of `width` bits (32 or 64, or the lane size) with
// `fbits` fraction bits, saturating (Invalid Operation when it saturates or for a NaN).
template <typename T> std::uint64_t fp_to_fixed(T a, unsigned fbits, bool is_unsigned, unsigned width,
                                                 Rounding rounding, FpEnv& env);
// FixedToFP: from a signed or unsigned `width`-bit integer with `fbits` fraction bits.
template <typename T> T fixed_to_fp(std::uint64_t value, unsigned fbits, bool is_unsigned, unsigned width,
                                    Rounding rounding, FpEnv& env);
// FPConvert: between precisions (FCVT, FCVTL, FCVTN, FCVTXN with Rounding::Odd). Half precision
// follows FPCR.AHP here, and only here.
template <typename To, typename From> To fp_convert(From a, Rounding rounding, FpEnv& env);

// ---- Estimates (FPRecipEstimate, FPRSqrtEstimate, FPRecpX, UnsignedRecipEstimate...) ----
template <typename T> T fp_recip_estimate(T a, FpEnv& env);
template <typename T> T fp_rsqrt_estimate(T a, FpEnv& env);
template <typename T> T fp_recpx(T a, FpEnv& env);
std::uint32_t unsigned_recip_estimate(std::uint32_t a);
std::uint32_t unsigned_rsqrt_estimate(std::uint32_t a);

// ---- Bit-level helpers (no exceptions, no NaN processing: FABS, FNEG, FMOV) ----
template <typename T> constexpr T fp_sign_bit() { return static_cast<T>(T{1} << (sizeof(T) * 8 - 1)); }
template <typename T> constexpr T fp_abs(T a) { return static_cast<T>(a & ~fp_sign_bit<T>()); }
template <typename T> constexpr T fp_neg(T a) { return static_cast<T>(a ^ fp_sign_bit<T>()); }
// VFPExpandImm: the 8-bit immediate of FMOV (immediate) as a value of T.
template <typename T> T fp_expand_imm(std::uint8_t imm8);

}  // namespace trapeze
