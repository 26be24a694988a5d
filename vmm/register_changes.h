// What a handler did to a vCPU's registers, for the trace and the stepper's `explain`: a
// snapshot of the general registers, the virtual PSTATE and every virtual system register
// before, compared with the state after.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "vmm/sysreg.h"
#include "vmm/trace.h"

namespace trapeze {

class Vcpu;

class RegisterSnapshot {
public:
    explicit RegisterSnapshot(const Vcpu& vcpu);
    // Every register whose value differs in `vcpu` now (the PC is left out: the event says
    // where the guest goes on), in the order x0..x30, SP_EL0, SP_EL1, PSTATE, system registers.
    std::vector<RegisterChange> changes(const Vcpu& vcpu) const;

private:
    std::array<std::uint64_t, 31> x_{};
    std::uint64_t sp_el0_ = 0, sp_el1_ = 0, pstate_ = 0;
    std::array<std::uint64_t, kSysregCount> sysregs_{};
};

}  // namespace trapeze
