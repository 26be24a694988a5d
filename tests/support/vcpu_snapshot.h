// The whole architectural state of a vCPU as a value, and its differences field by field:
// handler tests compare a vCPU's entire next state with the expected one, so a handler that
// also changes something it should not is caught.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "vmm/vcpu.h"

namespace trapeze::test {

struct VcpuSnapshot {
    std::array<std::uint64_t, 31> x{};
    std::uint64_t sp_el0 = 0, sp_el1 = 0, pc = 0;
    std::uint32_t pstate = 0;
    std::array<std::uint64_t, kSysregCount> sysregs{};
    std::uint64_t timer_ctl = 0, timer_cval = 0;
    std::uint32_t gic_pending = 0, gic_active = 0, gic_enabled = 0;
    std::uint8_t gic_running_priority = 0;
    VcpuState state = VcpuState::Off;

    static VcpuSnapshot of(const Vcpu& v) {
        VcpuSnapshot s;
        for (unsigned n = 0; n < 31; ++n) s.x[n] = v.x(n);
        s.sp_el0 = v.sp_el0();
        s.sp_el1 = v.sp_el1();
        s.pc = v.pc();
        s.pstate = v.pstate();
        for (const SysregInfo& r : sysreg_table()) s.sysregs[static_cast<std::size_t>(r.id)] = v.sysreg(r.id);
        s.timer_ctl = v.timer.ctl;
        s.timer_cval = v.timer.cval;
        s.gic_pending = v.gic.pending;
        s.gic_active = v.gic.active;
        s.gic_enabled = v.gic.enabled;
        s.gic_running_priority = v.gic.running_priority;
        s.state = v.state;
        return s;
    }

    void set_sysreg(SysregId id, std::uint64_t value) { sysregs[static_cast<std::size_t>(id)] = value; }
    std::uint64_t sysreg(SysregId id) const { return sysregs[static_cast<std::size_t>(id)]; }
};

// "ELR_EL1 = 0x40080004, expected 0x40080000", one line per field that differs.
inline std::vector<std::string> differences(const VcpuSnapshot& got, const VcpuSnapshot& want) {
    std::vector<std::string> out;
    auto field = [&](const std::string& name, std::uint64_t g, std::uint64_t w) {
        if (g != w) out.push_back(fmt::format("{} = {:#x}, expected {:#x}", name, g, w));
    };
    for (unsigned n = 0; n < 31; ++n) field(fmt::format("x{}", n), got.x[n], want.x[n]);
    field("SP_EL0", got.sp_el0, want.sp_el0);
    field("SP_EL1", got.sp_el1, want.sp_el1);
    field("PC", got.pc, want.pc);
    field("PSTATE", got.pstate, want.pstate);
    for (const SysregInfo& r : sysreg_table()) field(std::string(r.name), got.sysreg(r.id), want.sysreg(r.id));
    field("CNTV_CTL (stored)", got.timer_ctl, want.timer_ctl);
    field("CNTV_CVAL", got.timer_cval, want.timer_cval);
    field("GIC pending", got.gic_pending, want.gic_pending);
    field("GIC active", got.gic_active, want.gic_active);
    field("GIC enabled", got.gic_enabled, want.gic_enabled);
    field("GIC running priority", got.gic_running_priority, want.gic_running_priority);
    field("vCPU state", static_cast<unsigned>(got.state), static_cast<unsigned>(want.state));
    return out;
}

}  // namespace trapeze::test

// CHECK that a vCPU's state is exactly `expected`, printing every field that is not.
#define CHECK_VCPU_STATE(vcpu, expected)                                                         \
    do {                                                                                         \
        const auto diffs_ = ::trapeze::test::differences(::trapeze::test::VcpuSnapshot::of(vcpu), \
                                                         (expected));                            \
        std::string text_;                                                                       \
        for (const auto& d_ : diffs_) text_ += d_ + "\n";                                        \
        CHECK_MESSAGE(diffs_.empty(), text_);                                                    \
    } while (0)
