// The machines graded tests drive: a small VM around a few instruction words for unit tests
// (run to a real exit, hand it to the monitor as its run loop would), and whole example
// guests for end-to-end tests. Both run the submission's handlers.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "harness/graded_test.h"
#include "vm_fixture.h"

namespace trapeze::grading {

struct Machine : test::VmFixture {
    Machine(const TestContext& context, const std::vector<std::uint32_t>& words);

    // Run the guest to its next exit and let the monitor dispatch it to the version's handler
    // and apply the Action. False (nothing run) once the VM stopped or the vCPU blocked, so a
    // test's later steps do not run on a machine a wrong handler already stopped.
    bool step();
    // Raise the virtual timer's interrupt (PPI 27, group 1, enabled, priority 0x80 under a
    // PMR of 0xff) the way a guest that set up its GIC and timer has it, and let the monitor
    // offer it to the version's deliver_irq, as before it runs the vCPU.
    void raise_timer_irq();
    // The physical timer expired here: call the version's handler as the monitor does and
    // apply its Action; what it did goes into the state as "after the physical-timer exit".
    void physical_timer(Snapshot& state);

    void capture(Snapshot& state) { capture_vm(state, vm); }
};

// Run an example guest (by file name in the guests directory) to its end on a VM with
// `options`, and capture the VM's final state. Budget exhaustion reads "ran past N".
void run_guest(const TestContext& context, Snapshot& state, std::string_view elf, MonitorOptions options);

// The guest RAM of an end-to-end VM: enough for every example guest.
inline constexpr std::uint64_t kGuestRam = 8ull << 20;

}  // namespace trapeze::grading
