// Version 5: several VMs time-share one physical CPU. The VMM switches between them on the
// physical timer: save the running vCPU's context, pick the next from the VM_runqueue,
// restore its context.
#pragma once

#include "vmm/exit_handlers.h"

namespace trapeze::v5 {

// The two halves of a VM switch (KVM's vcpu_put and vcpu_load).
void save_context(PhysicalCpu& pcpu, Vcpu& vcpu);
void restore_context(PhysicalCpu& pcpu, Vcpu& vcpu);
Action handle_physical_timer(Vcpu& vcpu);

// Plug v1..v4's and v5's handlers into the VMM's tables.
void install(VersionHooks& hooks);

}  // namespace trapeze::v5
