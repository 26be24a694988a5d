// The SMP guest's kernel: it starts the other CPUs with PSCI CPU_ON, lets them go together
// with an SGI, runs a program on every CPU at once, waits until they are off again, and
// passes the program its interrupts. A program fills in `struct smp_program`.
//
// Each CPU also takes a timer tick of its own, from its own virtual timer, every 10 us of
// virtual time (10000 instructions, at one per nanosecond: these programs are short). The
// tick does no work but count itself: it is there because a CPU of an SMP kernel is
// interrupted now and then, wherever it is (in a critical section too), and because it makes
// QEMU's CPUs, which run one at a time under -icount, take turns while they compute.
#pragma once

#include <stdint.h>

#include "cpu.h"

struct smp_program {
    unsigned max_cpus;  // it starts CPUs 1, 2, ... until the machine has no more, or this many
    // CPU 0, once the others are up and before they are let go: `cpus` CPUs take part.
    void (*start)(unsigned cpus);
    // Every CPU at once, with IRQs unmasked; CPU 0 returns from it last of all.
    void (*run)(unsigned cpu, unsigned cpus);
    // An interrupt other than the kernel's own SGI, on CPU `cpu`; SGIs 1..15 are the program's.
    void (*interrupt)(unsigned cpu, unsigned intid);
    uint32_t sgi_mask;  // the SGIs the program uses (bits 1..15)
    // CPU 0, after every other CPU has powered off; then the machine powers off.
    void (*finish)(unsigned cpus);
};

extern const struct smp_program program;  // defined by the program

#define SGI_GO 0  // the kernel's own SGI: CPU 0 to the others, "start the program"

// The timer ticks CPU `cpu` has taken so far.
uint32_t smp_ticks(unsigned cpu);

// The MPIDR_EL1 affinity of CPU `cpu`. QEMU virt and Trapeze number their CPUs in Aff0 (up to
// 16 per cluster), so for the CPUs this kernel serves it is the index itself.
static inline uint64_t cpu_mpidr(unsigned cpu) { return cpu; }

// Prints one line (under a lock, so lines from several CPUs do not mix) and powers the
// machine off: for what must not happen.
void smp_fail(const char *format, ...) __attribute__((noreturn, format(printf, 1, 2)));
