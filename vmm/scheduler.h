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

enum class SchedulerPolicy : std::uint8_t {
    RoundRobin,  // first in, first out: each runnable vCPU gets a quantum in turn
    Weighted,    // proportional share: a VM of weight 2 gets twice the CPU of a VM of weight 1
};

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
// "\"round-robin\" or \"weighted\"": the names a message offers.
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
    // Remove and return the vCPU to run next, or nullptr if none is ready.
    Vcpu* pick(SchedulerPolicy policy);
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
