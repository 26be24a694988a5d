// Version 3 of the lecture: "虚拟机内支持运行单一用户态线程" -- the VM has a kernel and a user
// thread (U-Thread). Both run at physical EL0 of the interpreter, so the VMM keeps the
// *virtual* exception level: EL1 while the guest kernel runs, EL0 while its U-Thread runs.
// Whatever would take the U-Thread into the kernel on real hardware -- a syscall (SVC), the
// timer's interrupt, a page fault, an instruction it may not execute -- reaches the VMM
// first, and the VMM *forwards* it: it does what the hardware would have done, entering the
// guest kernel's vectors at the lower-EL offsets with ESR_EL1, ELR_EL1, SPSR_EL1 and FAR_EL1
// exactly as the hardware writes them. The guest kernel also manages its own memory now:
// its page-table registers (TTBR0_EL1, TCR_EL1...) and its TLB maintenance trap, and the VMM
// hands them to the interpreter's stage-1 MMU.
//
// Read in order: V3:010 forwarding an exception, V3:020 SVC, V3:030 system registers from
// EL0, V3:040 the guest's MMU, V3:050 TLB and cache maintenance, V3:060 ERET, V3:070
// faults, V3:080 everything else the hardware would raise.
#include "versions/v3/handlers.h"

#include <array>
#include <string_view>

#include <fmt/format.h>

#include "decoder/bits.h"
#include "emulator/system_instructions.h"
#include "versions/v2/handlers.h"
#include "vmm/el0_access.h"
#include "vmm/mmio.h"
#include "vmm/sysreg.h"
#include "vmm/vm.h"

