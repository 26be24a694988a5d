// How an Advanced SIMD operation walks its elements: drivers that apply a lane function to
// every element (map), with an accumulator, to pairs (pairwise), with saturation (setting
// FPSR.QC) or with FPCR/FPSR; and the integer helpers of the manual (SatQ, rounding shifts).
// Operands of the drivers: d, n, m = V registers; b1 = the number of elements computed (the
// rest of the 128-bit result is zero: a 64-bit vector or a scalar zeroes the upper bits).
#pragma once

#include <bit>
#include <limits>
#include <type_traits>

#include "emulator/exec_simd_common.h"

namespace trapeze {

template <typename T> using signed_t = std::make_signed_t<T>;

// ---- Saturation (SignedSatQ, UnsignedSatQ): the value clamped to the range of T.
template <typename T>
inline T signed_sat(__int128 value, bool& saturated) {
    constexpr __int128 max = static_cast<__int128>(std::numeric_limits<signed_t<T>>::max());
    constexpr __int128 min = static_cast<__int128>(std::numeric_limits<signed_t<T>>::min());
    if (value > max) {
        saturated = true;
        return static_cast<T>(max);
    }
    if (value < min) {
        saturated = true;
        return static_cast<T>(min);
    }
    return static_cast<T>(value);
}
template <typename T>
inline T unsigned_sat(__int128 value, bool& saturated) {
    constexpr __int128 max = static_cast<__int128>(std::numeric_limits<T>::max());
    if (value > max) {
        saturated = true;
        return std::numeric_limits<T>::max();
    }
    if (value < 0) {
        saturated = true;
        return 0;
    }
    return static_cast<T>(value);
}

// The element as an integer, signed or unsigned.
template <bool Signed, typename T>
inline __int128 as_int(T value) {
    if constexpr (Signed) return static_cast<signed_t<T>>(value);
    else return value;
}

// (value + round) >> shift for an integer of at most 65 bits and a shift of any size, rounding
// half up when `rounding` (the rounding right shifts: SRSHR, SQRSHRN, SRSHL...).
inline __int128 shift_right_round(__int128 value, unsigned shift, bool rounding) {
    if (shift == 0) return value;
    if (shift > 100) return rounding ? 0 : (value < 0 ? -1 : 0);  // every bit shifted out
    const __int128 round = rounding ? (__int128{1} << (shift - 1)) : 0;
    return (value + round) >> shift;
}

// value * 2^shift for the saturating left shifts (shift < 64, |value| <= 2^64): exact while it
// fits, else a value beyond every element's range with the right sign (it saturates the same).
inline __int128 shift_left_for_saturation(__int128 value, unsigned shift) {
    const auto magnitude = static_cast<unsigned __int128>(value < 0 ? -value : value);
    const int width = magnitude >> 64 ? 65 : std::bit_width(static_cast<std::uint64_t>(magnitude));
    if (width + static_cast<int>(shift) > 100) return value < 0 ? -(__int128{1} << 100) : (__int128{1} << 100);
    return value * (__int128{1} << shift);
}

// ---- Drivers. F is a lane function; T the element type (the unsigned type of its size).

// r[e] = F(n[e], m[e])
template <typename T, auto F>
const Inst* map2(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    const VReg& n = cpu.regs.v[ip->n];
    const VReg& m = cpu.regs.v[ip->m];
    VReg r{};
    for (unsigned e = 0; e < ip->b1; ++e) r.set<T>(e, static_cast<T>(F(n.get<T>(e), m.get<T>(e))));
    cpu.regs.v[ip->d] = r;
    return cpu.next(ip + 1);
}

// r[e] = F(d[e], n[e], m[e]): the accumulating forms (MLA, SABA...).
template <typename T, auto F>
const Inst* map2_acc(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    const VReg& n = cpu.regs.v[ip->n];
    const VReg& m = cpu.regs.v[ip->m];
    const VReg& d = cpu.regs.v[ip->d];
    VReg r{};
    for (unsigned e = 0; e < ip->b1; ++e) r.set<T>(e, static_cast<T>(F(d.get<T>(e), n.get<T>(e), m.get<T>(e))));
    cpu.regs.v[ip->d] = r;
    return cpu.next(ip + 1);
}

// r[e] = F(n[e], m[e], saturated): FPSR.QC when any element saturated.
template <typename T, auto F>
const Inst* map2_sat(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    const VReg& n = cpu.regs.v[ip->n];
    const VReg& m = cpu.regs.v[ip->m];
    VReg r{};
    bool saturated = false;
    for (unsigned e = 0; e < ip->b1; ++e) r.set<T>(e, F(n.get<T>(e), m.get<T>(e), saturated));
    cpu.regs.v[ip->d] = r;
    if (saturated) cpu.regs.fpsr |= kFpsrQc;
    return cpu.next(ip + 1);
}

// r[e] = F(n[e])
template <typename T, auto F>
const Inst* map1(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    const VReg& n = cpu.regs.v[ip->n];
    VReg r{};
    for (unsigned e = 0; e < ip->b1; ++e) r.set<T>(e, static_cast<T>(F(n.get<T>(e))));
    cpu.regs.v[ip->d] = r;
    return cpu.next(ip + 1);
}

// r[e] = F(n[e], saturated)
template <typename T, auto F>
const Inst* map1_sat(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    const VReg& n = cpu.regs.v[ip->n];
    VReg r{};
    bool saturated = false;
    for (unsigned e = 0; e < ip->b1; ++e) r.set<T>(e, F(n.get<T>(e), saturated));
    cpu.regs.v[ip->d] = r;
    if (saturated) cpu.regs.fpsr |= kFpsrQc;
    return cpu.next(ip + 1);
}

// r[e] = F(d[e], n[e], saturated): SUQADD, USQADD accumulate into the destination.
template <typename T, auto F>
const Inst* map1_acc_sat(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    const VReg& n = cpu.regs.v[ip->n];
    const VReg& d = cpu.regs.v[ip->d];
    VReg r{};
    bool saturated = false;
    for (unsigned e = 0; e < ip->b1; ++e) r.set<T>(e, F(d.get<T>(e), n.get<T>(e), saturated));
    cpu.regs.v[ip->d] = r;
    if (saturated) cpu.regs.fpsr |= kFpsrQc;
    return cpu.next(ip + 1);
}

// Pairwise: the elements of m:n (n in the low half) in adjacent pairs,
// r[e] = F(concat[2e], concat[2e+1]). b1 = the elements of the result (of n or m alone).
template <typename T, auto F>
const Inst* pairwise(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    const VReg& n = cpu.regs.v[ip->n];
    const VReg& m = cpu.regs.v[ip->m];
    const unsigned elements = ip->b1, half = elements / 2;
    VReg r{};
    for (unsigned e = 0; e < half; ++e) r.set<T>(e, static_cast<T>(F(n.get<T>(2 * e), n.get<T>(2 * e + 1))));
    for (unsigned e = 0; e < half; ++e)
        r.set<T>(half + e, static_cast<T>(F(m.get<T>(2 * e), m.get<T>(2 * e + 1))));
    cpu.regs.v[ip->d] = r;
    return cpu.next(ip + 1);
}

// ---- FP drivers: lane functions take the FpEnv.
template <typename T, auto F>
const Inst* map2_fp(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    const VReg& n = cpu.regs.v[ip->n];
    const VReg& m = cpu.regs.v[ip->m];
    FpEnv env = fp_env(cpu);
    VReg r{};
    for (unsigned e = 0; e < ip->b1; ++e) r.set<T>(e, static_cast<T>(F(n.get<T>(e), m.get<T>(e), env)));
    cpu.regs.v[ip->d] = r;
    commit_fp_env(cpu, env);
    return cpu.next(ip + 1);
}

template <typename T, auto F>
const Inst* map2_acc_fp(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    const VReg& n = cpu.regs.v[ip->n];
    const VReg& m = cpu.regs.v[ip->m];
    const VReg& d = cpu.regs.v[ip->d];
    FpEnv env = fp_env(cpu);
    VReg r{};
    for (unsigned e = 0; e < ip->b1; ++e) r.set<T>(e, static_cast<T>(F(d.get<T>(e), n.get<T>(e), m.get<T>(e), env)));
    cpu.regs.v[ip->d] = r;
    commit_fp_env(cpu, env);
    return cpu.next(ip + 1);
}

template <typename T, auto F>
const Inst* map1_fp(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    const VReg& n = cpu.regs.v[ip->n];
    FpEnv env = fp_env(cpu);
    VReg r{};
    for (unsigned e = 0; e < ip->b1; ++e) r.set<T>(e, static_cast<T>(F(n.get<T>(e), ip, env)));
    cpu.regs.v[ip->d] = r;
    commit_fp_env(cpu, env);
    return cpu.next(ip + 1);
}

template <typename T, auto F>
const Inst* pairwise_fp(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    const VReg& n = cpu.regs.v[ip->n];
    const VReg& m = cpu.regs.v[ip->m];
    const unsigned half = ip->b1 / 2;
    FpEnv env = fp_env(cpu);
    VReg r{};
    for (unsigned e = 0; e < half; ++e) r.set<T>(e, F(n.get<T>(2 * e), n.get<T>(2 * e + 1), env));
    for (unsigned e = 0; e < half; ++e) r.set<T>(half + e, F(m.get<T>(2 * e), m.get<T>(2 * e + 1), env));
    cpu.regs.v[ip->d] = r;
    commit_fp_env(cpu, env);
    return cpu.next(ip + 1);
}

// ---- Choosing the instance of a driver for an element size (log2 of its bytes), or for an
// FP element size (sz: 0 single, 1 double).
#define TRAPEZE_BY_SIZE(driver, F, size)                                                   \
    ((size) == 0   ? &driver<std::uint8_t, F>                                             \
     : (size) == 1 ? &driver<std::uint16_t, F>                                            \
     : (size) == 2 ? &driver<std::uint32_t, F>                                            \
                   : &driver<std::uint64_t, F>)
#define TRAPEZE_BY_SZ(driver, F, sz) ((sz) ? &driver<std::uint64_t, F> : &driver<std::uint32_t, F>)

// Operand setup shared by the preparers: registers, element size and count.
inline void set_simd_operands(const Decoded& d, Inst& i, unsigned size_log2, unsigned elements) {
    i.d = static_cast<std::uint8_t>(d.field('d'));
    i.n = static_cast<std::uint8_t>(d.field('n'));
    i.m = static_cast<std::uint8_t>(d.field('m'));
    i.b0 = static_cast<std::uint8_t>(size_log2);
    i.b1 = static_cast<std::uint8_t>(elements);
}

// The elements of a 64-bit (Q = 0) or 128-bit vector of 2^size_log2-byte elements.
inline unsigned vector_elements(const Decoded& d, unsigned size_log2) { return (d.field('q') ? 16u : 8u) >> size_log2; }

}  // namespace trapeze
