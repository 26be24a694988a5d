// Version 3: the guest has a kernel and a user thread (U-Thread); the VMM keeps the virtual
// EL, forwards what the U-Thread raises to the guest kernel, and runs the guest's own page
// tables. Version 4 is the same VMM with guests that run many user threads.
#pragma once

#include <cstdint>

#include "vmm/exit_handlers.h"

namespace trapeze::v3 {

// Take a synchronous exception into the guest kernel with syndrome `esr`, coming back to
// `return_address` (ELR_EL1): what the hardware would do if the kernel really ran at EL1.
Action forward_exception(Vcpu& vcpu, std::uint32_t esr, std::uint64_t return_address);
// The same for an abort: FAR_EL1 = `far`, and the exception class the guest sees (from a
// lower EL or the same EL) chosen by the virtual EL the abort came from.
Action forward_abort(Vcpu& vcpu, const Exit& exit, std::uint32_t iss);

Action handle_svc(Vcpu& vcpu, const Exit& exit);
Action handle_sysreg(Vcpu& vcpu, const Exit& exit);
Action handle_system_instruction(Vcpu& vcpu, const Exit& exit);
Action handle_eret(Vcpu& vcpu, const Exit& exit);
Action handle_unknown(Vcpu& vcpu, const Exit& exit);
Action handle_data_abort(Vcpu& vcpu, const Exit& exit);
Action handle_instruction_abort(Vcpu& vcpu, const Exit& exit);
Action handle_wfx(Vcpu& vcpu, const Exit& exit);
Action handle_hvc(Vcpu& vcpu, const Exit& exit);
Action handle_smc(Vcpu& vcpu, const Exit& exit);
Action handle_forwarded(Vcpu& vcpu, const Exit& exit);

// Plug v1's, v2's and v3's handlers into the VMM's tables.
void install(VersionHooks& hooks);

}  // namespace trapeze::v3
