// A virtual CPU's privileged state: PSTATE, banked stack pointers, reset and time.
#include "vmm/vcpu.h"

#include "vmm/physical_cpu.h"
#include "vmm/vm.h"

namespace trapeze {

Vcpu::Vcpu(Vm& vm, unsigned id) : cpu(vm.memory()), vm_(vm), id_(id) { reset(); }

void Vcpu::reset() {
    cpu.regs = RegisterFile{};
    cpu.set_strict_alignment(true);  // MMU off: data accesses are to Device memory
    cpu.set_translation(TranslationRegime{});
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
    return (cpu.regs.nzcv & pstate::kNzcvMask) | daif_ | pstate::mode(el_, sp_sel_);
}

void Vcpu::set_pstate(std::uint32_t spsr) {
    const unsigned el = pstate::el_of(spsr) == 0 ? 0 : 1;
    const bool sp_sel = pstate::sp_sel_of(spsr);
    if (sp_el1_live(el_, sp_sel_) != sp_el1_live(el, sp_sel)) std::swap(cpu.regs.sp(), other_sp_);
    el_ = el;
    sp_sel_ = sp_sel;
    daif_ = spsr & pstate::kDaifMask;
    cpu.regs.nzcv = spsr & pstate::kNzcvMask;
}

std::uint64_t Vcpu::counter() const {
    const std::uint64_t now_ns = pcpu ? pcpu->clock_ns : 0;
    return now_ns / kNanosecondsPerTick - vm_.counter_offset;
}

}  // namespace trapeze
