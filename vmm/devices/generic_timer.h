// One EL1 timer of the generic timer: the virtual timer (CNTV_CTL/CVAL/TVAL_EL0, counting
// CNTVCT_EL0) or the physical timer (CNTP_CTL/CVAL/TVAL_EL0, counting CNTPCT_EL0). Each vCPU
// has both; the caller passes the counter the timer compares against as `now`. (The VMM's
// own "physical timer", the quantum that gives it the CPU back, is no part of this.)
#pragma once

#include <cstdint>
#include <optional>

namespace trapeze {

inline constexpr std::uint64_t kCounterFrequencyHz = 62'500'000;  // CNTFRQ_EL0, as QEMU virt
inline constexpr std::uint64_t kNanosecondsPerTick = 1'000'000'000 / kCounterFrequencyHz;  // 16
inline constexpr unsigned kVirtualTimerIntid = 27;                 // PPI 27 (CNTV)
inline constexpr unsigned kPhysicalTimerIntid = 30;                // PPI 30 (CNTP, EL1 physical timer)

struct GenericTimer {
    static constexpr std::uint64_t kEnable = 1u << 0;
    static constexpr std::uint64_t kImask = 1u << 1;
    static constexpr std::uint64_t kIstatus = 1u << 2;

    std::uint64_t ctl = 0;   // ENABLE and IMASK as written; ISTATUS is computed
    std::uint64_t cval = 0;  // the compare value

    // The timer condition: enabled and the counter has reached the compare value.
    bool condition(std::uint64_t now) const { return (ctl & kEnable) && now >= cval; }
    // The interrupt line to the GIC (PPI 27 or 30): the condition, unless masked by IMASK.
    bool irq_line(std::uint64_t now) const { return condition(now) && !(ctl & kImask); }

    std::uint64_t read_ctl(std::uint64_t now) const { return (ctl & (kEnable | kImask)) | (condition(now) ? kIstatus : 0); }
    void write_ctl(std::uint64_t value) { ctl = value & (kEnable | kImask); }
    // TVAL is the 32-bit signed view (CVAL - the counter).
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
