// Semantics of the exception-generating and system instructions of C4.1.87: the few that run
// natively at EL0 (hints, barriers, CLREX, NZCV, TPIDR_EL0, FPCR, FPSR) and the exits that trap_policy.h
// decides for all the others.
#include "emulator/exec_common.h"
#include "emulator/exec_simd_common.h"
#include "emulator/trap_policy.h"

namespace trapeze {
namespace {

// ---- Exits: the ESR is precomputed in w; the instruction does not retire and the exit
// reports its own address (the layer above picks the return address, e.g. PC + 4 after SVC).
// imm holds the Op, so the layer above need not decode the word again.
const Inst* trap(Cpu& cpu, const Inst* ip) { return cpu.raise(ip, ip->w, 0, static_cast<Op>(ip->imm)); }

// ---- The event register (WFE, SEV, SEVL): kept per vCPU in the VM's global monitor, where
// the other vCPUs' SEVs and their stores that clear this vCPU's mark set it.
// WFE with the register set clears it and completes; otherwise it exits (EC 0x01, TI = WFE),
// so the VMM can let the vCPU wait -- before any trap check, as the pseudocode orders it.
const Inst* wfe(Cpu& cpu, const Inst* ip) {
    if (cpu.global_monitor().take_event(cpu.vcpu_index())) return cpu.next(ip + 1);
    return trap(cpu, ip);
}
const Inst* sev(Cpu& cpu, const Inst* ip) {
    cpu.global_monitor().send_event_all(cpu.vcpu_index());
    cpu.notice_own_kick();
    return cpu.next(ip + 1);
}
const Inst* sevl(Cpu& cpu, const Inst* ip) {
    cpu.global_monitor().send_event(cpu.vcpu_index(), cpu.vcpu_index());
    return cpu.next(ip + 1);
}

// ---- Hints and barriers: one interpreted CPU sees its own accesses in order.
const Inst* nop(Cpu& cpu, const Inst* ip) { return cpu.next(ip + 1); }
const Inst* clrex(Cpu& cpu, const Inst* ip) {
    cpu.clear_exclusive_monitor();
    return cpu.next(ip + 1);
}

// ---- Native system registers: Rt in d (MRS) or n (MSR).
const Inst* mrs_nzcv(Cpu& cpu, const Inst* ip) {
    write_reg(cpu, ip->d, static_cast<std::uint64_t>(cpu.regs.nzcv));
    return cpu.next(ip + 1);
}
const Inst* msr_nzcv(Cpu& cpu, const Inst* ip) {
    cpu.regs.nzcv = static_cast<std::uint32_t>(cpu.regs.x[ip->n]) & (kFlagN | kFlagZ | kFlagC | kFlagV);
    return cpu.next(ip + 1);
}
const Inst* mrs_tpidr_el0(Cpu& cpu, const Inst* ip) {
    write_reg(cpu, ip->d, cpu.regs.tpidr_el0);
    return cpu.next(ip + 1);
}
const Inst* msr_tpidr_el0(Cpu& cpu, const Inst* ip) {
    cpu.regs.tpidr_el0 = cpu.regs.x[ip->n];
    return cpu.next(ip + 1);
}

// FPCR and FPSR belong to FP: they trap as FP/SIMD instructions do (EC 0x07). Bits the
// implementation does not have read as zero and ignore writes (FPCR: AHP, DN, FZ, RMode).
const Inst* mrs_fpcr(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    write_reg(cpu, ip->d, static_cast<std::uint64_t>(cpu.regs.fpcr));
    return cpu.next(ip + 1);
}
const Inst* msr_fpcr(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    cpu.regs.fpcr = static_cast<std::uint32_t>(cpu.regs.x[ip->n]) & kFpcrWritable;
    return cpu.next(ip + 1);
}
const Inst* mrs_fpsr(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    write_reg(cpu, ip->d, static_cast<std::uint64_t>(cpu.regs.fpsr));
    return cpu.next(ip + 1);
}
const Inst* msr_fpsr(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    cpu.regs.fpsr = static_cast<std::uint32_t>(cpu.regs.x[ip->n]) & kFpsrWritable;
    return cpu.next(ip + 1);
}

// ---- Preparers: everything comes from the trap policy.
void prepare_system(const Decoded& d, Inst& i) {
    const TrapDecision policy = trap_policy(d);
    if (!policy.rule) return;  // not in the policy: stays UNDEFINED (prepare_inst's default)
    if (policy.action == TrapAction::Exit) {
        i.exec = d.op == Op::WFE ? wfe : trap;
        i.w = policy.esr;
        i.imm = static_cast<std::uint64_t>(d.op);
        return;
    }
    const unsigned rt = d.raw & 31;
    i.d = slot_zr_dst(rt);
    i.n = slot_zr_src(rt);
    const bool read = d.op == Op::MRS;
    switch (policy.native) {
        case NativeRegister::Nzcv: i.exec = read ? mrs_nzcv : msr_nzcv; break;
        case NativeRegister::TpidrEl0: i.exec = read ? mrs_tpidr_el0 : msr_tpidr_el0; break;
        case NativeRegister::Fpcr: i.exec = read ? mrs_fpcr : msr_fpcr; break;
        case NativeRegister::Fpsr: i.exec = read ? mrs_fpsr : msr_fpsr; break;
        case NativeRegister::None:
            i.exec = d.op == Op::CLREX ? clrex : d.op == Op::SEV ? sev : d.op == Op::SEVL ? sevl : nop;
            break;
    }
}

}  // namespace

void add_system(SemanticsTable& t) {
    for (Op op : {Op::SVC, Op::HVC, Op::SMC, Op::BRK, Op::HLT, Op::NOP, Op::YIELD, Op::WFE, Op::WFI, Op::SEV,
                  Op::SEVL, Op::HINT, Op::CLREX, Op::DSB, Op::DMB, Op::ISB, Op::MSR_imm, Op::SYS, Op::SYSL,
                  Op::MSR_reg, Op::MRS, Op::ERET, Op::ERETA, Op::DRPS})
        t.prepare[static_cast<std::size_t>(op)] = prepare_system;
}

}  // namespace trapeze
