// Run queues and the policies that pick the next vCPU.
#include "vmm/scheduler.h"

#include <algorithm>

#include "vmm/vm.h"

namespace trapeze {

namespace {

constexpr SchedulerPolicyInfo kPolicies[] = {
    {SchedulerPolicy::RoundRobin, "round-robin", "each runnable vCPU gets a quantum in turn"},
    {SchedulerPolicy::Weighted, "weighted", "a VM's share of a pCPU is proportional to its weight"},
};

}  // namespace

std::span<const SchedulerPolicyInfo> scheduler_policies() { return kPolicies; }

std::string_view scheduler_policy_name(SchedulerPolicy policy) {
    for (const SchedulerPolicyInfo& p : kPolicies)
        if (p.policy == policy) return p.name;
    return "?";
}

std::optional<SchedulerPolicy> scheduler_policy_by_name(std::string_view name) {
    for (const SchedulerPolicyInfo& p : kPolicies)
        if (p.name == name) return p.policy;
    return std::nullopt;
}

std::string scheduler_policy_names() {
    std::string names;
    for (std::size_t i = 0; i < std::size(kPolicies); ++i) {
        if (i > 0) names += i + 1 == std::size(kPolicies) ? " or " : ", ";
        names += "\"" + std::string(kPolicies[i].name) + "\"";
    }
    return names;
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
