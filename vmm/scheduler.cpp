// Run queues and the policies that pick the next vCPU.
#include "vmm/scheduler.h"

#include <algorithm>

#include "vmm/vm.h"

namespace trapeze {

std::string_view scheduler_policy_name(SchedulerPolicy policy) {
    switch (policy) {
        case SchedulerPolicy::RoundRobin: return "round-robin";
        case SchedulerPolicy::Weighted: return "weighted";
    }
    return "?";
}

void VmRunqueue::push(Vcpu& vcpu) { queue_.push_back(&vcpu); }

void VmRunqueue::join(Vcpu& vcpu) {
    if (!queue_.empty()) {
        const auto smallest = std::min_element(queue_.begin(), queue_.end(),
                                               [](const Vcpu* a, const Vcpu* b) { return a->pass < b->pass; });
        vcpu.pass = std::max(vcpu.pass, (*smallest)->pass);
    }
    queue_.push_back(&vcpu);
}

Vcpu* VmRunqueue::pick(SchedulerPolicy policy) {
    if (queue_.empty()) return nullptr;
    auto chosen = queue_.begin();
    if (policy == SchedulerPolicy::Weighted)  // the smallest pass; the earliest queued on a tie
        chosen = std::min_element(queue_.begin(), queue_.end(),
                                  [](const Vcpu* a, const Vcpu* b) { return a->pass < b->pass; });
    Vcpu* next = *chosen;
    queue_.erase(chosen);
    return next;
}

bool VmRunqueue::remove(const Vcpu& vcpu) {
    const auto it = std::find(queue_.begin(), queue_.end(), &vcpu);
    if (it == queue_.end()) return false;
    queue_.erase(it);
    return true;
}

bool VmRunqueue::contains(const Vcpu& vcpu) const {
    return std::find(queue_.begin(), queue_.end(), &vcpu) != queue_.end();
}

void charge(Vcpu& vcpu, std::uint64_t ran_ns) { vcpu.pass += ran_ns * kStrideUnit / std::max(1u, vcpu.vm().weight); }

}  // namespace trapeze
