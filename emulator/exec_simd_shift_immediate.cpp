// Semantics of Advanced SIMD shift by immediate (C4.1.95), vector and scalar: right shifts
// (rounding, accumulating), SHL, the saturating left shifts, SRI/SLI, the narrowing shifts
// (SHRN, SQRSHRUN...), SSHLL/USHLL, and the fixed-point conversions SCVTF/UCVTF/FCVTZS/FCVTZU.
// immh's highest set bit gives the element size; the shift is immh:immb less the element size
// (left shifts) or twice the element size less immh:immb (right shifts).
#include <bit>

#include "emulator/exec_simd_lanes.h"

namespace trapeze {
namespace {

using std::uint64_t;
using std::uint8_t;

// Operands: imm = the shift; b1 = the elements; b2 = 1 for the "2" forms (narrowing, long).

// r[e] = F(d[e], n[e], shift, saturated)
template <typename T, auto F>
const Inst* shift_op(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    const VReg& n = cpu.regs.v[ip->n];
    const VReg& d = cpu.regs.v[ip->d];
    const auto shift = static_cast<unsigned>(ip->imm);
    VReg r{};
    bool saturated = false;
    for (unsigned e = 0; e < ip->b1; ++e) r.set<T>(e, static_cast<T>(F(d.get<T>(e), n.get<T>(e), shift, saturated)));
    cpu.regs.v[ip->d] = r;
    if (saturated) cpu.regs.fpsr |= kFpsrQc;
    return cpu.next(ip + 1);
}

// Narrowing: r[base + e] (esize) = F(n[e] (2 * esize), shift, saturated).
template <typename N, auto F>
const Inst* shift_narrow(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    using W = wider_t<N>;
    const VReg& n = cpu.regs.v[ip->n];
    const auto shift = static_cast<unsigned>(ip->imm);
    const unsigned base = ip->b2 ? ip->b1 : 0;
    VReg r{};
    if (ip->b2) r.lo = cpu.regs.v[ip->d].lo;
    bool saturated = false;
    for (unsigned e = 0; e < ip->b1; ++e) r.set<N>(base + e, F(N{}, n.get<W>(e), shift, saturated));
    cpu.regs.v[ip->d] = r;
    if (saturated) cpu.regs.fpsr |= kFpsrQc;
    return cpu.next(ip + 1);
}

// SSHLL, USHLL: one half of Vn widened, then shifted left.
template <typename N, bool Signed>
const Inst* shift_long(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    using W = wider_t<N>;
    const VReg& n = cpu.regs.v[ip->n];
    const unsigned base = ip->b2 ? ip->b1 : 0;
    VReg r{};
    for (unsigned e = 0; e < ip->b1; ++e)
        r.set<W>(e, static_cast<W>(as_int<Signed>(n.get<N>(base + e)) * (__int128{1} << ip->imm)));
    cpu.regs.v[ip->d] = r;
    return cpu.next(ip + 1);
}

// Fixed-point conversions: imm = the fraction bits, b3 = 1 when unsigned.
template <typename T, bool ToFixed>
const Inst* fixed_convert(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    const VReg& n = cpu.regs.v[ip->n];
    FpEnv env = fp_env(cpu);
    const auto fbits = static_cast<unsigned>(ip->imm);
    VReg r{};
    for (unsigned e = 0; e < ip->b1; ++e) {
        const T value = n.get<T>(e);
        if (ToFixed)
            r.set<T>(e, static_cast<T>(fp_to_fixed(value, fbits, ip->b3 != 0, bits_of<T>(), Rounding::Zero, env)));
        else
            r.set<T>(e, fixed_to_fp<T>(value, fbits, ip->b3 != 0, bits_of<T>(), fpcr_rounding(env.fpcr), env));
    }
    cpu.regs.v[ip->d] = r;
    commit_fp_env(cpu, env);
    return cpu.next(ip + 1);
}

// ---- Lane functions: (accumulator, element, shift, saturated).
template <bool Signed, bool Round, bool Accumulate>
constexpr auto shift_right = [](auto acc, auto a, unsigned shift, bool&) {
    const __int128 shifted = shift_right_round(as_int<Signed>(a), shift, Round);
    return Accumulate ? static_cast<__int128>(acc) + shifted : shifted;
};
constexpr auto shift_left = [](auto, auto a, unsigned shift, bool&) { return static_cast<uint64_t>(a) << shift; };
// SQSHL, UQSHL, SQSHLU (immediate): in (signed or not), out (signed or not), saturated.
template <bool SignedIn, bool SignedOut>
constexpr auto sat_shift_left = [](auto, auto a, unsigned shift, bool& sat) {
    using T = decltype(a);
    const __int128 shifted = shift_left_for_saturation(as_int<SignedIn>(a), shift);
    return SignedOut ? signed_sat<T>(shifted, sat) : unsigned_sat<T>(shifted, sat);
};
// SRI: the shifted element replaces the bits it covers; SLI likewise to the left.
constexpr auto shift_right_insert = [](auto acc, auto a, unsigned shift, bool&) {
    using T = decltype(a);
    if (shift >= bits_of<T>()) return acc;
    const T mask = static_cast<T>(static_cast<T>(~T{0}) >> shift);
    return static_cast<T>((acc & ~mask) | (static_cast<T>(a >> shift) & mask));
};
constexpr auto shift_left_insert = [](auto acc, auto a, unsigned shift, bool&) {
    using T = decltype(a);
    const T mask = static_cast<T>(static_cast<T>(~T{0}) << shift);
    return static_cast<T>((acc & ~mask) | (static_cast<T>(a << shift) & mask));
};
// Narrowing: the double-width element shifted right (rounding), then truncated or saturated.
enum class Narrow : uint8_t { Truncate, Signed, Unsigned, SignedToUnsigned };
template <Narrow K, bool Round>
constexpr auto narrow_right = [](auto, auto a, unsigned shift, bool& sat) {
    using W = decltype(a);
    using N = typename std::conditional_t<sizeof(W) == 2, std::uint8_t,
                                          std::conditional_t<sizeof(W) == 4, std::uint16_t, std::uint32_t>>;
    constexpr bool signed_in = K == Narrow::Signed || K == Narrow::SignedToUnsigned;
    const __int128 shifted = shift_right_round(as_int<signed_in>(a), shift, Round);
    if (K == Narrow::Truncate) return static_cast<N>(shifted);
    if (K == Narrow::Signed) return signed_sat<N>(shifted, sat);
    return unsigned_sat<N>(shifted, sat);
};

// ---- Rows.
enum class Shape : uint8_t { Right, Left, Narrowing, Long, Fixed };
using Select = ExecFn (*)(unsigned size);
struct Row {
    Op op;
    Shape shape;
    Select select;
    bool scalar;
    bool flag = false;  // Fixed: unsigned
};

template <auto F> ExecFn sel_shift(unsigned size) { return TRAPEZE_BY_SIZE(shift_op, F, size); }
template <auto F> ExecFn sel_narrow(unsigned size) {
    return size == 0 ? shift_narrow<std::uint8_t, F> : size == 1 ? shift_narrow<std::uint16_t, F>
                                                                 : shift_narrow<std::uint32_t, F>;
}
template <bool Signed> ExecFn sel_long(unsigned size) {
    return size == 0 ? shift_long<std::uint8_t, Signed> : size == 1 ? shift_long<std::uint16_t, Signed>
                                                                     : shift_long<std::uint32_t, Signed>;
}
template <bool ToFixed> ExecFn sel_fixed(unsigned size) {
    return size == 3 ? fixed_convert<std::uint64_t, ToFixed> : fixed_convert<std::uint32_t, ToFixed>;
}

template <bool S, bool R, bool A> constexpr auto sr = shift_right<S, R, A>;
template <Narrow K, bool R> constexpr auto nr = narrow_right<K, R>;

using enum Shape;
using enum Narrow;
const Row kRows[] = {
    {Op::SSHR, Right, sel_shift<sr<true, false, false>>, false},
    {Op::SSRA, Right, sel_shift<sr<true, false, true>>, false},
    {Op::SRSHR, Right, sel_shift<sr<true, true, false>>, false},
    {Op::SRSRA, Right, sel_shift<sr<true, true, true>>, false},
    {Op::SHL, Left, sel_shift<shift_left>, false},
    {Op::SQSHL_imm, Left, sel_shift<sat_shift_left<true, true>>, false},
    {Op::SHRN, Narrowing, sel_narrow<nr<Truncate, false>>, false},
    {Op::RSHRN, Narrowing, sel_narrow<nr<Truncate, true>>, false},
    {Op::SQSHRN, Narrowing, sel_narrow<nr<Signed, false>>, false},
    {Op::SQRSHRN, Narrowing, sel_narrow<nr<Signed, true>>, false},
    {Op::SSHLL, Long, sel_long<true>, false},
    {Op::SCVTF_v_fix, Fixed, sel_fixed<false>, false},
    {Op::FCVTZS_v_fix, Fixed, sel_fixed<true>, false},
    {Op::USHR, Right, sel_shift<sr<false, false, false>>, false},
    {Op::USRA, Right, sel_shift<sr<false, false, true>>, false},
    {Op::URSHR, Right, sel_shift<sr<false, true, false>>, false},
    {Op::URSRA, Right, sel_shift<sr<false, true, true>>, false},
    {Op::SRI, Right, sel_shift<shift_right_insert>, false},
    {Op::SLI, Left, sel_shift<shift_left_insert>, false},
    {Op::SQSHLU, Left, sel_shift<sat_shift_left<true, false>>, false},
    {Op::UQSHL_imm, Left, sel_shift<sat_shift_left<false, false>>, false},
    {Op::SQSHRUN, Narrowing, sel_narrow<nr<SignedToUnsigned, false>>, false},
    {Op::SQRSHRUN, Narrowing, sel_narrow<nr<SignedToUnsigned, true>>, false},
    {Op::UQSHRN, Narrowing, sel_narrow<nr<Unsigned, false>>, false},
    {Op::UQRSHRN, Narrowing, sel_narrow<nr<Unsigned, true>>, false},
    {Op::USHLL, Long, sel_long<false>, false},
    {Op::UCVTF_v_fix, Fixed, sel_fixed<false>, false, true},
    {Op::FCVTZU_v_fix, Fixed, sel_fixed<true>, false, true},
    // Scalar shift by immediate
    {Op::SSHR_scalar, Right, sel_shift<sr<true, false, false>>, true},
    {Op::SSRA_scalar, Right, sel_shift<sr<true, false, true>>, true},
    {Op::SRSHR_scalar, Right, sel_shift<sr<true, true, false>>, true},
    {Op::SRSRA_scalar, Right, sel_shift<sr<true, true, true>>, true},
    {Op::SHL_scalar, Left, sel_shift<shift_left>, true},
    {Op::SQSHL_imm_scalar, Left, sel_shift<sat_shift_left<true, true>>, true},
    {Op::SQSHRN_scalar, Narrowing, sel_narrow<nr<Signed, false>>, true},
    {Op::SQRSHRN_scalar, Narrowing, sel_narrow<nr<Signed, true>>, true},
    {Op::SCVTF_fix_scalar, Fixed, sel_fixed<false>, true},
    {Op::FCVTZS_fix_scalar, Fixed, sel_fixed<true>, true},
    {Op::USHR_scalar, Right, sel_shift<sr<false, false, false>>, true},
    {Op::USRA_scalar, Right, sel_shift<sr<false, false, true>>, true},
    {Op::URSHR_scalar, Right, sel_shift<sr<false, true, false>>, true},
    {Op::URSRA_scalar, Right, sel_shift<sr<false, true, true>>, true},
    {Op::SRI_scalar, Right, sel_shift<shift_right_insert>, true},
    {Op::SLI_scalar, Left, sel_shift<shift_left_insert>, true},
    {Op::SQSHLU_scalar, Left, sel_shift<sat_shift_left<true, false>>, true},
    {Op::UQSHL_imm_scalar, Left, sel_shift<sat_shift_left<false, false>>, true},
    {Op::SQSHRUN_scalar, Narrowing, sel_narrow<nr<SignedToUnsigned, false>>, true},
    {Op::SQRSHRUN_scalar, Narrowing, sel_narrow<nr<SignedToUnsigned, true>>, true},
    {Op::UQSHRN_scalar, Narrowing, sel_narrow<nr<Unsigned, false>>, true},
    {Op::UQRSHRN_scalar, Narrowing, sel_narrow<nr<Unsigned, true>>, true},
    {Op::UCVTF_fix_scalar, Fixed, sel_fixed<false>, true, true},
    {Op::FCVTZU_fix_scalar, Fixed, sel_fixed<true>, true, true},
};

void prepare(const Decoded& d, Inst& i) {
    const Row* row = nullptr;
    for (const Row& r : kRows)
        if (r.op == d.op) row = &r;
    const unsigned immh = d.field('h'), imm = (immh << 3) | d.field('b');
    const unsigned size = static_cast<unsigned>(std::bit_width(immh)) - 1;  // highest set bit of immh
    const unsigned esize = 8u << size;
    const bool q = d.field('q') != 0;
    set_simd_operands(d, i, size, 0);
    i.b3 = row->flag;
    switch (row->shape) {
    case Right:
    case Left:
    case Fixed:
        i.b1 = static_cast<uint8_t>(row->scalar ? 1 : (q ? 16u : 8u) >> size);
        i.imm = row->shape == Left ? imm - esize : 2 * esize - imm;
        break;
    case Narrowing:  // esize is the narrow size
    case Long:
        i.b1 = static_cast<uint8_t>(row->scalar ? 1 : 8u >> size);
        i.b2 = static_cast<uint8_t>(row->scalar ? 0 : q);
        i.imm = row->shape == Long ? imm - esize : 2 * esize - imm;
        break;
    }
    i.exec = row->select(size);
}

}  // namespace

void add_simd_shift_immediate(SemanticsTable& t) {
    for (const Row& row : kRows) t.prepare[static_cast<std::size_t>(row.op)] = prepare;
}

}  // namespace trapeze
