// Version 1: a kernel-only guest that uses the user ISA, the UART and PSCI SYSTEM_OFF.
#pragma once

#include "vmm/exit_handlers.h"

namespace trapeze::v1 {

// The handlers of this version (each one a file's worth of lecture; see handlers.cpp).
Action handle_physical_timer(Vcpu& vcpu);
Action handle_hvc(Vcpu& vcpu, const Exit& exit);
Action handle_data_abort(Vcpu& vcpu, const Exit& exit);

// Plug v1's handlers into the VMM's tables.
void install(VersionHooks& hooks);

}  // namespace trapeze::v1
