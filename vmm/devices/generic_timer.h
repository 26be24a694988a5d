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

// The event stream of the virtual counter (CNTKCTL_EL1.EVNTEN, EVNTDIR, EVNTI): an event
// each time bit EVNTI of CNTVCT_EL0 goes from 0 to 1 (EVNTDIR = 0) or from 1 to 0. Kernels
// turn it on so that a WFE waits no longer than its period (Linux's udelay waits in WFE). The
// counter value of the first trigger after `now`, if the stream is on.
inline std::optional<std::uint64_t> next_event_stream_tick(std::uint64_t cntkctl, std::uint64_t now) {
    constexpr std::uint64_t kEvnten = 1u << 2, kEvntdir = 1u << 3;
    if (!(cntkctl & kEvnten)) return std::nullopt;
    const unsigned bit = (cntkctl >> 4) & 0xf;
    const std::uint64_t period = 2ull << bit;                            // the bit's whole cycle
    const std::uint64_t phase = (cntkctl & kEvntdir) ? 0 : 1ull << bit;  // where the trigger falls in it
    return now + period - ((now - phase) & (period - 1));
}

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
