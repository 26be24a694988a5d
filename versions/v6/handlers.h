// Version 6: several VMs on several physical CPUs, one VM_runqueue each; an idle pCPU may
// take work from a busy one.
#pragma once

#include "vmm/exit_handlers.h"

namespace trapeze::v6 {

Vcpu* balance(PhysicalCpu& idle, std::span<PhysicalCpu* const> pcpus);

// Plug v1..v5's and v6's handlers into the VMM's tables.
void install(VersionHooks& hooks);

}  // namespace trapeze::v6
