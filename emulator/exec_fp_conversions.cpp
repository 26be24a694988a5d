// Semantics of the scalar conversions between floating-point and integers (C4.1.95): FCVT<r>S
// and FCVT<r>U to W/X with each rounding (and fixed-point FCVTZS/FCVTZU), SCVTF and UCVTF from
// W/X (and fixed-point), FMOV (general) in both directions, including the upper half D[1].
#include "emulator/exec_simd_common.h"

namespace trapeze {
namespace {

using std::uint32_t;
using std::uint64_t;
using std::uint8_t;

// Operands: d, n = registers (V or general slots as the direction says); b0 = rounding (0xff:
// FPCR's); b1 = fraction bits; b2 = 1 when unsigned; b3 = integer width (32 or 64).
constexpr uint8_t kFpcrRounding = 0xff;

inline Rounding rounding_of(const Inst* ip, const FpEnv& env) {
    return ip->b0 == kFpcrRounding ? fpcr_rounding(env.fpcr) : static_cast<Rounding>(ip->b0);
}

// FP (single or double) -> W/X, saturating.
template <typename T>
const Inst* to_integer(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    FpEnv env = fp_env(cpu);
    cpu.regs.x[ip->d] = fp_to_fixed(read_scalar<T>(cpu, ip->n), ip->b1, ip->b2 != 0, ip->b3, rounding_of(ip, env), env);
    commit_fp_env(cpu, env);
    return cpu.next(ip + 1);
}

// W/X -> FP (single or double), rounded by FPCR.
template <typename T>
const Inst* from_integer(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    FpEnv env = fp_env(cpu);
    write_scalar<T>(cpu, ip->d, fixed_to_fp<T>(cpu.regs.x[ip->n], ip->b1, ip->b2 != 0, ip->b3, fpcr_rounding(env.fpcr), env));
    commit_fp_env(cpu, env);
    return cpu.next(ip + 1);
}

// FMOV (general): the bits unchanged. To a general register: a W result zeroes bits 63..32.
template <typename T>
const Inst* move_to_general(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    cpu.regs.x[ip->d] = read_scalar<T>(cpu, ip->n);
    return cpu.next(ip + 1);
}
template <typename T>
const Inst* move_from_general(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    write_scalar<T>(cpu, ip->d, static_cast<T>(cpu.regs.x[ip->n]));
    return cpu.next(ip + 1);
}
// The upper doubleword, D[1]: the lower one stays.
const Inst* move_upper_to_general(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    cpu.regs.x[ip->d] = cpu.regs.v[ip->n].hi;
    return cpu.next(ip + 1);
}
const Inst* move_upper_from_general(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    cpu.regs.v[ip->d].hi = cpu.regs.x[ip->n];
    return cpu.next(ip + 1);
}

// ---- Preparers.

bool is_double(const Decoded& d) { return d.field('e') == 1; }
uint8_t width_of(const Decoded& d) { return d.field('z') ? 64 : 32; }

template <uint8_t R, bool Unsigned, bool Fixed>
void prepare_to_integer(const Decoded& d, Inst& i) {
    i.exec = is_double(d) ? to_integer<uint64_t> : to_integer<uint32_t>;
    i.d = slot_zr_dst(d.field('d'));
    i.n = static_cast<uint8_t>(d.field('n'));
    i.b0 = R;
    i.b1 = static_cast<uint8_t>(Fixed ? 64 - d.field('s') : 0);
    i.b2 = Unsigned;
    i.b3 = width_of(d);
}

template <bool Unsigned, bool Fixed>
void prepare_from_integer(const Decoded& d, Inst& i) {
    i.exec = is_double(d) ? from_integer<uint64_t> : from_integer<uint32_t>;
    i.d = static_cast<uint8_t>(d.field('d'));
    i.n = slot_zr_src(d.field('n'));
    i.b0 = kFpcrRounding;
    i.b1 = static_cast<uint8_t>(Fixed ? 64 - d.field('s') : 0);
    i.b2 = Unsigned;
    i.b3 = width_of(d);
}

void prepare_move_to_general(const Decoded& d, Inst& i) {
    i.exec = d.field('z') ? move_to_general<uint64_t> : move_to_general<uint32_t>;
    i.d = slot_zr_dst(d.field('d'));
    i.n = static_cast<uint8_t>(d.field('n'));
}
void prepare_move_from_general(const Decoded& d, Inst& i) {
    i.exec = d.field('z') ? move_from_general<uint64_t> : move_from_general<uint32_t>;
    i.d = static_cast<uint8_t>(d.field('d'));
    i.n = slot_zr_src(d.field('n'));
}
void prepare_move_upper_to_general(const Decoded& d, Inst& i) {
    i.exec = move_upper_to_general;
    i.d = slot_zr_dst(d.field('d'));
    i.n = static_cast<uint8_t>(d.field('n'));
}
void prepare_move_upper_from_general(const Decoded& d, Inst& i) {
    i.exec = move_upper_from_general;
    i.d = static_cast<uint8_t>(d.field('d'));
    i.n = slot_zr_src(d.field('n'));
}

constexpr uint8_t rounding(Rounding r) { return static_cast<uint8_t>(r); }

}  // namespace

void add_fp_conversions(SemanticsTable& t) {
    auto set = [&](Op op, Preparer p) { t.prepare[static_cast<std::size_t>(op)] = p; };
    set(Op::SCVTF_fix, prepare_from_integer<false, true>);
    set(Op::UCVTF_fix, prepare_from_integer<true, true>);
    set(Op::FCVTZS_fix, prepare_to_integer<rounding(Rounding::Zero), false, true>);
    set(Op::FCVTZU_fix, prepare_to_integer<rounding(Rounding::Zero), true, true>);
    set(Op::FCVTNS_gen, prepare_to_integer<rounding(Rounding::TieEven), false, false>);
    set(Op::FCVTNU_gen, prepare_to_integer<rounding(Rounding::TieEven), true, false>);
    set(Op::SCVTF_gen, prepare_from_integer<false, false>);
    set(Op::UCVTF_gen, prepare_from_integer<true, false>);
    set(Op::FCVTAS_gen, prepare_to_integer<rounding(Rounding::TieAway), false, false>);
    set(Op::FCVTAU_gen, prepare_to_integer<rounding(Rounding::TieAway), true, false>);
    set(Op::FMOV_to_gen, prepare_move_to_general);
    set(Op::FMOV_from_gen, prepare_move_from_general);
    set(Op::FCVTPS_gen, prepare_to_integer<rounding(Rounding::PosInf), false, false>);
    set(Op::FCVTPU_gen, prepare_to_integer<rounding(Rounding::PosInf), true, false>);
    set(Op::FMOV_to_gen_hi, prepare_move_upper_to_general);
    set(Op::FMOV_from_gen_hi, prepare_move_upper_from_general);
    set(Op::FCVTMS_gen, prepare_to_integer<rounding(Rounding::NegInf), false, false>);
    set(Op::FCVTMU_gen, prepare_to_integer<rounding(Rounding::NegInf), true, false>);
    set(Op::FCVTZS_gen, prepare_to_integer<rounding(Rounding::Zero), false, false>);
    set(Op::FCVTZU_gen, prepare_to_integer<rounding(Rounding::Zero), true, false>);
}

}  // namespace trapeze
