// Semantics of the branches of C4.1.87: unconditional (immediate and register), conditional,
// compare and branch, test and branch. Offsets are precomputed in imm (sign-extended, in bytes).
#include <array>
#include <utility>

#include "emulator/exec_common.h"

namespace trapeze {
namespace {

// ---- Unconditional branch (immediate): imm = imm26 * 4.
const Inst* b(Cpu& cpu, const Inst* ip) { return cpu.branch(cpu.pc_of(ip) + ip->imm); }
const Inst* bl(Cpu& cpu, const Inst* ip) {
    const std::uint64_t pc = cpu.pc_of(ip);
    cpu.regs.x[30] = pc + 4;
    return cpu.branch(pc + ip->imm);
}

// ---- Conditional branch: one instance per condition, so its ConditionHolds row is a constant.
template <unsigned Cond>
const Inst* b_cond(Cpu& cpu, const Inst* ip) {
    if (condition_holds(cpu.regs.nzcv, Cond)) return cpu.branch(cpu.pc_of(ip) + ip->imm);
    return cpu.next(ip + 1);
}
template <std::size_t... Cond>
constexpr std::array<ExecFn, 16> make_b_cond_table(std::index_sequence<Cond...>) {
    return {&b_cond<Cond>...};
}
constexpr std::array<ExecFn, 16> kBCond = make_b_cond_table(std::make_index_sequence<16>{});

// ---- Compare and branch: Rt in n.
template <bool Sf, bool NonZero>
const Inst* cbz(Cpu& cpu, const Inst* ip) {
    if ((read_reg<Word<Sf>>(cpu, ip->n) != 0) == NonZero) return cpu.branch(cpu.pc_of(ip) + ip->imm);
    return cpu.next(ip + 1);
}

// ---- Test and branch: Rt in n, the bit number in b0.
template <bool NonZero>
const Inst* tbz(Cpu& cpu, const Inst* ip) {
    if ((((cpu.regs.x[ip->n] >> ip->b0) & 1) != 0) == NonZero) return cpu.branch(cpu.pc_of(ip) + ip->imm);
    return cpu.next(ip + 1);
}

// ---- Unconditional branch (register). A misaligned target is not checked here: the next
// fetch raises the PC alignment fault (Cpu::enter), with the branch retired, as on hardware.
const Inst* br(Cpu& cpu, const Inst* ip) { return cpu.branch(cpu.regs.x[ip->n]); }
const Inst* blr(Cpu& cpu, const Inst* ip) {
    const std::uint64_t target = cpu.regs.x[ip->n];  // before X30 is written: BLR X30 uses the old X30
    cpu.regs.x[30] = cpu.pc_of(ip) + 4;
    return cpu.branch(target);
}

// ---- Preparers.
void prepare_b(const Decoded& d, Inst& i) {
    i.exec = d.op == Op::BL ? bl : b;
    i.imm = static_cast<std::uint64_t>(d.signed_field('i') * 4);
}

void prepare_b_cond(const Decoded& d, Inst& i) {
    i.exec = kBCond[d.field('c')];
    i.imm = static_cast<std::uint64_t>(d.signed_field('i') * 4);
}

template <bool NonZero>
void prepare_cbz(const Decoded& d, Inst& i) {
    i.exec = TRAPEZE_BY_SF(d.field('z'), cbz, NonZero);
    i.n = slot_zr_src(d.field('t'));
    i.imm = static_cast<std::uint64_t>(d.signed_field('i') * 4);
}

template <bool NonZero>
void prepare_tbz(const Decoded& d, Inst& i) {
    i.exec = tbz<NonZero>;
    i.n = slot_zr_src(d.field('t'));
    i.b0 = static_cast<std::uint8_t>(d.field('b'));  // b5:b40; b5 = 0 (W form) keeps it below 32
    i.imm = static_cast<std::uint64_t>(d.signed_field('i') * 4);
}

void prepare_branch_register(const Decoded& d, Inst& i) {
    i.exec = d.op == Op::BLR ? blr : br;  // RET is BR with a hint to the return predictor
    i.n = slot_zr_src(d.field('n'));
}

}  // namespace

void add_branches(SemanticsTable& t) {
    auto set = [&](Op op, Preparer p) { t.prepare[static_cast<std::size_t>(op)] = p; };
    set(Op::B, prepare_b);
    set(Op::BL, prepare_b);
    set(Op::B_cond, prepare_b_cond);
    set(Op::CBZ, prepare_cbz<false>);
    set(Op::CBNZ, prepare_cbz<true>);
    set(Op::TBZ, prepare_tbz<false>);
    set(Op::TBNZ, prepare_tbz<true>);
    set(Op::BR, prepare_branch_register);
    set(Op::BLR, prepare_branch_register);
    set(Op::RET, prepare_branch_register);
}

}  // namespace trapeze
