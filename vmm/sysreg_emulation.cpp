// Accessors of the system registers whose reads or writes do more than store a value.
#include "vmm/sysreg_emulation.h"

#include <array>

#include <fmt/format.h>

#include "vmm/vm.h"

namespace trapeze {
namespace {

using Reader = std::uint64_t (*)(Vcpu&);
using Writer = void (*)(Vcpu&, std::uint64_t);

struct Accessor {
    SysregId id;
    Reader read;   // null: read the stored value
    Writer write;  // null: store the value
};

bool group1_enabled(Vcpu& v) { return v.vm().gicd().group1_enabled(); }

// One row per register with side effects, in the order of the table in sysregs.inc.
const Accessor kAccessors[] = {
    // The OS lock: OSLAR_EL1.OSLK shows in OSLSR_EL1 (OSLM = 0b10: the lock is implemented).
    {SysregId::OSLAR_EL1, nullptr,
     [](Vcpu& v, std::uint64_t x) { v.set_sysreg(SysregId::OSLSR_EL1, 0x8 | ((x & 1) << 1)); }},
    {SysregId::SP_EL0, [](Vcpu& v) { return v.sp_el0(); }, [](Vcpu& v, std::uint64_t x) { v.set_sp_el0(x); }},
    {SysregId::SPSel, [](Vcpu& v) -> std::uint64_t { return v.sp_sel(); },
     [](Vcpu& v, std::uint64_t x) { v.set_pstate((v.pstate() & ~1u) | static_cast<std::uint32_t>(x & 1)); }},
    {SysregId::CurrentEL, [](Vcpu& v) -> std::uint64_t { return v.el() << 2; }, nullptr},
    {SysregId::ICC_PMR_EL1, [](Vcpu& v) { return v.gic.pmr; }, [](Vcpu& v, std::uint64_t x) { v.gic.pmr = x & 0xff; }},
    {SysregId::ISR_EL1, [](Vcpu& v) -> std::uint64_t { return v.gic.irq_signalled(group1_enabled(v)) ? 1u << 7 : 0; },
     nullptr},
    {SysregId::ICC_AP1R0_EL1, [](Vcpu& v) -> std::uint64_t { return v.gic.read_active_priorities(0); },
     [](Vcpu& v, std::uint64_t x) { v.gic.write_active_priorities(0, static_cast<std::uint32_t>(x)); }},
    {SysregId::ICC_AP1R1_EL1, [](Vcpu& v) -> std::uint64_t { return v.gic.read_active_priorities(1); },
     [](Vcpu& v, std::uint64_t x) { v.gic.write_active_priorities(1, static_cast<std::uint32_t>(x)); }},
    {SysregId::ICC_AP1R2_EL1, [](Vcpu& v) -> std::uint64_t { return v.gic.read_active_priorities(2); },
     [](Vcpu& v, std::uint64_t x) { v.gic.write_active_priorities(2, static_cast<std::uint32_t>(x)); }},
    {SysregId::ICC_AP1R3_EL1, [](Vcpu& v) -> std::uint64_t { return v.gic.read_active_priorities(3); },
     [](Vcpu& v, std::uint64_t x) { v.gic.write_active_priorities(3, static_cast<std::uint32_t>(x)); }},
    {SysregId::ICC_RPR_EL1, [](Vcpu& v) -> std::uint64_t { return v.gic.running_priority; }, nullptr},
    {SysregId::ICC_DIR_EL1, nullptr, [](Vcpu& v, std::uint64_t x) { v.gic.deactivate(x & 0xffffff); }},
    {SysregId::ICC_IAR1_EL1, [](Vcpu& v) -> std::uint64_t { return v.gic.acknowledge(group1_enabled(v)); }, nullptr},
    {SysregId::ICC_EOIR1_EL1, nullptr, [](Vcpu& v, std::uint64_t x) { v.gic.end_of_interrupt(x & 0xffffff); }},
    {SysregId::ICC_HPPIR1_EL1, [](Vcpu& v) -> std::uint64_t { return v.gic.highest_pending(group1_enabled(v)); },
     nullptr},
    {SysregId::ICC_BPR1_EL1, [](Vcpu& v) { return v.gic.bpr1; }, [](Vcpu& v, std::uint64_t x) { v.gic.bpr1 = x & 7; }},
    {SysregId::ICC_CTLR_EL1, [](Vcpu& v) { return v.gic.icc_ctlr(); }, [](Vcpu& v, std::uint64_t x) { v.gic.ctlr = x & 2; }},
    {SysregId::ICC_SRE_EL1, nullptr, [](Vcpu&, std::uint64_t) {}},  // the system-register interface stays on
    {SysregId::ICC_IGRPEN1_EL1, [](Vcpu& v) -> std::uint64_t { return v.gic.igrpen1; },
     [](Vcpu& v, std::uint64_t x) { v.gic.igrpen1 = x & 1; }},
    {SysregId::DAIF, [](Vcpu& v) -> std::uint64_t { return v.daif(); },
     [](Vcpu& v, std::uint64_t x) { v.set_daif(static_cast<std::uint32_t>(x)); }},
    {SysregId::CNTPCT_EL0, [](Vcpu& v) { return v.physical_counter(); }, nullptr},
    {SysregId::CNTVCT_EL0, [](Vcpu& v) { return v.counter(); }, nullptr},
    {SysregId::CNTP_TVAL_EL0, [](Vcpu& v) { return v.ptimer.read_tval(v.physical_counter()); },
     [](Vcpu& v, std::uint64_t x) { v.ptimer.write_tval(v.physical_counter(), x); }},
    {SysregId::CNTP_CTL_EL0, [](Vcpu& v) { return v.ptimer.read_ctl(v.physical_counter()); },
     [](Vcpu& v, std::uint64_t x) { v.ptimer.write_ctl(x); }},
    {SysregId::CNTP_CVAL_EL0, [](Vcpu& v) { return v.ptimer.cval; },
     [](Vcpu& v, std::uint64_t x) { v.ptimer.cval = x; }},
    {SysregId::CNTV_TVAL_EL0, [](Vcpu& v) { return v.timer.read_tval(v.counter()); },
     [](Vcpu& v, std::uint64_t x) { v.timer.write_tval(v.counter(), x); }},
    {SysregId::CNTV_CTL_EL0, [](Vcpu& v) { return v.timer.read_ctl(v.counter()); },
     [](Vcpu& v, std::uint64_t x) { v.timer.write_ctl(x); }},
    {SysregId::CNTV_CVAL_EL0, [](Vcpu& v) { return v.timer.cval; }, [](Vcpu& v, std::uint64_t x) { v.timer.cval = x; }},
};

// The accessor of each register by id (null: plain storage), filled before main() runs.
const std::array<const Accessor*, kSysregCount> kAccessorOf = [] {
    std::array<const Accessor*, kSysregCount> t{};
    for (const Accessor& a : kAccessors) t[static_cast<std::size_t>(a.id)] = &a;
    return t;
}();

}  // namespace

std::uint64_t read_sysreg(Vcpu& vcpu, SysregId id) {
    const Accessor* a = kAccessorOf[static_cast<std::size_t>(id)];
    return a && a->read ? a->read(vcpu) : vcpu.sysreg(id);
}

void write_sysreg(Vcpu& vcpu, SysregId id, std::uint64_t value) {
    const Accessor* a = kAccessorOf[static_cast<std::size_t>(id)];
    if (a && a->write) {
        a->write(vcpu, value);
        vcpu.make_request(sysreg_requests(id));
    } else {
        vcpu.set_sysreg(id, value);
    }
}

// The debugger's reads and writes go through the accessors directly rather than through
// read_sysreg and write_sysreg, which stay on the trap path alone (and inlined there).
std::optional<std::uint64_t> peek_sysreg(const Vcpu& vcpu, SysregId id) {
    if (sysreg_info(id).access == SysregAccess::WO || id == SysregId::ICC_IAR1_EL1) return std::nullopt;
    if (id == SysregId::NZCV) return vcpu.regs().nzcv;
    if (id == SysregId::TPIDR_EL0) return vcpu.regs().tpidr_el0;
    // The remaining accessors only read (the counter, the timer, the GIC's registers).
    const Accessor* a = kAccessorOf[static_cast<std::size_t>(id)];
    return a && a->read ? a->read(const_cast<Vcpu&>(vcpu)) : vcpu.sysreg(id);
}

void poke_sysreg(Vcpu& vcpu, SysregId id, std::uint64_t value) {
    const Accessor* a = kAccessorOf[static_cast<std::size_t>(id)];
    if (a && a->write) a->write(vcpu, value);
    else vcpu.set_sysreg(id, value);
}

Action emulate_sysreg(Vcpu& vcpu, const SysregInfo& reg, const SysRegIss& iss) {
    if (iss.read && reg.access == SysregAccess::WO)
        return Action::stop(fmt::format("MRS of the write-only register {} at pc={:#x}", reg.name, vcpu.pc()));
    if (!iss.read && reg.access == SysregAccess::RO)
        return Action::stop(fmt::format("MSR to the read-only register {} at pc={:#x}", reg.name, vcpu.pc()));
    if (iss.read) vcpu.set_x(iss.rt, read_sysreg(vcpu, reg.id));
    else write_sysreg(vcpu, reg.id, vcpu.x(iss.rt));
    return Action::resume_next(iss.read ? "emulated the read" : "emulated the write");
}

}  // namespace trapeze
