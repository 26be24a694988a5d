// Version 2 of the lecture: "虚拟机内部支持时钟中断" -- the guest takes timer interrupts.
// The guest sets its irq_handler (VBAR_EL1), switches its irq_bit (PSTATE.I) on and off,
// and programs the virtual timer. All three are system ISA, so each one traps; the VMM keeps
// them in the vCPU's virtual state, and when the virtual timer fires while irq_bit allows
// it, injects a vIRQ: save the interrupted context, enter the guest's handler, and let the
// guest's ERET (which traps too) restore it.
//
// Read in order: V2:010 irq_handler and irq_bit, V2:020 injecting a vIRQ, V2:030 ERET,
// V2:040 WFI, V2:050 PSCI, V2:060 devices.
#include "versions/v2/handlers.h"

#include "decoder/decoder.h"
#include "versions/roadmap.h"
#include "versions/v1/handlers.h"
#include "vmm/devices/psci.h"
#include "vmm/mmio.h"
#include "vmm/sysreg_emulation.h"
#include "vmm/vm.h"

namespace trapeze::v2 {
namespace {

// v2 keeps the MMU registers for the guest, but the MMU itself stays off until v3.
bool turns_mmu_on(const Vcpu& vcpu, const SysregInfo& reg, const SysRegIss& iss) {
    return reg.id == SysregId::SCTLR_EL1 && !iss.read && (vcpu.x(iss.rt) & kSctlrM);
}

}  // namespace

// V2:010 A trapped MSR or MRS. The syndrome says which register (Op0, Op1, CRn, CRm, Op2),
// which general-purpose register (Rt) and which direction.
Action handle_sysreg(Vcpu& vcpu, const Exit& exit) {
    const SysRegIss iss = SysRegIss::decode(exit.iss());
    // SOLUTION BEGIN
    // irq_bit: MSR DAIFSet/DAIFClr #imm set or clear PSTATE.{D,A,I,F} in the virtual PSTATE.
    switch (pstate_field(iss)) {
        case PstateField::DAIFSet:
            vcpu.set_daif(vcpu.daif() | pstate::daif_from_imm4(iss.crm));
            return Action::resume_next("irq_bit: masked in the virtual PSTATE");
        case PstateField::DAIFClr:
            vcpu.set_daif(vcpu.daif() & ~pstate::daif_from_imm4(iss.crm));
            return Action::resume_next("irq_bit: unmasked in the virtual PSTATE");
        case PstateField::None: break;
    }
    const SysregInfo* reg = find_sysreg(iss);
    if (!reg || turns_mmu_on(vcpu, *reg, iss)) return Action::not_virtualized();
    if (reg->id == SysregId::VBAR_EL1) {
        // irq_handler: remember where the guest's vectors are; bits 10..0 are RES0.
        if (iss.read) vcpu.set_x(iss.rt, vcpu.sysreg(SysregId::VBAR_EL1));
        else vcpu.set_sysreg(SysregId::VBAR_EL1, vcpu.x(iss.rt) & ~0x7FFull);
        return Action::resume_next(iss.read ? "irq_handler: read VBAR_EL1" : "irq_handler: set VBAR_EL1");
    }
    if (reg->id == SysregId::DAIF) {
        // irq_bit, the MSR/MRS DAIF form: the whole D, A, I, F field at once.
        if (iss.read) vcpu.set_x(iss.rt, vcpu.daif());
        else vcpu.set_daif(static_cast<std::uint32_t>(vcpu.x(iss.rt)));
        return Action::resume_next(iss.read ? "irq_bit: read DAIF" : "irq_bit: wrote DAIF");
    }
    // The timer, the GIC CPU interface and the other EL1 registers.
    return emulate_sysreg(vcpu, *reg, iss);
    // SOLUTION END
}

// V2:020 Take an exception to the guest kernel: what the hardware would do on its own if
// the kernel ran at EL1. Save where and in which state the guest was (ELR_EL1, SPSR_EL1),
// mask all of DAIF, switch to EL1 with SP_EL1, and jump into the vector table.
void take_exception(Vcpu& vcpu, VectorType type, std::uint64_t return_address) {
    // SOLUTION BEGIN
    const VectorOrigin origin = vcpu.el() == 0 ? VectorOrigin::LowerElAarch64
                                : vcpu.sp_sel() ? VectorOrigin::CurrentElSpx
                                                : VectorOrigin::CurrentElSp0;
    vcpu.set_sysreg(SysregId::ELR_EL1, return_address);
    vcpu.set_sysreg(SysregId::SPSR_EL1, vcpu.pstate());
    vcpu.set_pstate((vcpu.pstate() & pstate::kNzcvMask) | pstate::kDaifMask | pstate::kEL1h);
    vcpu.clear_exclusive_monitor();
    vcpu.set_pc(vcpu.sysreg(SysregId::VBAR_EL1) + static_cast<std::uint64_t>(origin) +
                static_cast<std::uint64_t>(type));
    // SOLUTION END
}

// The GIC signals an interrupt (the virtual timer fired and the guest enabled it). Inject
// a vIRQ if irq_bit lets the guest take it now; otherwise it stays pending for later.
bool deliver_irq(Vcpu& vcpu) {
    // SOLUTION BEGIN
    if (vcpu.irqs_masked()) return false;
    // The interrupted instruction has not run: the guest's ERET must come back to it.
    take_exception(vcpu, VectorType::Irq, vcpu.pc());
    return true;
    // SOLUTION END
}

// V2:030 ERET is UNDEFINED at EL0, so it arrives with EC 0x00. Do what it would have done
// at EL1: return to ELR_EL1 in the state saved in SPSR_EL1 (this may unmask irq_bit).
Action handle_eret(Vcpu& vcpu, const Exit& exit) {
    if (exit.op != Op::ERET) return Action::not_virtualized();
    // SOLUTION BEGIN
    const std::uint64_t target = vcpu.sysreg(SysregId::ELR_EL1);
    vcpu.set_pstate(static_cast<std::uint32_t>(vcpu.sysreg(SysregId::SPSR_EL1)));
    vcpu.clear_exclusive_monitor();
    return Action::resume_at(target, "ERET: back to ELR_EL1 in the state of SPSR_EL1");
    // SOLUTION END
}

// V2:040 WFI: the guest has nothing to do until an interrupt. Spinning would burn the
// physical CPU; block the vCPU instead, and let the monitor wake it when one is pending.
Action handle_wfx(Vcpu& vcpu, const Exit& exit) {
    // SOLUTION BEGIN
    const bool wfe = exit.iss() & 1;
    if (wfe) return Action::resume_next("WFE: no event to wait for, continue");
    return Action::block();
    // SOLUTION END
}

// V2:050 PSCI over HVC: the guest's firmware interface. The function ID is in x0, the
// result goes back in x0.
Action handle_hvc(Vcpu& vcpu, const Exit& exit) {
    // SOLUTION BEGIN
    const auto function = static_cast<std::uint32_t>(vcpu.x(0));
    switch (function) {
        case psci::kVersion:
            vcpu.set_x(0, psci::kVersion1_1);
            return Action::resume_next("PSCI 1.1");
        case psci::kFeatures: {
            const auto asked = static_cast<std::uint32_t>(vcpu.x(1));
            const bool known = asked == psci::kVersion || asked == psci::kFeatures || asked == psci::kSystemOff ||
                               asked == psci::kSystemReset;
            vcpu.set_x(0, static_cast<std::uint64_t>(known ? psci::kSuccess : psci::kNotSupported));
            return Action::resume_next("answered PSCI_FEATURES");
        }
        case psci::kSystemOff: return Action::power_off();
        case psci::kSystemReset:
            vcpu.vm().reset();
            return Action::resume_at(vcpu.vm().image().entry(), "reset the VM");
        default:
            if (!lecture_roadmap(vcpu, exit).empty()) return Action::not_virtualized();
            vcpu.set_x(0, static_cast<std::uint64_t>(psci::kNotSupported));
            return Action::resume_next("unknown PSCI function: NOT_SUPPORTED");
    }
    // SOLUTION END
}

// V2:060 Devices: v1 emulated the UART; the GIC's distributor and redistributors are MMIO
// too, and the same emulation (syndrome -> device register) serves them all.
Action handle_data_abort(Vcpu& vcpu, const Exit& exit) {
    // SOLUTION BEGIN
    return emulate_mmio(vcpu, exit);
    // SOLUTION END
}

void install(VersionHooks& hooks) {
    v1::install(hooks);
    hooks.version = "v2";
    hooks.on(ExceptionClass::SysRegister, handle_sysreg);
    hooks.on(ExceptionClass::Unknown, handle_eret);
    hooks.on(ExceptionClass::WfiWfe, handle_wfx);
    hooks.on(ExceptionClass::Hvc64, handle_hvc);
    hooks.on(ExceptionClass::DataAbortLower, handle_data_abort);
    hooks.deliver_irq = deliver_irq;
}

}  // namespace trapeze::v2
