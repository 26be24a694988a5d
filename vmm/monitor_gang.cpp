// The monitor's half of the gang policy: the turns in which one VM's vCPUs have the machine
// (the design is in vmm/scheduler.h).
#include <algorithm>
#include <limits>

#include "vmm/monitor.h"

namespace trapeze {
namespace {

constexpr std::uint64_t kNever = std::numeric_limits<std::uint64_t>::max();

}  // namespace

// Within the turn, a pCPU's next event is now if it has something of the gang's to run, or
// the time a sleeping vCPU of the gang's wakes; anything at or after the turn's end is the
// end itself: the pCPU is done with this turn.
std::uint64_t Monitor::gang_next_event_ns(const PhysicalCpu& pcpu) const {
    if (pcpu.clock_ns >= gang_end_ns_ || !gang_) return gang_end_ns_;
    if (pcpu.current) return pcpu.clock_ns;
    for (const Vcpu* v : pcpu.runqueue.entries())
        if (&v->vm() == gang_) return pcpu.clock_ns;
    std::uint64_t next = kNever;
    for (const Vcpu* v : sleeping_[pcpu.id]) {
        if (&v->vm() != gang_) continue;
        if (wakes(*v)) return pcpu.clock_ns;
        next = std::min(next, timer_deadline_ns(*v));
    }
    return std::min(std::max(next, pcpu.clock_ns), gang_end_ns_);
}

// When every pCPU is done with the turn (or the gang's VM stopped), the turn is over: the
// gang's vCPUs leave their pCPUs together (the physical timer), every pCPU's clock moves to
// the turn's end, and the next VM in turn with a vCPU that can run gets the next turn. If no
// VM has one now, time skips to the first timer that will wake one.
bool Monitor::rotate_gang_if_over() {
    if (gang_ && gang_->running())
        for (const auto& p : pcpus_)
            if (gang_next_event_ns(*p) < gang_end_ns_) return true;  // the turn goes on

    std::uint64_t start = gang_ ? gang_end_ns_ : 0;
    for (const auto& p : pcpus_) start = std::max(start, p->clock_ns);
    for (auto& p : pcpus_) {
        if (Vcpu* v = p->current) {
            ++v->physical_timer_exits;
            if (tracer_.enabled())
                trace(*v, TraceEvent::Kind::PhysicalTimer, "physical timer: the gang's turn is over",
                      "the VM's vCPUs leave their pCPUs together");
            switch_out(*p);
        }
        p->quantum_left = options_.quantum;
    }

    // The VMs in turn, from the one after the last gang.
    const auto last = std::find(vms_.begin(), vms_.end(), gang_);
    const std::size_t first = last == vms_.end() ? 0 : static_cast<std::size_t>(last - vms_.begin()) + 1;
    const Vm* next = nullptr;
    std::uint64_t first_timer_ns = kNever;
    const Vm* first_timer_vm = nullptr;
    for (std::size_t i = 0; i < vms_.size() && !next; ++i) {
        Vm* vm = vms_[(first + i) % vms_.size()];
        if (!vm->running()) continue;
        for (const auto& v : vm->vcpus()) {
            if (v->state == VcpuState::Blocked) {  // does its interrupt wake it by the turn's start, or when?
                v->clock_ns = std::max(v->clock_ns, start);
                update_interrupt_lines(*v);
            }
            if (v->state == VcpuState::Runnable || (v->state == VcpuState::Blocked && wakes(*v))) {
                next = vm;
                break;
            }
            if (v->state != VcpuState::Blocked) continue;
            if (const std::uint64_t ns = timer_deadline_ns(*v); ns < first_timer_ns) {
                first_timer_ns = ns;
                first_timer_vm = vm;
            }
        }
    }
    if (!next) {
        if (!first_timer_vm) return false;  // nothing can ever run again
        next = first_timer_vm;
        start = std::max(start, first_timer_ns);
    }
    for (auto& p : pcpus_) {
        p->idle_ns += start - p->clock_ns;
        p->clock_ns = start;
    }
    gang_ = next;
    gang_end_ns_ = start + options_.quantum;
    return true;
}

}  // namespace trapeze
