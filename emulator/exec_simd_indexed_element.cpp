// Semantics of Advanced SIMD vector (and scalar) x indexed element (C4.1.95): MUL/MLA/MLS,
// the long forms (SMULL, UMLAL...), the saturating doubling ones (SQDMULL, SQDMLAL, SQDMULH,
// SQRDMULH) and FMUL/FMLA/FMLS/FMULX, each with one element of Vm for every element of Vn.
#include "emulator/exec_simd_lanes.h"

namespace trapeze {
namespace {

using std::uint64_t;
using std::uint8_t;

// Operands: m = Vm, b1 = the elements, b2 = 1 for the "2" (upper half) long forms,
// b3 = the index of the element of Vm.

// Same-size: r[e] = F(d[e], n[e], m[index], saturated).
template <typename T, auto F>
const Inst* by_element(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    const VReg& n = cpu.regs.v[ip->n];
    const VReg& d = cpu.regs.v[ip->d];
    const T element = cpu.regs.v[ip->m].get<T>(ip->b3);
    VReg r{};
    bool saturated = false;
    for (unsigned e = 0; e < ip->b1; ++e) r.set<T>(e, static_cast<T>(F(d.get<T>(e), n.get<T>(e), element, saturated)));
    cpu.regs.v[ip->d] = r;
    if (saturated) cpu.regs.fpsr |= kFpsrQc;
    return cpu.next(ip + 1);
}

// Long: r[e] (2 * esize) = F(acc[e], n[base + e], m[index], saturated).
template <typename N, auto F>
const Inst* long_by_element(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    using W = wider_t<N>;
    const VReg& n = cpu.regs.v[ip->n];
    const VReg& d = cpu.regs.v[ip->d];
    const N element = cpu.regs.v[ip->m].get<N>(ip->b3);
    const unsigned base = ip->b2 ? ip->b1 : 0;
    VReg r{};
    bool saturated = false;
    for (unsigned e = 0; e < ip->b1; ++e)
        r.set<W>(e, static_cast<W>(F(d.get<W>(e), n.get<N>(base + e), element, saturated)));
    cpu.regs.v[ip->d] = r;
    if (saturated) cpu.regs.fpsr |= kFpsrQc;
    return cpu.next(ip + 1);
}

// FP: r[e] = F(d[e], n[e], m[index], env).
template <typename T, auto F>
const Inst* fp_by_element(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    const VReg& n = cpu.regs.v[ip->n];
    const VReg& d = cpu.regs.v[ip->d];
    const T element = cpu.regs.v[ip->m].get<T>(ip->b3);
    FpEnv env = fp_env(cpu);
    VReg r{};
    for (unsigned e = 0; e < ip->b1; ++e) r.set<T>(e, F(d.get<T>(e), n.get<T>(e), element, env));
    cpu.regs.v[ip->d] = r;
    commit_fp_env(cpu, env);
    return cpu.next(ip + 1);
}

// ---- Lane functions.
constexpr auto mul = [](auto, auto a, auto b, bool&) { return static_cast<uint64_t>(a) * b; };
constexpr auto mla = [](auto acc, auto a, auto b, bool&) { return acc + static_cast<uint64_t>(a) * b; };
constexpr auto mls = [](auto acc, auto a, auto b, bool&) { return acc - static_cast<uint64_t>(a) * b; };
template <bool Round>
constexpr auto doubling_mul_high = [](auto, auto a, auto b, bool& sat) {
    using T = decltype(a);
    constexpr unsigned esize = bits_of<T>();
    const __int128 product = 2 * as_int<true>(a) * as_int<true>(b) + (Round ? __int128{1} << (esize - 1) : 0);
    return signed_sat<T>(product >> esize, sat);
};
template <bool Signed, int Accumulate>  // Accumulate: 0 none, 1 add, -1 subtract
constexpr auto mul_long = [](auto acc, auto a, auto b, bool&) {
    const __int128 product = as_int<Signed>(a) * as_int<Signed>(b);
    return Accumulate == 0 ? product : as_int<false>(acc) + Accumulate * product;
};
template <int Accumulate>
constexpr auto doubling_mul_long = [](auto acc, auto a, auto b, bool& sat) {
    using W = decltype(acc);
    const W product = signed_sat<W>(2 * as_int<true>(a) * as_int<true>(b), sat);
    if (Accumulate == 0) return product;
    return signed_sat<W>(as_int<true>(acc) + Accumulate * as_int<true>(product), sat);
};
constexpr auto f_mul = [](auto, auto a, auto b, FpEnv& env) { return fp_mul(a, b, env); };
constexpr auto f_mulx = [](auto, auto a, auto b, FpEnv& env) { return fp_mulx(a, b, env); };
constexpr auto f_mla = [](auto acc, auto a, auto b, FpEnv& env) { return fp_mul_add(acc, a, b, env); };
constexpr auto f_mls = [](auto acc, auto a, auto b, FpEnv& env) { return fp_mul_add(acc, fp_neg(a), b, env); };

// ---- Rows.
enum class Shape : uint8_t { Same, Long, Fp };
using Select = ExecFn (*)(unsigned size);
struct Row {
    Op op;
    Shape shape;
    Select select;
    bool scalar;
};

template <auto F> ExecFn sel_same(unsigned size) {
    return size == 1 ? by_element<std::uint16_t, F> : by_element<std::uint32_t, F>;
}
template <auto F> ExecFn sel_long(unsigned size) {
    return size == 1 ? long_by_element<std::uint16_t, F> : long_by_element<std::uint32_t, F>;
}
template <auto F> ExecFn sel_fp(unsigned sz) { return TRAPEZE_BY_SZ(fp_by_element, F, sz); }

using enum Shape;
const Row kRows[] = {
    {Op::SMLAL_elt, Long, sel_long<mul_long<true, 1>>, false},
    {Op::SQDMLAL_elt, Long, sel_long<doubling_mul_long<1>>, false},
    {Op::SMLSL_elt, Long, sel_long<mul_long<true, -1>>, false},
    {Op::SQDMLSL_elt, Long, sel_long<doubling_mul_long<-1>>, false},
    {Op::MUL_elt, Same, sel_same<mul>, false},
    {Op::SMULL_elt, Long, sel_long<mul_long<true, 0>>, false},
    {Op::SQDMULL_elt, Long, sel_long<doubling_mul_long<0>>, false},
    {Op::SQDMULH_elt, Same, sel_same<doubling_mul_high<false>>, false},
    {Op::SQRDMULH_elt, Same, sel_same<doubling_mul_high<true>>, false},
    {Op::MLA_elt, Same, sel_same<mla>, false},
    {Op::UMLAL_elt, Long, sel_long<mul_long<false, 1>>, false},
    {Op::MLS_elt, Same, sel_same<mls>, false},
    {Op::UMLSL_elt, Long, sel_long<mul_long<false, -1>>, false},
    {Op::UMULL_elt, Long, sel_long<mul_long<false, 0>>, false},
    {Op::FMLA_elt, Fp, sel_fp<f_mla>, false},
    {Op::FMLS_elt, Fp, sel_fp<f_mls>, false},
    {Op::FMUL_elt, Fp, sel_fp<f_mul>, false},
    {Op::FMULX_elt, Fp, sel_fp<f_mulx>, false},
    {Op::SQDMLAL_elt_scalar, Long, sel_long<doubling_mul_long<1>>, true},
    {Op::SQDMLSL_elt_scalar, Long, sel_long<doubling_mul_long<-1>>, true},
    {Op::SQDMULL_elt_scalar, Long, sel_long<doubling_mul_long<0>>, true},
    {Op::SQDMULH_elt_scalar, Same, sel_same<doubling_mul_high<false>>, true},
    {Op::SQRDMULH_elt_scalar, Same, sel_same<doubling_mul_high<true>>, true},
    {Op::FMLA_elt_scalar, Fp, sel_fp<f_mla>, true},
    {Op::FMLS_elt_scalar, Fp, sel_fp<f_mls>, true},
    {Op::FMUL_elt_scalar, Fp, sel_fp<f_mul>, true},
    {Op::FMULX_elt_scalar, Fp, sel_fp<f_mulx>, true},
};

void prepare(const Decoded& d, Inst& i) {
    const Row* row = nullptr;
    for (const Row& r : kRows)
        if (r.op == d.op) row = &r;
    const unsigned h = d.field('H'), l = d.field('L'), m = d.field('M'), rm = d.field('m');
    const bool q = d.field('q') != 0;
    unsigned size, index, vm;
    if (row->shape == Fp) {
        size = 2 + d.field('e');
        index = size == 2 ? (h << 1) | l : h;
        vm = (m << 4) | rm;
    } else if (d.field('x') == 1) {  // halfwords: Vm is V0-V15, M is the index's low bit
        size = 1;
        index = (h << 2) | (l << 1) | m;
        vm = rm;
    } else {
        size = 2;
        index = (h << 1) | l;
        vm = (m << 4) | rm;
    }
    unsigned elements;
    if (row->scalar) elements = 1;
    else if (row->shape == Long) elements = 8u >> size;
    else elements = (q ? 16u : 8u) >> size;
    set_simd_operands(d, i, size, elements);
    i.m = static_cast<uint8_t>(vm);
    i.b2 = static_cast<uint8_t>(row->shape == Long && !row->scalar && q);
    i.b3 = static_cast<uint8_t>(index);
    i.exec = row->select(row->shape == Fp ? size - 2 : size);
}

}  // namespace

void add_simd_indexed_element(SemanticsTable& t) {
    for (const Row& row : kRows) t.prepare[static_cast<std::size_t>(row.op)] = prepare;
}

}  // namespace trapeze
