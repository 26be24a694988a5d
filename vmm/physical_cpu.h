// A physical CPU of the machine the VMM runs on: its interpreter, its own clock, the vCPU it
// runs now and its VM_runqueue. Loading a vCPU onto it and putting it back are the VMM's half
// of a switch (as KVM's vcpu_load / vcpu_put); saving and restoring the registers is the
// version's (v5's save_context / restore_context).
#pragma once

#include <cstdint>

#include "emulator/cpu.h"
#include "vmm/scheduler.h"

namespace trapeze {

class Vcpu;

struct PhysicalCpu {
    explicit PhysicalCpu(unsigned index = 0) : id(index) {}
    PhysicalCpu(const PhysicalCpu&) = delete;
    PhysicalCpu& operator=(const PhysicalCpu&) = delete;

    unsigned id = 0;
    Cpu cpu;  // the interpreter: it runs whichever vCPU is loaded
    // Virtual time on this pCPU, in nanoseconds: one retired guest instruction is one
    // nanosecond (as QEMU's -icount shift=0); an idle pCPU skips ahead to its next event.
    std::uint64_t clock_ns = 0;
    Vcpu* current = nullptr;  // the vCPU loaded now, or nullptr: idle
    VmRunqueue runqueue;      // the lecture's VM_runqueue: ready vCPUs waiting for this pCPU
    std::uint64_t quantum_left = 0;  // the physical timer: instructions until it fires
    bool reschedule = false;         // a handler yielded: switch vCPUs after this slice (or, set by
                                     // another pCPU's directed yield, before the next)
    Vcpu* yield_target = nullptr;    // ...and asked for this vCPU to run next (a directed yield)

    // ---- statistics
    std::uint64_t busy_ns = 0;  // time a vCPU ran here
    std::uint64_t idle_ns = 0;  // time with nothing to run
    std::uint64_t switches = 0; // loads of a different vCPU than the last one
    const Vcpu* last = nullptr;

    // The interpreter now belongs to `vcpu`: its VM's memory is mapped, its registers live in
    // the interpreter (once restored), its translation regime is pushed, and this pCPU's
    // clock catches up with the vCPU's. The caller restores the registers next.
    void load(Vcpu& vcpu);
    // The loaded vCPU leaves: its registers go back to its context (the caller saved them
    // first), and its clock remembers where it got to.
    void put();
};

}  // namespace trapeze
