// PSCI calls: the function ID in x0, arguments in x1..x3, HVC #0, the result in x0.
#include "psci.h"

static int64_t psci_call(uint32_t function, uint64_t a1, uint64_t a2, uint64_t a3) {
    register uint64_t x0 __asm__("x0") = function;
    register uint64_t x1 __asm__("x1") = a1;
    register uint64_t x2 __asm__("x2") = a2;
    register uint64_t x3 __asm__("x3") = a3;
    // SMCCC 1.0 lets the call change x1..x17.
    __asm__ volatile("hvc #0"
                     : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
                     :
                     : "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17",
                       "memory");
    return (int32_t)x0;  // PSCI returns a 32-bit signed value, whatever the calling convention
}

int64_t psci_cpu_on(uint64_t mpidr, uint64_t entry, uint64_t context_id) {
    return psci_call(PSCI_CPU_ON, mpidr, entry, context_id);
}

int64_t psci_affinity_info(uint64_t mpidr) { return psci_call(PSCI_AFFINITY_INFO, mpidr, 0, 0); }

void psci_cpu_off(void) {
    psci_call(PSCI_CPU_OFF, 0, 0, 0);
    for (;;) {  // CPU_OFF does not return when it succeeds
    }
}

void psci_system_off(void) {
    psci_call(PSCI_SYSTEM_OFF, 0, 0, 0);
    for (;;) {
    }
}
