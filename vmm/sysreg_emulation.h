// Emulating MSR/MRS of the system registers the VMM knows, on a vCPU's virtual state:
// plain storage for most, and the registers whose reads or writes do something (the timer,
// the GIC CPU interface, the virtual PSTATE) through the accessors in sysreg_emulation.cpp.
#pragma once

#include <optional>

#include "vmm/exit_handlers.h"
#include "vmm/sysreg.h"

namespace trapeze {

// Read or write `reg` as the trapped MSR/MRS in `iss` asks, then resume after it.
Action emulate_sysreg(Vcpu& vcpu, const SysregInfo& reg, const SysRegIss& iss);

// The value an MRS of `reg` reads now, and the effect of an MSR (for the stepper and tests).
std::uint64_t read_sysreg(Vcpu& vcpu, SysregId id);
void write_sysreg(Vcpu& vcpu, SysregId id, std::uint64_t value);

// The value `id` holds now, as a debugger shows it: without a read's side effects. Nullopt
// for a register that cannot be read (write-only) or whose read changes state (ICC_IAR1_EL1
// acknowledges an interrupt). The native registers (NZCV, TPIDR_EL0) come from the interpreter.
std::optional<std::uint64_t> peek_sysreg(const Vcpu& vcpu, SysregId id);
// What an MSR would do, for a debugger's `set`.
void poke_sysreg(Vcpu& vcpu, SysregId id, std::uint64_t value);

}  // namespace trapeze
