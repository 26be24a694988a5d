// Semantics of Advanced SIMD across lanes (ADDV, SADDLV, UMAXV, FMAXNMV...) and the scalar
// pairwise forms (ADDP, FADDP, FMAXP... of a vector's two lowest elements): reductions to one
// element, which zeroes the rest of the register. The FP reductions pair the elements as the
// manual's Reduce() does, halving the vector at each step (the order decides NaN propagation).
#include "emulator/exec_simd_lanes.h"

namespace trapeze {
namespace {

using std::uint8_t;

// Operands: b1 = the elements reduced.

// Integer: the sum, maximum or minimum of the elements (signed or not); Long: SADDLV/UADDLV
// widen the sum to twice the element size.
enum class Reduction : uint8_t { Sum, Max, Min };
template <typename T, bool Signed, Reduction R, bool Long>
const Inst* reduce(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    const VReg& n = cpu.regs.v[ip->n];
    __int128 accumulator = as_int<Signed>(n.get<T>(0));
    for (unsigned e = 1; e < ip->b1; ++e) {
        const __int128 value = as_int<Signed>(n.get<T>(e));
        if (R == Reduction::Sum) accumulator += value;
        else if (R == Reduction::Max) accumulator = value > accumulator ? value : accumulator;
        else accumulator = value < accumulator ? value : accumulator;
    }
    VReg r{};
    if constexpr (Long) r.set<wider_t<T>>(0, static_cast<wider_t<T>>(accumulator));
    else r.set<T>(0, static_cast<T>(accumulator));
    cpu.regs.v[ip->d] = r;
    return cpu.next(ip + 1);
}

// FP: Reduce(op, vector) = op(Reduce(low half), Reduce(high half)).
template <typename T, auto F>
T reduce_fp(const VReg& n, unsigned first, unsigned count, FpEnv& env) {
    if (count == 1) return n.get<T>(first);
    const unsigned half = count / 2;
    const T lo = reduce_fp<T, F>(n, first, half, env);
    const T hi = reduce_fp<T, F>(n, first + half, half, env);
    return F(lo, hi, env);
}
template <typename T, auto F>
const Inst* reduce_fp_op(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    FpEnv env = fp_env(cpu);
    const T result = reduce_fp<T, F>(cpu.regs.v[ip->n], 0, ip->b1, env);
    write_scalar<T>(cpu, ip->d, result);
    commit_fp_env(cpu, env);
    return cpu.next(ip + 1);
}

constexpr auto f_add = [](auto a, auto b, FpEnv& env) { return fp_add(a, b, env); };
constexpr auto f_max = [](auto a, auto b, FpEnv& env) { return fp_max(a, b, env); };
constexpr auto f_min = [](auto a, auto b, FpEnv& env) { return fp_min(a, b, env); };
constexpr auto f_max_num = [](auto a, auto b, FpEnv& env) { return fp_max_num(a, b, env); };
constexpr auto f_min_num = [](auto a, auto b, FpEnv& env) { return fp_min_num(a, b, env); };

// ---- Rows.
enum class Shape : uint8_t { Vector, VectorFp, PairFp, Pair };
using Select = ExecFn (*)(unsigned size);
struct Row {
    Op op;
    Shape shape;
    Select select;
};

template <bool Signed, Reduction R, bool Long>
ExecFn sel_reduce(unsigned size) {
    switch (size) {
    case 0: return reduce<std::uint8_t, Signed, R, Long>;
    case 1: return reduce<std::uint16_t, Signed, R, Long>;
    case 2: return reduce<std::uint32_t, Signed, R, Long>;
    default: return reduce<std::uint64_t, Signed, R, Long>;
    }
}
template <auto F> ExecFn sel_fp(unsigned sz) { return TRAPEZE_BY_SZ(reduce_fp_op, F, sz); }

using enum Shape;
const Row kRows[] = {
    {Op::SADDLV, Vector, sel_reduce<true, Reduction::Sum, true>},
    {Op::SMAXV, Vector, sel_reduce<true, Reduction::Max, false>},
    {Op::SMINV, Vector, sel_reduce<true, Reduction::Min, false>},
    {Op::ADDV, Vector, sel_reduce<false, Reduction::Sum, false>},
    {Op::UADDLV, Vector, sel_reduce<false, Reduction::Sum, true>},
    {Op::UMAXV, Vector, sel_reduce<false, Reduction::Max, false>},
    {Op::UMINV, Vector, sel_reduce<false, Reduction::Min, false>},
    {Op::FMAXNMV, VectorFp, sel_fp<f_max_num>},
    {Op::FMAXV, VectorFp, sel_fp<f_max>},
    {Op::FMINNMV, VectorFp, sel_fp<f_min_num>},
    {Op::FMINV, VectorFp, sel_fp<f_min>},
    {Op::ADDP_scalar, Pair, sel_reduce<false, Reduction::Sum, false>},
    {Op::FMAXNMP_scalar, PairFp, sel_fp<f_max_num>},
    {Op::FADDP_scalar, PairFp, sel_fp<f_add>},
    {Op::FMAXP_scalar, PairFp, sel_fp<f_max>},
    {Op::FMINNMP_scalar, PairFp, sel_fp<f_min_num>},
    {Op::FMINP_scalar, PairFp, sel_fp<f_min>},
};

void prepare(const Decoded& d, Inst& i) {
    const Row* row = nullptr;
    for (const Row& r : kRows)
        if (r.op == d.op) row = &r;
    switch (row->shape) {
    case Vector: set_simd_operands(d, i, d.field('x'), vector_elements(d, d.field('x'))); i.exec = row->select(d.field('x')); break;
    case VectorFp: set_simd_operands(d, i, 2 + d.field('e'), vector_elements(d, 2 + d.field('e'))); i.exec = row->select(d.field('e')); break;
    case Pair: set_simd_operands(d, i, 3, 2); i.exec = row->select(3); break;
    case PairFp: set_simd_operands(d, i, 2 + d.field('e'), 2); i.exec = row->select(d.field('e')); break;
    }
}

}  // namespace

void add_simd_across_lanes(SemanticsTable& t) {
    for (const Row& row : kRows) t.prepare[static_cast<std::size_t>(row.op)] = prepare;
}

}  // namespace trapeze
