// PSCI over HVC: how a kernel powers CPUs on and off and asks about them (Arm DEN 0022).
#pragma once

#include <stdint.h>

// Function IDs: the SMC64 forms take 64-bit addresses.
#define PSCI_CPU_OFF 0x84000002u
#define PSCI_CPU_ON 0xC4000003u         // x1 target MPIDR, x2 entry point, x3 context ID
#define PSCI_AFFINITY_INFO 0xC4000004u  // x1 target MPIDR, x2 lowest affinity level (0)
#define PSCI_SYSTEM_OFF 0x84000008u

// Return codes.
#define PSCI_SUCCESS 0
#define PSCI_INVALID_PARAMETERS (-2)  // CPU_ON: no CPU has that MPIDR
#define PSCI_ALREADY_ON (-4)

// AFFINITY_INFO's answers.
#define PSCI_AFFINITY_ON 0
#define PSCI_AFFINITY_OFF 1
#define PSCI_AFFINITY_ON_PENDING 2

// Powers on the CPU whose MPIDR_EL1 affinity is `mpidr`: it starts at `entry` (a physical
// address) at EL1 with the MMU off and interrupts masked, with `context_id` in x0.
int64_t psci_cpu_on(uint64_t mpidr, uint64_t entry, uint64_t context_id);
int64_t psci_affinity_info(uint64_t mpidr);
void psci_cpu_off(void) __attribute__((noreturn));
void psci_system_off(void) __attribute__((noreturn));
