// The host FPU as a shortcut for the FP pseudocode: where the operands and the result are normal
// numbers (or zeros), FPCR rounds to nearest and FPSR.IXC is already set, the IEEE 754 result the
// host computes is the manual's, bit for bit, and no flag can change. Everything else (NaNs,
// infinities, denormals, flush-to-zero, other roundings, the first inexact result) goes the
// long way, through fp_core.h.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "emulator/fp_core.h"

namespace trapeze::fp {

template <typename T>
using HostFloat = std::conditional_t<sizeof(T) == 4, float, double>;

// A normal number or a zero: neither NaN, infinity nor denormal.
template <typename T>
inline bool normal_or_zero(T bits) {
    const T exp = static_cast<T>(bits & exp_mask<T>());
    return exp != exp_mask<T>() && (exp != 0 || fp_abs(bits) == 0);
}
// A normal number.
template <typename T>
inline bool normal(T bits) {
    const T exp = static_cast<T>(bits & exp_mask<T>());
    return exp != exp_mask<T>() && exp != 0;
}
// The results the shortcut returns: normal numbers above the smallest one, which may be a tiny
// value rounded up (Underflow: the manual detects tininess before rounding, and FZ flushes it).
template <typename T>
inline bool safe_result(T bits) {
    return normal(bits) && fp_abs(bits) != (T{1} << Format<T>::F);
}

// Round to nearest, and Inexact already recorded.
inline bool host_shortcut_allowed(const FpEnv& env) {
    return (env.fpcr & (3u << kFpcrRModeShift)) == 0 && (env.fpsr & kFpsrIxc) != 0;
}

template <typename T>
inline HostFloat<T> to_host(T bits) {
    return std::bit_cast<HostFloat<T>>(bits);
}
template <typename T>
inline T from_host(HostFloat<T> value) {
    return std::bit_cast<T>(value);
}

}  // namespace trapeze::fp
