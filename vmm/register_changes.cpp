// Register snapshots and their differences.
#include "vmm/register_changes.h"

#include <fmt/format.h>

#include "vmm/devices/generic_timer.h"
#include "vmm/sysreg_emulation.h"
#include "vmm/vcpu.h"

namespace trapeze {
namespace {

// What a register holds for the comparison: nothing for the registers that move with time
// by themselves (the counters, TVAL) or that summarize other state (ISR, HPPIR); the timer's
// control without ISTATUS, which the counter sets.
std::uint64_t compared_value(const Vcpu& vcpu, SysregId id, bool& compared) {
    compared = true;
    switch (id) {
        case SysregId::CNTPCT_EL0:
        case SysregId::CNTVCT_EL0:
        case SysregId::CNTV_TVAL_EL0:
        case SysregId::CNTP_TVAL_EL0:
        case SysregId::ISR_EL1:
        case SysregId::ICC_HPPIR1_EL1:
        case SysregId::NZCV:      // part of PSTATE
        case SysregId::DAIF:      // part of PSTATE
        case SysregId::SPSel:     // part of PSTATE
        case SysregId::CurrentEL:  // part of PSTATE
        case SysregId::SP_EL0: compared = false; return 0;  // compared as SP_EL0 above
        case SysregId::CNTV_CTL_EL0: return vcpu.timer.ctl;
        case SysregId::CNTP_CTL_EL0: return vcpu.ptimer.ctl;
        default: break;
    }
    const auto value = peek_sysreg(vcpu, id);
    compared = value.has_value();
    return value.value_or(0);
}

}  // namespace

RegisterSnapshot::RegisterSnapshot(const Vcpu& vcpu) {
    for (unsigned n = 0; n < x_.size(); ++n) x_[n] = vcpu.x(n);
    sp_el0_ = vcpu.sp_el0();
    sp_el1_ = vcpu.sp_el1();
    pstate_ = vcpu.pstate();
    for (const SysregInfo& r : sysreg_table()) {
        bool compared = false;
        sysregs_[static_cast<std::size_t>(r.id)] = compared_value(vcpu, r.id, compared);
    }
}

std::vector<RegisterChange> RegisterSnapshot::changes(const Vcpu& vcpu) const {
    std::vector<RegisterChange> out;
    const auto compare = [&](std::string name, std::uint64_t before, std::uint64_t after) {
        if (before != after) out.push_back({std::move(name), before, after});
    };
    for (unsigned n = 0; n < x_.size(); ++n) compare(fmt::format("x{}", n), x_[n], vcpu.x(n));
    compare("SP_EL0", sp_el0_, vcpu.sp_el0());
    compare("SP_EL1", sp_el1_, vcpu.sp_el1());
    compare("PSTATE", pstate_, vcpu.pstate());
    for (const SysregInfo& r : sysreg_table()) {
        bool compared = false;
        const std::uint64_t now = compared_value(vcpu, r.id, compared);
        if (compared) compare(std::string(r.name), sysregs_[static_cast<std::size_t>(r.id)], now);
    }
    return out;
}

}  // namespace trapeze