namespace trapeze::v3 {
namespace {

constexpr std::uint32_t kUndefined = make_esr(ExceptionClass::Unknown, 0);

// What the trace says after an exception was forwarded, by vector offset / 0x80.
constexpr std::string_view kVectorNotes[16] = {
    "forwarded: guest kernel's vector +0x000 (sync, EL1t)", "forwarded: guest kernel's vector +0x080 (IRQ, EL1t)",
    "forwarded: guest kernel's vector +0x100 (FIQ, EL1t)",  "forwarded: guest kernel's vector +0x180 (SError, EL1t)",
    "forwarded: guest kernel's vector +0x200 (sync, EL1h)", "forwarded: guest kernel's vector +0x280 (IRQ, EL1h)",
    "forwarded: guest kernel's vector +0x300 (FIQ, EL1h)",  "forwarded: guest kernel's vector +0x380 (SError, EL1h)",
    "forwarded: guest kernel's vector +0x400 (sync, EL0)",  "forwarded: guest kernel's vector +0x480 (IRQ, EL0)",
    "forwarded: guest kernel's vector +0x500 (FIQ, EL0)",   "forwarded: guest kernel's vector +0x580 (SError, EL0)",
    "forwarded: guest kernel's vector +0x600 (AArch32)",    "forwarded: guest kernel's vector +0x680 (AArch32)",
    "forwarded: guest kernel's vector +0x700 (AArch32)",    "forwarded: guest kernel's vector +0x780 (AArch32)",
};

std::string_view vector_note(const Vcpu& vcpu) {
    const std::uint64_t offset = vcpu.pc() - vcpu.sysreg(SysregId::VBAR_EL1);
    return offset < 0x800 ? kVectorNotes[offset / 0x80] : "forwarded to the guest kernel";
}

// ESR_EL1.ISS of an abort as EL1 sees it: the instruction syndrome (ISV, SAS, SSE, SRT, SF,
// AR) is for a hypervisor, so the guest kernel gets ISV = 0 and those bits clear; WnR, CM,
// S1PTW, EA and the fault status code stay.
constexpr std::uint32_t kAbortIssForEl1 = 0x3fff;

// The address of each of the 16 vector entries, for the one fault no guest can handle.
bool is_vector_entry(const Vcpu& vcpu, std::uint64_t pc) {
    const std::uint64_t offset = pc - vcpu.sysreg(SysregId::VBAR_EL1);
    return offset < 0x800 && offset % 0x80 == 0;
}

Action undefined(Vcpu& vcpu, const Exit& exit) { return forward_exception(vcpu, kUndefined, exit.pc); }

constexpr std::uint64_t kTcrAs = 1ull << 36;  // TCR_EL1.AS: 16-bit ASIDs

// A data abort that a system instruction (DC, IC) caused at `va`, to forward like any other.
Exit abort_exit(const Exit& exit, std::uint64_t va) {
    Exit abort = exit;
    abort.esr = make_esr(ExceptionClass::DataAbortLower, 0);
    abort.far = va;
    return abort;
}

// ESR_EL1.ISS of such an abort: the fault status code, WnR (1 for every cache maintenance
// fault) and CM (the abort came from a cache maintenance instruction, not DC ZVA).
std::uint32_t maintenance_abort_iss(std::uint32_t fsc, bool cache_maintenance) {
    constexpr std::uint32_t kWnR = 1u << 6, kCM = 1u << 8;
    return fsc | kWnR | (cache_maintenance ? kCM : 0);
}

// PAR_EL1 after an AT instruction (Arm ARM, PAR_EL1): the output address with its
// attributes, or F = 1 with the fault status code. Bit 11 is RES1; NS = 1, as for every
// access of a machine without a Secure state.
std::uint64_t par_el1(const Translation& t) {
    constexpr std::uint64_t kRes1 = 1ull << 11, kNs = 1ull << 9, kF = 1;
    if (!t.ok) return kRes1 | (static_cast<std::uint64_t>(t.fsc & 0x3f) << 1) | kF;
    return (static_cast<std::uint64_t>(t.attr) << 56) | (t.pa & 0x000f'ffff'ffff'f000ull) | kRes1 | kNs |
           (static_cast<std::uint64_t>(t.sh & 3) << 7);
}

constexpr std::array<std::uint8_t, 2048> kZeroBlock{};  // DC ZVA's largest block (DCZID_EL0.BS = 9)

}  // namespace

// V3:010 Forward an exception to the guest kernel. v2's take_exception already does what the
// hardware does on an exception entry -- ELR_EL1, SPSR_EL1, DAIF masked, EL1 with SP_EL1 --
// and picks the vector block by where the guest was: the lower-EL block (+0x400) when its
// U-Thread ran at EL0. A synchronous exception adds its syndrome in ESR_EL1.
Action forward_exception(Vcpu& vcpu, std::uint32_t esr, std::uint64_t return_address) {
    // SOLUTION BEGIN
    vcpu.set_sysreg(SysregId::ESR_EL1, esr);
    v2::take_exception(vcpu, v2::VectorType::Synchronous, return_address);
    return Action::forwarded(vector_note(vcpu));
    // SOLUTION END
}

// An abort also says where: FAR_EL1. The interpreter runs everything at physical EL0, so it
// reports every abort "from a lower EL"; when the guest kernel itself faulted (virtual EL1),
// the guest must see "from the same EL" (EC 0x21 / 0x25) instead.
Action forward_abort(Vcpu& vcpu, const Exit& exit, std::uint32_t iss) {
    // SOLUTION BEGIN
    ExceptionClass ec = exit.ec();
    if (vcpu.el() == 1)
        ec = ec == ExceptionClass::InstructionAbortLower ? ExceptionClass::InstructionAbortSame
                                                          : ExceptionClass::DataAbortSame;
    vcpu.set_sysreg(SysregId::FAR_EL1, exit.far);
    return forward_exception(vcpu, make_esr(ec, iss), exit.pc);
    // SOLUTION END
}

// V3:020 SVC: the U-Thread's system call. The hardware would enter the kernel at
// VBAR_EL1 + 0x400 with ESR_EL1 = EC 0x15 and the immediate, and ELR_EL1 pointing *after* the
// SVC (its preferred return address), so the kernel's ERET resumes the thread past it.
Action handle_svc(Vcpu& vcpu, const Exit& exit) {
    // SOLUTION BEGIN
    return forward_exception(vcpu, exit.esr, exit.pc + 4);
    // SOLUTION END
}

// V3:030 A trapped MSR/MRS. From the guest kernel (virtual EL1) it is v2's business. From the
// U-Thread (virtual EL0) the manual decides: EL1's registers are UNDEFINED there; a few
// registers (the counter, CTR_EL0, DAIF) are the U-Thread's when the kernel allows it through
// a control bit (CNTKCTL_EL1, SCTLR_EL1), and are trapped to the kernel (EC 0x18) when not.
Action handle_sysreg(Vcpu& vcpu, const Exit& exit) {
    const SysRegIss iss = SysRegIss::decode(exit.iss());
    // SOLUTION BEGIN
    if (vcpu.el() == 0) {
        switch (el0_access(vcpu, iss).verdict) {
            case El0Verdict::Undefined: return undefined(vcpu, exit);
            case El0Verdict::TrapToEl1: return forward_exception(vcpu, exit.esr, exit.pc);
            case El0Verdict::Allowed: break;
        }
    }
    if (iss.op0 == 1) return handle_system_instruction(vcpu, exit);
    if (pstate_field(iss) != PstateField::None) return v2::handle_sysreg(vcpu, exit);
    const SysregInfo* reg = find_sysreg(iss);
    if (!reg) {
        // The ID register space (Op0 = 3, Op1 = 0, CRn = 0) reads as zero where nothing is
        // allocated, so a kernel can probe it; any other register Trapeze does not have
        // (EL2's, EL3's) is UNDEFINED, as on a machine without those ELs.
        const bool id_space = iss.op0 == 3 && iss.op1 == 0 && iss.crn == 0 && iss.crm >= 1;
        if (!id_space || !iss.read) return undefined(vcpu, exit);
        vcpu.set_x(iss.rt, 0);
        return Action::resume_next("reserved ID register: reads as zero");
    }
    if ((iss.read && reg->access == SysregAccess::WO) || (!iss.read && reg->access == SysregAccess::RO))
        return undefined(vcpu, exit);
    // V3:040 The guest's MMU: SCTLR_EL1 (M turns it on), TTBR0_EL1/TTBR1_EL1 (the lecture's
    // "写入TTBR0_EL1": a guest process switch), TCR_EL1, MAIR_EL1. Storing them in the
    // vCPU is all a handler does: the VMM pushes the new translation regime into the
    // interpreter before the guest runs again.
    if (reg->id == SysregId::SCTLR_EL1 || reg->group == SysregGroup::Mmu) {
        if (iss.read) {
            vcpu.set_x(iss.rt, vcpu.sysreg(reg->id));
            return Action::resume_next("emulated the read");
        }
        vcpu.set_sysreg(reg->id, vcpu.x(iss.rt));
        return Action::resume_next(reg->id == SysregId::SCTLR_EL1 ? "stage 1: new SCTLR_EL1 takes effect"
                                                                  : "stage 1: the guest's translation changed");
    }
    // SOLUTION END
    return v2::handle_sysreg(vcpu, exit);
}

// V3:050 TLB and cache maintenance (SYS, Op0 = 1). TLBI drops the guest's cached translations
// -- until it does, the old ones stay in use, as on hardware. AT translates an address into
// PAR_EL1. DC ZVA zeroes a block; the other DC operations have no cache to clean here but
// still fault like an access. IC drops decoded instructions (self-modifying code, loaders).
Action handle_system_instruction(Vcpu& vcpu, const Exit& exit) {
    const SysRegIss iss = SysRegIss::decode(exit.iss());
    const SystemInstruction* inst = find_system_instruction(iss.op1, iss.crn, iss.crm, iss.op2);
    if (!inst || iss.read) return undefined(vcpu, exit);
    const std::uint64_t xt = vcpu.x(iss.rt);
    // SOLUTION BEGIN
    switch (inst->kind) {
        case SystemInstructionKind::Tlbi: {
            // Xt holds VA[55:12] in bits 43..0 and the ASID in bits 63..48.
            const std::uint64_t va = static_cast<std::uint64_t>(sign_extend((xt & ((1ull << 44) - 1)) << 12, 56));
            const bool asid16 = vcpu.sysreg(SysregId::TCR_EL1) & kTcrAs;
            const auto asid = static_cast<std::uint16_t>(asid16 ? xt >> 48 : (xt >> 48) & 0xff);
            vcpu.invalidate_tlb({inst->tlbi_scope, va, asid, inst->last_level});
            return Action::resume_next("TLB: dropped the guest's cached translations");
        }
        case SystemInstructionKind::At: {
            const Translation t = vcpu.translate(xt, inst->write ? AccessType::Write : AccessType::Read, inst->at_el);
            vcpu.set_sysreg(SysregId::PAR_EL1, par_el1(t));
            return Action::resume_next("AT: the translation is in PAR_EL1");
        }
        case SystemInstructionKind::DcZeroVa: {
            const std::uint64_t block = 4ull << (vcpu.sysreg(SysregId::DCZID_EL0) & 0xf);
            const std::uint64_t va = xt & ~(block - 1);
            const Translation t = vcpu.translate(va, AccessType::Write, vcpu.el());
            // DC ZVA writes: it faults like a store, and Device memory makes it an alignment fault.
            std::uint32_t fsc = 0;
            if (!t.ok) fsc = t.fsc;
            else if (t.device) fsc = kFscAlignment;
            else if (!vcpu.vm().memory().in_ram(t.pa, block)) fsc = kFscSyncExternal;
            if (fsc) return forward_abort(vcpu, abort_exit(exit, va), maintenance_abort_iss(fsc, false));
            vcpu.vm().memory().write(t.pa, kZeroBlock.data(), block);
            vcpu.invalidate_code(t.pa, block);
            return Action::resume_next("DC ZVA: zeroed the block");
        }
        case SystemInstructionKind::DcByVa:
        case SystemInstructionKind::IcInvalidateVa: {
            // No permission check (the manual: cache maintenance by VA makes no permission
            // fault, except DC IVAC without write permission); translation faults do count.
            const Translation t = vcpu.translate(xt, AccessType::Read, vcpu.el());
            if (!t.ok) return forward_abort(vcpu, abort_exit(exit, xt), maintenance_abort_iss(t.fsc, true));
            if (inst->kind == SystemInstructionKind::IcInvalidateVa) vcpu.invalidate_code(t.pa & ~63ull, 64);
            return Action::resume_next("cache maintenance by VA: nothing cached to move");
        }
        case SystemInstructionKind::DcBySetWay: return Action::resume_next("cache maintenance by set/way: nothing to do");
        case SystemInstructionKind::IcInvalidateAll:
            vcpu.invalidate_all_code();
            return Action::resume_next("IC: dropped every decoded instruction");
    }
    // SOLUTION END
    return undefined(vcpu, exit);
}

// V3:060 ERET from the guest kernel: back to ELR_EL1 in the state SPSR_EL1 holds -- EL0t for
// the U-Thread, with its SP_EL0. An SPSR that names an EL this machine does not have (EL2,
// EL3) or AArch32 makes an *illegal* exception return: the manual keeps the EL and the SP,
// restores the flags and masks, and sets PSTATE.IL, so the next instruction raises an
// Illegal Execution state exception (EC 0x0E) into the kernel.
Action handle_eret(Vcpu& vcpu, const Exit& exit) {
    if (vcpu.el() == 0) return undefined(vcpu, exit);  // ERET is UNDEFINED at EL0
    // SOLUTION BEGIN
    const auto spsr = static_cast<std::uint32_t>(vcpu.sysreg(SysregId::SPSR_EL1));
    const std::uint64_t target = vcpu.sysreg(SysregId::ELR_EL1);
    vcpu.clear_exclusive_monitor();
    const std::uint32_t mode = spsr & (pstate::kM4 | pstate::kModeMask);
    const bool legal = mode == pstate::kEL0t || mode == pstate::kEL1t || mode == pstate::kEL1h;
    const std::uint32_t kept = spsr & (pstate::kNzcvMask | pstate::kDaifMask);
    if (!legal) {
        vcpu.set_pstate(kept | pstate::kIL | pstate::mode(vcpu.el(), vcpu.sp_sel()));
        return Action::resume_at(target, "ERET: illegal return (SPSR_EL1.M): PSTATE.IL set");
    }
    vcpu.set_pstate(kept | (spsr & pstate::kIL) | mode);
    return Action::resume_at(target, mode == pstate::kEL0t ? "ERET: back to the U-Thread at EL0"
                                                          : "ERET: back to ELR_EL1 at EL1");
    // SOLUTION END
}

// EC 0x00: what EL0 cannot execute. ERET and MSR SPSel are the guest kernel's to use; the
// VMM emulates them at virtual EL1. Everything else is a really UNDEFINED instruction,
// which the hardware would report to the kernel with EC 0x00.
Action handle_unknown(Vcpu& vcpu, const Exit& exit) {
    if (exit.op == Op::ERET) return handle_eret(vcpu, exit);
    // SOLUTION BEGIN
    if (exit.op == Op::MSR_imm && vcpu.el() == 1) {
        // MSR <pstatefield>, #imm: Op1 in bits 18..16, the immediate in CRm, Op2 in 7..5.
        const std::uint32_t word = exit.instruction;
        const unsigned op1 = (word >> 16) & 7, crm = (word >> 8) & 15, op2 = (word >> 5) & 7;
        if (op1 == 0 && op2 == 5) {  // MSR SPSel, #imm: which SP EL1 uses
            vcpu.set_pstate((vcpu.pstate() & ~1u) | (crm & 1));
            return Action::resume_next("SPSel: switched the EL1 stack pointer");
        }
    }
    return undefined(vcpu, exit);
    // SOLUTION END
}

// V3:070 A data abort. If stage 1 (the guest's own tables) translated the address and it is
// a device, emulate it as v2 did. If it is neither RAM nor a device, the guest gets what a
// real machine gives: a synchronous external abort (as KVM with QEMU does). Otherwise the
// fault is the guest's own -- no mapping, no permission, the access flag, alignment -- and
// its kernel handles it (demand paging, or killing the U-Thread).
Action handle_data_abort(Vcpu& vcpu, const Exit& exit) {
    // SOLUTION BEGIN
    if (exit.stage2) {
        if (!vcpu.vm().device_at(exit.ipa).empty()) return v2::handle_data_abort(vcpu, exit);
        DataAbortIss iss;
        iss.wnr = DataAbortIss::decode(exit.iss()).wnr;
        iss.dfsc = kFscSyncExternal;
        return forward_abort(vcpu, exit, iss.encode());
    }
    return forward_abort(vcpu, exit, exit.iss() & kAbortIssForEl1);
    // SOLUTION END
}

Action handle_instruction_abort(Vcpu& vcpu, const Exit& exit) {
    // The one fault no guest can handle: its own vector cannot be fetched, so forwarding the
    // abort would fault again at the same place, forever.
    if (is_vector_entry(vcpu, exit.pc))
        return Action::stop(fmt::format("{}: the guest kernel's exception vector at {:#x} cannot be fetched "
                                        "(IFSC {:#04x}): no guest can handle that",
                                        "v3", exit.pc, exit.iss() & 0x3f));
    // SOLUTION BEGIN
    if (exit.stage2) return forward_abort(vcpu, exit, kFscSyncExternal);  // fetching from no memory
    return forward_abort(vcpu, exit, exit.iss() & kAbortIssForEl1);
    // SOLUTION END
}

// WFI/WFE from the U-Thread trap to its kernel unless SCTLR_EL1.nTWI / nTWE let them run;
// from the kernel, v2 blocks the vCPU.
Action handle_wfx(Vcpu& vcpu, const Exit& exit) {
    // SOLUTION BEGIN
    const bool wfe = exit.iss() & 1;
    if (vcpu.el() == 0 && el0_wait(vcpu, wfe).verdict == El0Verdict::TrapToEl1)
        return forward_exception(vcpu, exit.esr, exit.pc);
    // SOLUTION END
    return v2::handle_wfx(vcpu, exit);
}

// HVC is UNDEFINED at EL0 (the U-Thread cannot call the firmware); the kernel's PSCI calls
// are v2's. SMC is UNDEFINED everywhere: this machine, like QEMU's virt, has no EL3.
Action handle_hvc(Vcpu& vcpu, const Exit& exit) {
    // SOLUTION BEGIN
    if (vcpu.el() == 0) return undefined(vcpu, exit);
    // SOLUTION END
    return v2::handle_hvc(vcpu, exit);
}

Action handle_smc(Vcpu& vcpu, const Exit& exit) { return undefined(vcpu, exit); }

// V3:080 The rest is the guest's to handle, with the syndrome the interpreter reported: BRK
// (EC 0x3C), PC alignment (EC 0x22, FAR_EL1 = the PC), SP alignment (EC 0x26), an illegal
// execution state (EC 0x0E), an FP/SIMD access CPACR_EL1 forbids (EC 0x07).
Action handle_forwarded(Vcpu& vcpu, const Exit& exit) {
    // SOLUTION BEGIN
    if (exit.ec() == ExceptionClass::PcAlignment) vcpu.set_sysreg(SysregId::FAR_EL1, exit.far);
    return forward_exception(vcpu, exit.esr, exit.pc);
    // SOLUTION END
}

void install(VersionHooks& hooks) {
    v2::install(hooks);
    hooks.version = "v3";
    hooks.on(ExceptionClass::Svc64, handle_svc);
    hooks.on(ExceptionClass::Hvc64, handle_hvc);
    hooks.on(ExceptionClass::Smc64, handle_smc);
    hooks.on(ExceptionClass::SysRegister, handle_sysreg);
    hooks.on(ExceptionClass::Unknown, handle_unknown);
    hooks.on(ExceptionClass::DataAbortLower, handle_data_abort);
    hooks.on(ExceptionClass::InstructionAbortLower, handle_instruction_abort);
    hooks.on(ExceptionClass::WfiWfe, handle_wfx);
    for (ExceptionClass ec : {ExceptionClass::Brk64, ExceptionClass::PcAlignment, ExceptionClass::SpAlignment,
                              ExceptionClass::IllegalState, ExceptionClass::FpAccess})
        hooks.on(ec, handle_forwarded);
}

}  // namespace trapeze::v3
