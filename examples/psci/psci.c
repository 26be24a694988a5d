// Asks the firmware (PSCI over HVC) for its version and prints it.
#include "guest.h"

#define PSCI_VERSION 0x84000000u

// An SMC32-convention PSCI call: function ID in w0, result in w0.
static uint32_t psci_call(uint32_t function) {
    register uint64_t x0 __asm__("x0") = function;
    // SMCCC 1.0 lets the call change x1..x17.
    __asm__ volatile("hvc #0"
                     : "+r"(x0)
                     :
                     : "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14",
                       "x15", "x16", "x17", "memory");
    return (uint32_t)x0;
}

int main(void) {
    uint32_t version = psci_call(PSCI_VERSION);
    guest_printf("PSCI version %u.%u\n", version >> 16, version & 0xffff);
    return 0;
}
