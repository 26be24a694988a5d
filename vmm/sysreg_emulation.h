// Emulating MSR/MRS of the system registers the VMM knows, on a vCPU's virtual state:
// plain storage for most, and the registers whose reads or writes do something (the timer,
// the GIC CPU interface, the virtual PSTATE) through the accessors in sysreg_emulation.cpp.
#pragma once

#include "vmm/exit_handlers.h"
#include "vmm/sysreg.h"

namespace trapeze {

// Read or write `reg` as the trapped MSR/MRS in `iss` asks, then resume after it.
Action emulate_sysreg(Vcpu& vcpu, const SysregInfo& reg, const SysRegIss& iss);

// The value an MRS of `reg` reads now, and the effect of an MSR (for the stepper and tests).
std::uint64_t read_sysreg(Vcpu& vcpu, SysregId id);
void write_sysreg(Vcpu& vcpu, SysregId id, std::uint64_t value);

}  // namespace trapeze
