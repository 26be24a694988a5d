// The GICv3 as the SMP guest uses it: the distributor (set up once), each CPU's own
// redistributor and CPU interface, and software-generated interrupts (SGIs) between CPUs.
#pragma once

#include <stdint.h>

#define GIC_SPURIOUS 1023  // what ICC_IAR1_EL1 reads when nothing is pending

// The distributor: affinity routing on, group 1 (IRQs) on. CPU 0 does this once.
void gic_init_distributor(void);
// This CPU's side: finds its redistributor (the one whose GICR_TYPER names this MPIDR), wakes
// it, makes the interrupts in `local_mask` (bit n: INTID n, an SGI for n < 16, else a PPI)
// group 1 and enables them, and turns the CPU interface on. Returns the redistributor's
// address, or 0 if none belongs to `mpidr`.
uintptr_t gic_init_cpu(uint64_t mpidr, uint32_t local_mask);

// The value of ICC_SGI1R_EL1 that sends SGI `intid` to the CPU with affinity `mpidr`.
uint64_t gic_sgi_to(unsigned intid, uint64_t mpidr);
// The value that sends SGI `intid` to every CPU but this one (IRM = 1).
uint64_t gic_sgi_to_others(unsigned intid);
// Writes ICC_SGI1R_EL1; the stores before it are visible to the targets when they take it.
void gic_send_sgi(uint64_t sgi1r);

unsigned gic_acknowledge(void);              // ICC_IAR1_EL1: the INTID now taken
void gic_end_of_interrupt(unsigned intid);  // ICC_EOIR1_EL1
