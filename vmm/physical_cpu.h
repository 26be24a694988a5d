// A physical CPU of the machine the VMM runs on: its own clock and what runs on it.
#pragma once

#include <cstdint>
#include <deque>

namespace trapeze {

class Vcpu;

struct PhysicalCpu {
    unsigned id = 0;
    // Virtual time on this pCPU, in nanoseconds: one retired guest instruction is one
    // nanosecond (as QEMU's -icount shift=0); an idle pCPU skips ahead to its next event.
    std::uint64_t clock_ns = 0;
    Vcpu* current = nullptr;
    std::deque<Vcpu*> run_queue;  // the lecture's VM_runqueue (v5 on)
};

}  // namespace trapeze
