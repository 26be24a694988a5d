// The VMM's scheduler: one VM_runqueue per physical CPU (the lecture's name for it), holding
// the vCPUs that are ready to run there, each tagged with its VM; and the policies that pick
// which of them runs next.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace trapeze {

class Vcpu;
class Vm;

enum class SchedulerPolicy : std::uint8_t {
    RoundRobin,  // first in, first out: each runnable vCPU gets a quantum in turn
    Weighted,    // proportional share: a VM of weight 2 gets twice the CPU of a VM of weight 1
    Gang,        // co-scheduling: a VM's vCPUs run all at once, each on its own pCPU, or not at all
};

// The gang policy, in one paragraph. The machine's time is cut into turns of one quantum,
// the same on every pCPU (the lock-step loop keeps the pCPUs' clocks together; a turn ends
// at the same virtual time on all of them). A turn belongs to one VM, the gang: in it a pCPU
// may run only a vCPU of that VM, and every vCPU of that VM has a pCPU of its own (its home:
// a gang VM may have no more vCPUs than the machine has pCPUs, and its placement must give
// each vCPU a different one; a vCPU never leaves its home). A pCPU with nothing of the gang's
// to run idles until the turn ends. When every pCPU has reached the turn's end, the gang's
// vCPUs are preempted together (the physical timer) and the next VM in turn that has a
// runnable vCPU gets the machine. So a vCPU holding a lock is never descheduled while
// another vCPU of its VM runs: they are all descheduled at once. What it costs is idle
// pCPUs: a VM with fewer runnable vCPUs than pCPUs leaves the others empty for its turn.

// The policies by name: the scenario key "scheduler" and the option --scheduler take these
// names, and a new policy is one more row here (and its case in VmRunqueue::pick).
struct SchedulerPolicyInfo {
    SchedulerPolicy policy;
    std::string_view name;  // "round-robin"
    std::string_view what;  // one line, for --help
};
std::span<const SchedulerPolicyInfo> scheduler_policies();
std::string_view scheduler_policy_name(SchedulerPolicy policy);
std::optional<SchedulerPolicy> scheduler_policy_by_name(std::string_view name);
// "\"round-robin\", \"weighted\" or \"gang\"": the names a message offers.
std::string scheduler_policy_names();

// The virtual-time cost one nanosecond of running adds to a vCPU's pass at weight 1 (stride
// scheduling: the runnable vCPU with the smallest pass runs next).
inline constexpr std::uint64_t kStrideUnit = 1 << 10;

class VmRunqueue {
public:
    // A vCPU that ran goes back: to the back of the queue, its pass as it is.
    void push(Vcpu& vcpu);
    // A vCPU that slept, or is new, joins: at the back, and under the weighted policy no
    // further behind than the queue's smallest pass, so it does not get the CPU to itself
    // while it catches up on the time it slept.
    void join(Vcpu& vcpu);
    // Remove and return the vCPU to run next, or nullptr if none is ready. Under the gang
    // policy, only a vCPU of `gang` (the VM whose turn it is) may run.
    Vcpu* pick(SchedulerPolicy policy, const Vm* gang = nullptr);
    // Move `vcpu` to the front of the queue, to run next (a directed yield's target); false if
    // it is not here. The weighted policy picks by pass all the same.
    bool boost(const Vcpu& vcpu);
    // Take `vcpu` out (it blocked, was stolen by another pCPU, or its VM stopped).
    bool remove(const Vcpu& vcpu);
    bool contains(const Vcpu& vcpu) const;

    bool empty() const { return queue_.empty(); }
    std::size_t size() const { return queue_.size(); }
    const std::deque<Vcpu*>& entries() const { return queue_; }

private:
    std::deque<Vcpu*> queue_;
};

// Account `ran_ns` of running to a vCPU under the weighted policy (its VM's weight).
void charge(Vcpu& vcpu, std::uint64_t ran_ns);

}  // namespace trapeze
