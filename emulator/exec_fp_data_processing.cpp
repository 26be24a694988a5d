// Semantics of the scalar floating-point data processing of C4.1.95 in single and double
// precision: 1-source (FMOV, FABS, FNEG, FSQRT, FCVT, FRINT*), compares (FCMP, FCMPE, FCCMP,
// FCCMPE), FMOV (immediate), 2-source arithmetic, FCSEL and the fused 3-source forms. The
// arithmetic itself is in fp_*.cpp, from the manual's pseudocode.
#include "emulator/exec_simd_common.h"

namespace trapeze {
namespace {

using std::uint32_t;
using std::uint64_t;
using std::uint8_t;

// Operands: d, n, m, a = V registers; b0 = cond; b1 = nzcv (FCCMP); b2 = 1 for the signalling
// compares; b3 = 1 to compare with +0.0 (FCMP Vn, #0.0); imm = FMOV's value.

template <typename T, T (*F)(T, T, FpEnv&)>
const Inst* binary(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    FpEnv env = fp_env(cpu);
    write_scalar<T>(cpu, ip->d, F(read_scalar<T>(cpu, ip->n), read_scalar<T>(cpu, ip->m), env));
    commit_fp_env(cpu, env);
    return cpu.next(ip + 1);
}

// FNMUL: FPNeg(FPMul(n, m)), a NaN product included.
template <typename T>
T negated_mul(T a, T b, FpEnv& env) {
    return fp_neg(fp_mul(a, b, env));
}

template <typename T, T (*F)(T, FpEnv&)>
const Inst* unary(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    FpEnv env = fp_env(cpu);
    write_scalar<T>(cpu, ip->d, F(read_scalar<T>(cpu, ip->n), env));
    commit_fp_env(cpu, env);
    return cpu.next(ip + 1);
}

// FMOV, FABS, FNEG: bit operations, no exceptions and no NaN processing.
enum class Bits : uint8_t { Move, Abs, Neg };
template <typename T, Bits B>
const Inst* bit_op(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    const T value = read_scalar<T>(cpu, ip->n);
    write_scalar<T>(cpu, ip->d, B == Bits::Move ? value : B == Bits::Abs ? fp_abs(value) : fp_neg(value));
    return cpu.next(ip + 1);
}

// FRINT*: b0 is the rounding (FPCR's for FRINTX and FRINTI), b1 = 1 for FRINTX (Inexact).
template <typename T>
const Inst* round_int(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    FpEnv env = fp_env(cpu);
    const Rounding rounding = ip->b0 == 0xff ? fpcr_rounding(env.fpcr) : static_cast<Rounding>(ip->b0);
    write_scalar<T>(cpu, ip->d, fp_round_int(read_scalar<T>(cpu, ip->n), rounding, ip->b1 != 0, env));
    commit_fp_env(cpu, env);
    return cpu.next(ip + 1);
}

// FCVT between precisions, with FPCR's rounding.
template <typename To, typename From>
const Inst* convert(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    FpEnv env = fp_env(cpu);
    write_scalar<To>(cpu, ip->d, fp_convert<To>(read_scalar<From>(cpu, ip->n), fpcr_rounding(env.fpcr), env));
    commit_fp_env(cpu, env);
    return cpu.next(ip + 1);
}

template <typename T>
const Inst* compare(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    FpEnv env = fp_env(cpu);
    const T second = ip->b3 ? T{0} : read_scalar<T>(cpu, ip->m);
    cpu.regs.nzcv = fp_compare(read_scalar<T>(cpu, ip->n), second, ip->b2 != 0, env);
    commit_fp_env(cpu, env);
    return cpu.next(ip + 1);
}

// FCCMP: the comparison when the condition holds, else the immediate flags.
template <typename T>
const Inst* conditional_compare(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    if (!condition_holds(cpu.regs.nzcv, ip->b0)) {
        cpu.regs.nzcv = static_cast<uint32_t>(ip->b1) << 28;
        return cpu.next(ip + 1);
    }
    FpEnv env = fp_env(cpu);
    cpu.regs.nzcv = fp_compare(read_scalar<T>(cpu, ip->n), read_scalar<T>(cpu, ip->m), ip->b2 != 0, env);
    commit_fp_env(cpu, env);
    return cpu.next(ip + 1);
}

template <typename T>
const Inst* select(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    const unsigned source = condition_holds(cpu.regs.nzcv, ip->b0) ? ip->n : ip->m;
    write_scalar<T>(cpu, ip->d, read_scalar<T>(cpu, source));
    return cpu.next(ip + 1);
}

template <typename T>
const Inst* move_immediate(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    write_scalar<T>(cpu, ip->d, static_cast<T>(ip->imm));
    return cpu.next(ip + 1);
}

// FMADD, FMSUB, FNMADD, FNMSUB: FPMulAdd(Va, Vn, Vm) with Va and/or Vn negated first (NegA,
// NegN), so a negated NaN operand propagates with its sign flipped, as the manual says.
template <typename T, bool NegA, bool NegN>
const Inst* fused(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    FpEnv env = fp_env(cpu);
    T addend = read_scalar<T>(cpu, ip->a), op1 = read_scalar<T>(cpu, ip->n);
    if (NegA) addend = fp_neg(addend);
    if (NegN) op1 = fp_neg(op1);
    write_scalar<T>(cpu, ip->d, fp_mul_add(addend, op1, read_scalar<T>(cpu, ip->m), env));
    commit_fp_env(cpu, env);
    return cpu.next(ip + 1);
}

// ---- Preparers: ftype 00 is single precision, 01 double (the decoder rejects the others).

void set_registers(const Decoded& d, Inst& i) {
    i.d = static_cast<uint8_t>(d.field('d'));
    i.n = static_cast<uint8_t>(d.field('n'));
    i.m = static_cast<uint8_t>(d.field('m'));
    i.a = static_cast<uint8_t>(d.field('a'));
}

bool is_double(const Decoded& d) { return d.field('e') == 1; }

template <uint32_t (*S)(uint32_t, uint32_t, FpEnv&), uint64_t (*D)(uint64_t, uint64_t, FpEnv&)>
void prepare_binary(const Decoded& d, Inst& i) {
    set_registers(d, i);
    i.exec = is_double(d) ? binary<uint64_t, D> : binary<uint32_t, S>;
}
#define TRAPEZE_FP_BINARY(fn) prepare_binary<fn<uint32_t>, fn<uint64_t>>

template <Bits B>
void prepare_bits(const Decoded& d, Inst& i) {
    set_registers(d, i);
    i.exec = is_double(d) ? bit_op<uint64_t, B> : bit_op<uint32_t, B>;
}

void prepare_sqrt(const Decoded& d, Inst& i) {
    set_registers(d, i);
    i.exec = is_double(d) ? unary<uint64_t, fp_sqrt<uint64_t>> : unary<uint32_t, fp_sqrt<uint32_t>>;
}

// 0xff: the rounding of FPCR.RMode, read when the instruction executes.
constexpr uint8_t kFpcrRounding = 0xff;

template <uint8_t R, bool Exact>
void prepare_round_int(const Decoded& d, Inst& i) {
    set_registers(d, i);
    i.exec = is_double(d) ? round_int<uint64_t> : round_int<uint32_t>;
    i.b0 = R;
    i.b1 = Exact;
}

// FCVT: ftype (e) is the source, opc (o) the target: 00 single, 01 double, 11 half.
void prepare_fcvt(const Decoded& d, Inst& i) {
    set_registers(d, i);
    const unsigned from = d.field('e'), to = d.field('o');
    using H = std::uint16_t;
    if (from == 0) i.exec = to == 1 ? convert<uint64_t, uint32_t> : convert<H, uint32_t>;
    else if (from == 1) i.exec = to == 0 ? convert<uint32_t, uint64_t> : convert<H, uint64_t>;
    else i.exec = to == 0 ? convert<uint32_t, H> : convert<uint64_t, H>;
}

void prepare_compare(const Decoded& d, Inst& i) {
    set_registers(d, i);
    i.exec = is_double(d) ? compare<uint64_t> : compare<uint32_t>;
    i.b2 = static_cast<uint8_t>(d.field('E'));
    i.b3 = static_cast<uint8_t>(d.field('Z'));
}

void prepare_conditional_compare(const Decoded& d, Inst& i) {
    set_registers(d, i);
    i.exec = is_double(d) ? conditional_compare<uint64_t> : conditional_compare<uint32_t>;
    i.b0 = static_cast<uint8_t>(d.field('c'));
    i.b1 = static_cast<uint8_t>(d.field('f'));
    i.b2 = static_cast<uint8_t>(d.field('E'));
}

void prepare_select(const Decoded& d, Inst& i) {
    set_registers(d, i);
    i.exec = is_double(d) ? select<uint64_t> : select<uint32_t>;
    i.b0 = static_cast<uint8_t>(d.field('c'));
}

void prepare_move_immediate(const Decoded& d, Inst& i) {
    set_registers(d, i);
    const auto imm8 = static_cast<uint8_t>(d.field('i'));
    if (is_double(d)) {
        i.exec = move_immediate<uint64_t>;
        i.imm = fp_expand_imm<uint64_t>(imm8);
    } else {
        i.exec = move_immediate<uint32_t>;
        i.imm = fp_expand_imm<uint32_t>(imm8);
    }
}

template <bool NegA, bool NegN>
void prepare_fused(const Decoded& d, Inst& i) {
    set_registers(d, i);
    i.exec = is_double(d) ? fused<uint64_t, NegA, NegN> : fused<uint32_t, NegA, NegN>;
}

}  // namespace

void add_fp_data_processing(SemanticsTable& t) {
    auto set = [&](Op op, Preparer p) { t.prepare[static_cast<std::size_t>(op)] = p; };
    set(Op::FMOV_fp, prepare_bits<Bits::Move>);
    set(Op::FABS_fp, prepare_bits<Bits::Abs>);
    set(Op::FNEG_fp, prepare_bits<Bits::Neg>);
    set(Op::FSQRT_fp, prepare_sqrt);
    set(Op::FCVT_fp, prepare_fcvt);
    set(Op::FRINTN_fp, prepare_round_int<static_cast<uint8_t>(Rounding::TieEven), false>);
    set(Op::FRINTP_fp, prepare_round_int<static_cast<uint8_t>(Rounding::PosInf), false>);
    set(Op::FRINTM_fp, prepare_round_int<static_cast<uint8_t>(Rounding::NegInf), false>);
    set(Op::FRINTZ_fp, prepare_round_int<static_cast<uint8_t>(Rounding::Zero), false>);
    set(Op::FRINTA_fp, prepare_round_int<static_cast<uint8_t>(Rounding::TieAway), false>);
    set(Op::FRINTX_fp, prepare_round_int<kFpcrRounding, true>);
    set(Op::FRINTI_fp, prepare_round_int<kFpcrRounding, false>);
    set(Op::FCMP_fp, prepare_compare);
    set(Op::FMOV_fp_imm, prepare_move_immediate);
    set(Op::FCCMP_fp, prepare_conditional_compare);
    set(Op::FMUL_fp, TRAPEZE_FP_BINARY(fp_mul));
    set(Op::FDIV_fp, TRAPEZE_FP_BINARY(fp_div));
    set(Op::FADD_fp, TRAPEZE_FP_BINARY(fp_add));
    set(Op::FSUB_fp, TRAPEZE_FP_BINARY(fp_sub));
    set(Op::FMAX_fp, TRAPEZE_FP_BINARY(fp_max));
    set(Op::FMIN_fp, TRAPEZE_FP_BINARY(fp_min));
    set(Op::FMAXNM_fp, TRAPEZE_FP_BINARY(fp_max_num));
    set(Op::FMINNM_fp, TRAPEZE_FP_BINARY(fp_min_num));
    set(Op::FNMUL_fp, TRAPEZE_FP_BINARY(negated_mul));
    set(Op::FCSEL_fp, prepare_select);
    set(Op::FMADD_fp, prepare_fused<false, false>);
    set(Op::FMSUB_fp, prepare_fused<false, true>);
    set(Op::FNMADD_fp, prepare_fused<true, true>);
    set(Op::FNMSUB_fp, prepare_fused<true, false>);
}

}  // namespace trapeze
