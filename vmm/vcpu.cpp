// A virtual CPU's privileged state: PSTATE, banked stack pointers, reset and time.
#include "vmm/vcpu.h"

#include "vmm/physical_cpu.h"
#include "vmm/vm.h"

namespace trapeze {

Vcpu::Vcpu(Vm& vm, unsigned id) : cpu(vm.memory()), vm_(vm), id_(id) { reset(); }

void Vcpu::reset() {
    cpu.regs = RegisterFile{};
    cpu.set_strict_alignment(true);  // MMU off: data accesses are to Device memory
    cpu.invalidate_tlb({TlbInvalidation::Scope::All});
    cpu.set_illegal_state(false);
    cpu.clear_exclusive_monitor();
    el_ = 1;
    sp_sel_ = true;
    daif_ = pstate::kDaifMask;
    other_sp_ = 0;
    for (const SysregInfo& r : sysreg_table()) sysregs_[static_cast<std::size_t>(r.id)] = r.reset;
    set_sysreg(SysregId::MPIDR_EL1, sysreg_info(SysregId::MPIDR_EL1).reset | id_);
    timer = VirtualTimer{};
    gic = GicCpuInterface{};
    state = VcpuState::Off;
    requests = 0;
    cpu.set_translation(translation_regime());
}

// The SP live in cpu.regs is SP_EL1 at EL1 with SPSel = 1, and SP_EL0 otherwise.
static bool sp_el1_live(unsigned el, bool sp_sel) { return el == 1 && sp_sel; }

std::uint64_t Vcpu::sp_el0() const { return sp_el1_live(el_, sp_sel_) ? other_sp_ : cpu.regs.sp(); }
std::uint64_t Vcpu::sp_el1() const { return sp_el1_live(el_, sp_sel_) ? cpu.regs.sp() : other_sp_; }
void Vcpu::set_sp_el0(std::uint64_t value) {
    if (sp_el1_live(el_, sp_sel_)) other_sp_ = value;
    else cpu.regs.sp() = value;
}

std::uint32_t Vcpu::pstate() const {
    return (cpu.regs.nzcv & pstate::kNzcvMask) | (illegal_state() ? pstate::kIL : 0) | daif_ |
           pstate::mode(el_, sp_sel_);
}

void Vcpu::set_pstate(std::uint32_t spsr) {
    const unsigned el = pstate::el_of(spsr) == 0 ? 0 : 1;
    const bool sp_sel = el == 1 && pstate::sp_sel_of(spsr);  // EL0 always uses SP_EL0
    if (sp_el1_live(el_, sp_sel_) != sp_el1_live(el, sp_sel)) std::swap(cpu.regs.sp(), other_sp_);
    el_ = el;
    sp_sel_ = sp_sel;
    daif_ = spsr & pstate::kDaifMask;
    cpu.regs.nzcv = spsr & pstate::kNzcvMask;
    set_illegal_state(spsr & pstate::kIL);
    make_request(kRequestTranslation | kRequestInterrupts);
}

TranslationRegime Vcpu::translation_regime() const {
    TranslationRegime r;
    r.el = el_;
    r.sctlr = sysreg(SysregId::SCTLR_EL1);
    r.tcr = sysreg(SysregId::TCR_EL1);
    r.ttbr0 = sysreg(SysregId::TTBR0_EL1);
    r.ttbr1 = sysreg(SysregId::TTBR1_EL1);
    r.mair = sysreg(SysregId::MAIR_EL1);
    return r;
}

std::uint32_t sysreg_requests(SysregId id) {
    // One row per register a write to which the run loop must hear about.
    static const std::array<std::uint32_t, kSysregCount> table = [] {
        std::array<std::uint32_t, kSysregCount> t{};
        for (SysregId r : {SysregId::SCTLR_EL1, SysregId::TTBR0_EL1, SysregId::TTBR1_EL1, SysregId::TCR_EL1,
                           SysregId::MAIR_EL1})
            t[static_cast<std::size_t>(r)] = kRequestTranslation;
        for (const SysregInfo& r : sysreg_table()) {
            if (r.group == SysregGroup::Timer) t[static_cast<std::size_t>(r.id)] |= kRequestTimer | kRequestInterrupts;
            if (r.group == SysregGroup::Gic || r.group == SysregGroup::IrqBit)
                t[static_cast<std::size_t>(r.id)] |= kRequestInterrupts;
        }
        return t;
    }();
    return table[static_cast<std::size_t>(id)];
}

std::uint64_t Vcpu::counter() const {
    const std::uint64_t now_ns = pcpu ? pcpu->clock_ns : 0;
    return now_ns / kNanosecondsPerTick - vm_.counter_offset;
}

}  // namespace trapeze
