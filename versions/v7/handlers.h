// Version 7: a VM has several vCPUs. PSCI starts and stops them, SGIs carry inter-processor
// interrupts between them, and a vCPU spinning in WFE gives its pCPU to another.
#pragma once

#include <cstdint>

#include "vmm/exit_handlers.h"

namespace trapeze::v7 {

// Deliver the SGI an ICC_SGI1R_EL1 write of `value` by `sender` describes.
void send_sgi(Vcpu& sender, std::uint64_t value);
Action handle_hvc(Vcpu& vcpu, const Exit& exit);
Action handle_sysreg(Vcpu& vcpu, const Exit& exit);
Action handle_wfx(Vcpu& vcpu, const Exit& exit);

// Plug v1..v6's and v7's handlers into the VMM's tables.
void install(VersionHooks& hooks);

}  // namespace trapeze::v7
