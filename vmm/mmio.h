// Emulating a trapped MMIO access: the data abort's syndrome names the register and size
// (ISV = 1), the VM's device map does the access, and the load's value goes to Rt.
#pragma once

#include "vmm/exit_handlers.h"

namespace trapeze {

// The guest-physical address an abort names: a stage-2 abort carries it; with the MMU off
// (v1, v2) stage 1 is flat and the faulting virtual address is the physical one.
inline std::uint64_t abort_address(const Exit& exit) { return exit.stage2 ? exit.ipa : exit.far; }

// Emulate the access of a data-abort exit on whichever device of the VM is there.
// Stops the VM (with a message saying why) for an address outside every device, or for an
// access the syndrome cannot describe (ISV = 0: pairs, writeback, exclusives).
Action emulate_mmio(Vcpu& vcpu, const Exit& exit);

}  // namespace trapeze
