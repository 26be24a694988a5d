// Version 2: the guest sets its vector base, masks and unmasks IRQs, programs the virtual
// timer and takes its interrupts.
#pragma once

#include <cstdint>

#include "vmm/exit_handlers.h"

namespace trapeze::v2 {

// Offsets in the vector table (Arm ARM, "Exception vectors"): where the exception comes
// from selects a block of 0x200 bytes, its type an entry of 0x80 inside it.
enum class VectorOrigin : std::uint64_t { CurrentElSp0 = 0x000, CurrentElSpx = 0x200, LowerElAarch64 = 0x400 };
enum class VectorType : std::uint64_t { Synchronous = 0x000, Irq = 0x080, Fiq = 0x100, SError = 0x180 };

// Enter the guest kernel's vector for an exception of `type`, coming back to `return_address`.
void take_exception(Vcpu& vcpu, VectorType type, std::uint64_t return_address);

Action handle_sysreg(Vcpu& vcpu, const Exit& exit);
Action handle_eret(Vcpu& vcpu, const Exit& exit);
Action handle_wfx(Vcpu& vcpu, const Exit& exit);
Action handle_hvc(Vcpu& vcpu, const Exit& exit);
Action handle_data_abort(Vcpu& vcpu, const Exit& exit);
bool deliver_irq(Vcpu& vcpu);

// Plug v1's and v2's handlers into the VMM's tables.
void install(VersionHooks& hooks);

}  // namespace trapeze::v2
