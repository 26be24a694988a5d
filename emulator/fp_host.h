// The host FPU as a shortcut for the FP pseudocode: where the operands and the result are normal
// numbers (or zeros), FPCR rounds to nearest and FPSR.IXC is already set, the IEEE 754 result the
// host computes is the manual's, bit for bit, and no flag can change. Everything else (NaNs,
// infinities, denormals, flush-to-zero, other roundings, the first inexact result) goes the
// long way, through the pseudocode (fp_arith.cpp). Inline, so the semantics of an FP
// instruction call nothing in the common case.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "emulator/registers.h"

namespace trapeze::fp_host {

template <typename T>
using HostFloat = std::conditional_t<sizeof(T) == 4, float, double>;

// Single and double precision only: half precision always takes the pseudocode.
template <typename T>
constexpr bool kAvailable = sizeof(T) == 4 || sizeof(T) == 8;

template <typename T>
constexpr int kFractionBits = sizeof(T) == 4 ? 23 : 52;
template <typename T>
constexpr T kExponentMask = static_cast<T>((sizeof(T) == 4 ? T{0xff} : T{0x7ff}) << kFractionBits<T>);
template <typename T>
constexpr T kSignBit = static_cast<T>(T{1} << (sizeof(T) * 8 - 1));

// A normal number or a zero: neither NaN, infinity nor denormal.
template <typename T>
inline bool normal_or_zero(T bits) {
    const T exp = static_cast<T>(bits & kExponentMask<T>);
    return exp != kExponentMask<T> && (exp != 0 || (bits & ~kSignBit<T>) == 0);
}
// A normal number.
template <typename T>
inline bool normal(T bits) {
    const T exp = static_cast<T>(bits & kExponentMask<T>);
    return exp != kExponentMask<T> && exp != 0;
}
// The results the shortcut returns: normal numbers above the smallest one, which may be a tiny
// value rounded up (Underflow: the manual detects tininess before rounding, and FZ flushes it).
template <typename T>
inline bool safe_result(T bits) {
    return normal(bits) && static_cast<T>(bits & ~kSignBit<T>) != (T{1} << kFractionBits<T>);
}

// Round to nearest, and Inexact already recorded.
inline bool allowed(std::uint32_t fpcr, std::uint32_t fpsr) {
    return (fpcr & (3u << kFpcrRModeShift)) == 0 && (fpsr & kFpsrIxc) != 0;
}

template <typename T>
inline HostFloat<T> to_host(T bits) {
    return std::bit_cast<HostFloat<T>>(bits);
}
template <typename T>
inline T from_host(HostFloat<T> value) {
    return std::bit_cast<T>(value);
}

// a op b on the host, when the shortcut's conditions hold (the result is then in `result`).
template <typename T, typename Op>
inline bool binary(T a, T b, std::uint32_t fpcr, std::uint32_t fpsr, Op op, T& result) {
    if constexpr (!kAvailable<T>) {
        return false;
    } else {
        if (!allowed(fpcr, fpsr) || !normal_or_zero(a) || !normal_or_zero(b)) return false;
        result = from_host<T>(op(to_host(a), to_host(b)));
        return safe_result(result);
    }
}

template <typename T>
inline bool fused(T addend, T a, T b, std::uint32_t fpcr, std::uint32_t fpsr, T& result) {
    if constexpr (!kAvailable<T>) {
        return false;
    } else {
        if (!allowed(fpcr, fpsr) || !normal_or_zero(addend) || !normal_or_zero(a) || !normal_or_zero(b)) return false;
        result = from_host<T>(std::fma(to_host(a), to_host(b), to_host(addend)));
        return safe_result(result);
    }
}

// The square root of a positive normal number is normal.
template <typename T>
inline bool square_root(T a, std::uint32_t fpcr, std::uint32_t fpsr, T& result) {
    if constexpr (!kAvailable<T>) {
        return false;
    } else {
        if (!allowed(fpcr, fpsr) || !normal(a) || (a & kSignBit<T>)) return false;
        result = from_host<T>(std::sqrt(to_host(a)));
        return true;
    }
}

// FPCompare of two numbers that are neither NaN nor denormal: any FPCR, no flags.
template <typename T>
inline bool compare(T a, T b, std::uint32_t& nzcv) {
    if constexpr (!kAvailable<T>) {
        return false;
    } else {
        if (!normal_or_zero(a) || !normal_or_zero(b)) return false;
        const auto x = to_host(a), y = to_host(b);
        nzcv = x == y ? (kFlagZ | kFlagC) : x < y ? kFlagN : kFlagC;
        return true;
    }
}

}  // namespace trapeze::fp_host
