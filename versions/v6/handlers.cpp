// Version 6 of the lecture: "多物理CPU" -- the machine has several physical CPUs, each with its
// own VM_runqueue and its own physical timer; a VM's vCPU runs on one pCPU at a time. The VM
// switch is v5's, on each pCPU independently. What is new is the choice of *where* a vCPU
// runs: the scenario places each VM (affinity), and a pCPU whose run queue is empty would
// sit idle while another pCPU has VMs waiting -- unless it takes one of them (load balancing,
// "work stealing", as Linux's scheduler does between CPUs).
//
// Read: V6:010 balancing.
#include "versions/v6/handlers.h"

#include "versions/v5/handlers.h"
#include "vmm/physical_cpu.h"
#include "vmm/vm.h"

namespace trapeze::v6 {

// V6:010 `idle` has nothing to run. Find the pCPU with the longest VM_runqueue and take the
// vCPU that has waited there the shortest (the back of the queue: the others are next in
// line there anyway), if its VM may run on `idle` (the scenario's affinity). Return it,
// removed from its queue; the VMM then restores it on `idle`. Nothing to take: nullptr.
Vcpu* balance(PhysicalCpu& idle, std::span<PhysicalCpu* const> pcpus) {
    // SOLUTION BEGIN
    PhysicalCpu* busiest = nullptr;
    for (PhysicalCpu* p : pcpus) {
        if (p == &idle || p->runqueue.empty()) continue;
        if (!busiest || p->runqueue.size() > busiest->runqueue.size()) busiest = p;
    }
    if (!busiest) return nullptr;
    const auto& waiting = busiest->runqueue.entries();
    for (auto it = waiting.rbegin(); it != waiting.rend(); ++it) {
        Vcpu* candidate = *it;
        if (!candidate->vm().may_run_on(idle.id)) continue;
        busiest->runqueue.remove(*candidate);
        return candidate;
    }
    return nullptr;
    // SOLUTION END
}

void install(VersionHooks& hooks) {
    v5::install(hooks);
    hooks.version = "v6";
    hooks.supports.several_pcpus = true;
    hooks.balance = balance;
}

}  // namespace trapeze::v6
