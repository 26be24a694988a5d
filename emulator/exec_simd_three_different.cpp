// Semantics of Advanced SIMD three different (C4.1.95), vector and scalar: the long forms
// (SADDL, UMULL, SMLAL, SQDMULL... from one half of each operand to double-width elements), the
// wide forms (SADDW: a wide and a narrow operand), the narrowing high halves (ADDHN, RSUBHN...)
// and PMULL (8-bit, or 64-bit with FEAT_PMULL).
#include "emulator/exec_simd_lanes.h"

namespace trapeze {
namespace {

using std::uint64_t;
using std::uint8_t;
using u128 = unsigned __int128;

// Operands: b1 = the elements of the narrow half (64 bits); b2 = 1 for the "2" forms, which
// read (or write) the upper half of the narrow operand.

// Long: r[e] (2 * esize) = F(acc[e], n[base + e], m[base + e], saturated).
template <typename N, auto F>
const Inst* long_op(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    using W = wider_t<N>;
    const VReg& n = cpu.regs.v[ip->n];
    const VReg& m = cpu.regs.v[ip->m];
    const VReg& d = cpu.regs.v[ip->d];
    const unsigned elements = ip->b1, base = ip->b2 ? elements : 0;
    VReg r{};
    bool saturated = false;
    for (unsigned e = 0; e < elements; ++e)
        r.set<W>(e, static_cast<W>(F(d.get<W>(e), n.get<N>(base + e), m.get<N>(base + e), saturated)));
    cpu.regs.v[ip->d] = r;
    if (saturated) cpu.regs.fpsr |= kFpsrQc;
    return cpu.next(ip + 1);
}

// Wide: r[e] (2 * esize) = F(n[e] (wide), m[base + e] (narrow)).
template <typename N, auto F>
const Inst* wide_op(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    using W = wider_t<N>;
    const VReg& n = cpu.regs.v[ip->n];
    const VReg& m = cpu.regs.v[ip->m];
    const unsigned elements = ip->b1, base = ip->b2 ? elements : 0;
    VReg r{};
    for (unsigned e = 0; e < elements; ++e) r.set<W>(e, static_cast<W>(F(n.get<W>(e), m.get<N>(base + e))));
    cpu.regs.v[ip->d] = r;
    return cpu.next(ip + 1);
}

// Narrowing: the high halves of F(n[e], m[e]) (2 * esize) to one half of Vd; the "2" form keeps
// the lower half, the other zeroes the upper one.
template <typename N, auto F>
const Inst* narrow_high_op(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    using W = wider_t<N>;
    const VReg& n = cpu.regs.v[ip->n];
    const VReg& m = cpu.regs.v[ip->m];
    const unsigned elements = ip->b1, base = ip->b2 ? elements : 0;
    VReg r{};
    if (ip->b2) r.lo = cpu.regs.v[ip->d].lo;
    for (unsigned e = 0; e < elements; ++e)
        r.set<N>(base + e, static_cast<N>(F(n.get<W>(e), m.get<W>(e)) >> bits_of<N>()));
    cpu.regs.v[ip->d] = r;
    return cpu.next(ip + 1);
}

// ---- Lane functions (narrow elements in, a double-width integer out).
template <bool Signed>
constexpr auto add_long = [](auto, auto a, auto b, bool&) { return as_int<Signed>(a) + as_int<Signed>(b); };
template <bool Signed>
constexpr auto sub_long = [](auto, auto a, auto b, bool&) { return as_int<Signed>(a) - as_int<Signed>(b); };
template <bool Signed>
constexpr auto abd_long = [](auto, auto a, auto b, bool&) {
    const __int128 difference = as_int<Signed>(a) - as_int<Signed>(b);
    return difference < 0 ? -difference : difference;
};
template <bool Signed>
constexpr auto aba_long = [](auto acc, auto a, auto b, bool& sat) { return acc + abd_long<Signed>(acc, a, b, sat); };
template <bool Signed>
constexpr auto mul_long = [](auto, auto a, auto b, bool&) { return as_int<Signed>(a) * as_int<Signed>(b); };
template <bool Signed>
constexpr auto mla_long = [](auto acc, auto a, auto b, bool&) { return acc + as_int<Signed>(a) * as_int<Signed>(b); };
template <bool Signed>
constexpr auto mls_long = [](auto acc, auto a, auto b, bool&) { return acc - as_int<Signed>(a) * as_int<Signed>(b); };

// SQDMULL, SQDMLAL, SQDMLSL: 2 * a * b saturated to double width, then the accumulation
// saturated again.
template <int Accumulate>  // 0: none, 1: add, -1: subtract
constexpr auto doubling_mul_long = [](auto acc, auto a, auto b, bool& sat) {
    using W = decltype(acc);
    const __int128 product = signed_sat<W>(2 * as_int<true>(a) * as_int<true>(b), sat);
    const __int128 wide_product = static_cast<signed_t<W>>(static_cast<W>(product));
    if (Accumulate == 0) return static_cast<W>(product);
    const __int128 sum = as_int<true>(acc) + Accumulate * wide_product;
    return signed_sat<W>(sum, sat);
};

// PMULL: carry-less multiplication, 8 x 8 -> 16 or 64 x 64 -> 128 bits.
constexpr auto poly_mul_long = [](auto, auto a, auto b, bool&) {
    u128 result = 0;
    for (unsigned i = 0; i < bits_of<decltype(a)>(); ++i)
        if ((b >> i) & 1) result ^= static_cast<u128>(a) << i;
    return result;
};

template <bool Signed>
constexpr auto add_wide = [](auto wide, auto narrow) { return as_int<Signed>(wide) + as_int<Signed>(narrow); };
template <bool Signed>
constexpr auto sub_wide = [](auto wide, auto narrow) { return as_int<Signed>(wide) - as_int<Signed>(narrow); };

template <bool Round>
constexpr auto add_high = [](auto a, auto b) {
    return static_cast<u128>(a) + b + (Round ? u128{1} << (bits_of<decltype(a)>() / 2 - 1) : 0);
};
template <bool Round>
constexpr auto sub_high = [](auto a, auto b) {
    return static_cast<u128>(a) - b + (Round ? u128{1} << (bits_of<decltype(a)>() / 2 - 1) : 0);
};

// ---- Rows.
enum class Shape : uint8_t { Long, Wide, NarrowHigh, ScalarLong };
using Select = ExecFn (*)(unsigned size);
struct Row {
    Op op;
    Shape shape;
    Select select;
};

template <auto F>
ExecFn sel_long(unsigned size) {
    return size == 0 ? long_op<std::uint8_t, F> : size == 1 ? long_op<std::uint16_t, F> : long_op<std::uint32_t, F>;
}
// PMULL: bytes, or doublewords (FEAT_PMULL).
ExecFn sel_poly(unsigned size) {
    return size == 0 ? long_op<std::uint8_t, poly_mul_long> : long_op<std::uint64_t, poly_mul_long>;
}
template <auto F> ExecFn sel_wide(unsigned size) {
    return size == 0 ? wide_op<std::uint8_t, F> : size == 1 ? wide_op<std::uint16_t, F> : wide_op<std::uint32_t, F>;
}
template <auto F> ExecFn sel_narrow(unsigned size) {
    return size == 0 ? narrow_high_op<std::uint8_t, F>
           : size == 1 ? narrow_high_op<std::uint16_t, F>
                       : narrow_high_op<std::uint32_t, F>;
}

using enum Shape;
const Row kRows[] = {
    {Op::SADDL, Long, sel_long<add_long<true>>},
    {Op::SADDW, Wide, sel_wide<add_wide<true>>},
    {Op::SSUBL, Long, sel_long<sub_long<true>>},
    {Op::SSUBW, Wide, sel_wide<sub_wide<true>>},
    {Op::ADDHN, NarrowHigh, sel_narrow<add_high<false>>},
    {Op::SABAL, Long, sel_long<aba_long<true>>},
    {Op::SUBHN, NarrowHigh, sel_narrow<sub_high<false>>},
    {Op::SABDL, Long, sel_long<abd_long<true>>},
    {Op::SMLAL, Long, sel_long<mla_long<true>>},
    {Op::SQDMLAL, Long, sel_long<doubling_mul_long<1>>},
    {Op::SMLSL, Long, sel_long<mls_long<true>>},
    {Op::SQDMLSL, Long, sel_long<doubling_mul_long<-1>>},
    {Op::SMULL, Long, sel_long<mul_long<true>>},
    {Op::SQDMULL, Long, sel_long<doubling_mul_long<0>>},
    {Op::PMULL, Long, sel_poly},
    {Op::UADDL, Long, sel_long<add_long<false>>},
    {Op::UADDW, Wide, sel_wide<add_wide<false>>},
    {Op::USUBL, Long, sel_long<sub_long<false>>},
    {Op::USUBW, Wide, sel_wide<sub_wide<false>>},
    {Op::RADDHN, NarrowHigh, sel_narrow<add_high<true>>},
    {Op::UABAL, Long, sel_long<aba_long<false>>},
    {Op::RSUBHN, NarrowHigh, sel_narrow<sub_high<true>>},
    {Op::UABDL, Long, sel_long<abd_long<false>>},
    {Op::UMLAL, Long, sel_long<mla_long<false>>},
    {Op::UMLSL, Long, sel_long<mls_long<false>>},
    {Op::UMULL, Long, sel_long<mul_long<false>>},
    {Op::SQDMLAL_scalar, ScalarLong, sel_long<doubling_mul_long<1>>},
    {Op::SQDMLSL_scalar, ScalarLong, sel_long<doubling_mul_long<-1>>},
    {Op::SQDMULL_scalar, ScalarLong, sel_long<doubling_mul_long<0>>},
};

void prepare(const Decoded& d, Inst& i) {
    const Row* row = nullptr;
    for (const Row& r : kRows)
        if (r.op == d.op) row = &r;
    const unsigned size = d.field('x');
    const bool scalar = row->shape == ScalarLong;
    set_simd_operands(d, i, size, scalar ? 1 : 8u >> size);
    i.b2 = static_cast<uint8_t>(scalar ? 0 : d.field('q'));
    i.exec = row->select(size);
}

}  // namespace

void add_simd_three_different(SemanticsTable& t) {
    for (const Row& row : kRows) t.prepare[static_cast<std::size_t>(row.op)] = prepare;
}

}  // namespace trapeze
