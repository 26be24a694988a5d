// The generic timer's virtual timer (CNTV_CTL_EL0, CNTV_CVAL_EL0, CNTV_TVAL_EL0) of one vCPU.
// Time is the virtual counter CNTVCT_EL0, which the caller passes in as `now`.
#pragma once

#include <cstdint>
#include <optional>

namespace trapeze {

inline constexpr std::uint64_t kCounterFrequencyHz = 62'500'000;  // CNTFRQ_EL0, as QEMU virt
inline constexpr std::uint64_t kNanosecondsPerTick = 1'000'000'000 / kCounterFrequencyHz;  // 16
inline constexpr unsigned kVirtualTimerIntid = 27;                 // PPI 27 (CNTV)

struct VirtualTimer {
    static constexpr std::uint64_t kEnable = 1u << 0;
    static constexpr std::uint64_t kImask = 1u << 1;
    static constexpr std::uint64_t kIstatus = 1u << 2;

    std::uint64_t ctl = 0;   // ENABLE and IMASK as written; ISTATUS is computed
    std::uint64_t cval = 0;  // the compare value

    // The timer condition: enabled and the counter has reached the compare value.
    bool condition(std::uint64_t now) const { return (ctl & kEnable) && now >= cval; }
    // The interrupt line to the GIC (PPI 27): the condition, unless masked by IMASK.
    bool irq_line(std::uint64_t now) const { return condition(now) && !(ctl & kImask); }

    std::uint64_t read_ctl(std::uint64_t now) const { return (ctl & (kEnable | kImask)) | (condition(now) ? kIstatus : 0); }
    void write_ctl(std::uint64_t value) { ctl = value & (kEnable | kImask); }
    // TVAL is the 32-bit signed view (CVAL - CNTVCT).
    std::uint64_t read_tval(std::uint64_t now) const { return static_cast<std::uint32_t>(cval - now); }
    void write_tval(std::uint64_t now, std::uint64_t value) {
        cval = now + static_cast<std::uint64_t>(static_cast<std::int64_t>(static_cast<std::int32_t>(value)));
    }
    // The counter value at which the line will rise, if it is not already up and will ever be.
    std::optional<std::uint64_t> deadline() const {
        if (!(ctl & kEnable) || (ctl & kImask)) return std::nullopt;
        return cval;
    }
};

}  // namespace trapeze
