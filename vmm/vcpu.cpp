// A virtual CPU's privileged state: PSTATE, banked stack pointers, reset and time.
#include "vmm/vcpu.h"

#include <stdexcept>

#include <fmt/format.h>

#include "vmm/physical_cpu.h"
#include "vmm/vm.h"

namespace trapeze {

Vcpu::Vcpu(Vm& vm, unsigned id) : vm_(vm), id_(id) {
    reset();
    vm.gicd().attach(gic);  // the distributor routes SPIs to this CPU interface
}

void Vcpu::reset() {
    regs() = RegisterFile{};
    if (loaded()) {
        cpu().invalidate_tlb({TlbInvalidation::Scope::All});
        cpu().clear_exclusive_monitor();
    }
    illegal_ = false;
    el_ = 1;
    sp_sel_ = true;
    daif_ = pstate::kDaifMask;
    other_sp_ = 0;
    for (const SysregInfo& r : sysreg_table()) sysregs_[static_cast<std::size_t>(r.id)] = r.reset;
    set_sysreg(SysregId::MPIDR_EL1, mpidr(id_));
    timer = GenericTimer{};
    ptimer = GenericTimer{};
    gic = GicCpuInterface{};
    gic.distributor = &vm_.gicd();
    gic.affinity = sysreg(SysregId::MPIDR_EL1);
    state = VcpuState::Off;
    waits_for_event = false;
    event_stream_ns = ~0ull;
    vm_.exclusive_monitor().end_wait(id_);
    vm_.exclusive_monitor().set_event(id_, false);
    requests = kRequestTranslation;
    sync_to_cpu();
}

std::uint64_t Vcpu::mpidr(unsigned id) { return sysreg_info(SysregId::MPIDR_EL1).reset | id; }

Cpu& Vcpu::cpu() {
    if (!pcpu) throw std::logic_error(fmt::format("vcpu{} of {} is not loaded on a physical CPU", id_, vm_.name()));
    return pcpu->cpu;
}
const Cpu& Vcpu::cpu() const { return const_cast<Vcpu*>(this)->cpu(); }

void Vcpu::attach_registers(PhysicalCpu& on, RegisterFile& live) {
    pcpu = &on;
    regs_ = &live;
}

void Vcpu::detach_registers() {
    pcpu = nullptr;
    regs_ = &saved_regs_;
}

void Vcpu::sync_to_cpu() {
    if (!pcpu || !(requests & kRequestTranslation)) return;
    pcpu->cpu.set_translation(translation_regime());
    pcpu->cpu.set_illegal_state(illegal_);
    // CPACR_EL1.FPEN: 0b01 lets EL1 use FP/SIMD, 0b11 lets EL0 too; otherwise it traps (EC 0x07).
    const std::uint64_t fpen = (sysreg(SysregId::CPACR_EL1) >> 20) & 3;
    pcpu->cpu.set_fp_enabled(el_ == 1 ? (fpen & 1) != 0 : fpen == 3);
    requests &= ~kRequestTranslation;
}

Translation Vcpu::translate(std::uint64_t va, AccessType access, unsigned el) {
    sync_to_cpu();
    return cpu().translate_address(va, access, el);
}

void Vcpu::invalidate_tlb(const TlbInvalidation& what) {
    if (pcpu) pcpu->cpu.invalidate_tlb(what);
}

void Vcpu::invalidate_code(std::uint64_t pa, std::uint64_t len) { vm_.invalidate_code(pa, len, pcpu ? &pcpu->cpu : nullptr); }
void Vcpu::invalidate_all_code() { vm_.invalidate_all_code(pcpu ? &pcpu->cpu : nullptr); }

void Vcpu::clear_exclusive_monitor() {
    if (pcpu) pcpu->cpu.clear_exclusive_monitor();
}

// The SP live in cpu.regs is SP_EL1 at EL1 with SPSel = 1, and SP_EL0 otherwise.
static bool sp_el1_live(unsigned el, bool sp_sel) { return el == 1 && sp_sel; }

std::uint64_t Vcpu::sp_el0() const { return sp_el1_live(el_, sp_sel_) ? other_sp_ : regs().sp(); }
std::uint64_t Vcpu::sp_el1() const { return sp_el1_live(el_, sp_sel_) ? regs().sp() : other_sp_; }
void Vcpu::set_sp_el0(std::uint64_t value) {
    if (sp_el1_live(el_, sp_sel_)) other_sp_ = value;
    else regs().sp() = value;
}

std::uint32_t Vcpu::pstate() const {
    return (regs().nzcv & pstate::kNzcvMask) | (illegal_state() ? pstate::kIL : 0) | daif_ |
           pstate::mode(el_, sp_sel_);
}

void Vcpu::set_pstate(std::uint32_t spsr) {
    const unsigned el = pstate::el_of(spsr) == 0 ? 0 : 1;
    const bool sp_sel = el == 1 && pstate::sp_sel_of(spsr);  // EL0 always uses SP_EL0
    if (sp_el1_live(el_, sp_sel_) != sp_el1_live(el, sp_sel)) std::swap(regs().sp(), other_sp_);
    el_ = el;
    sp_sel_ = sp_sel;
    daif_ = spsr & pstate::kDaifMask;
    regs().nzcv = spsr & pstate::kNzcvMask;
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
                           SysregId::MAIR_EL1, SysregId::CPACR_EL1})
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
    const std::uint64_t now_ns = pcpu ? pcpu->clock_ns : clock_ns;
    return now_ns / kNanosecondsPerTick - vm_.counter_offset;
}

std::uint64_t Vcpu::physical_counter() const {
    const std::uint64_t now_ns = pcpu ? pcpu->clock_ns : clock_ns;
    return now_ns / kNanosecondsPerTick;
}

}  // namespace trapeze
