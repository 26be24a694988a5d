// The one narrow interface between the monitor's run loop and whatever watches it from
// outside the guest: the stepper, the GDB stub, the progress line. The monitor consults it
// before and after each slice it runs; the agent never reaches into the loop, and the loop
// never knows which agent it has (so reshaping the loop keeps the calls, not the agents).
#pragma once

#include <cstdint>

#include "emulator/exit.h"

namespace trapeze {

class Vcpu;

class DebugAgent {
public:
    virtual ~DebugAgent() = default;

    // Before each slice of `vcpu`, between two instructions: the agent may hold the run here
    // (a prompt, a GDB session), may change the vCPU's state or stop its VM, and returns the
    // most instructions the slice may retire (1 to single-step).
    virtual std::uint64_t before_slice(Vcpu& vcpu) = 0;
    // After each slice, once its exit (if any) is handled: what the slice did.
    virtual void after_slice(Vcpu& vcpu, const RunResult& result) = 0;
    // True when every exit must end its slice, so that the agent sees the state after each
    // one; false lets the monitor handle exits in place (the exit fast path).
    virtual bool exits_end_slices() const = 0;
};

}  // namespace trapeze
