// The trap benchmark guest: a loop of N rounds whose body is chosen at build time,
//   BODY_SYSREG: msr tpidr_el1 / mrs tpidr_el1  (two trapped system-register accesses)
//   BODY_HVC:    hvc #0 with x0 = PSCI_VERSION  (one hypercall round trip)
//   BODY_NONE:   two nops (the loop's own cost, subtracted from the others)
// then PSCI SYSTEM_OFF. The cost of one trap is the time difference divided by the count.
#ifndef ROUNDS
#define ROUNDS 10000000
#endif
    .section .text.boot, "ax"
    .global _start
_start:
    movz    x2, #(ROUNDS & 0xffff)
    movk    x2, #((ROUNDS >> 16) & 0xffff), lsl #16
1:
#if defined(BODY_SYSREG)
    msr     tpidr_el1, x2
    mrs     x3, tpidr_el1
#elif defined(BODY_HVC)
    movz    w0, #0x0000
    movk    w0, #0x8400, lsl #16          // PSCI_VERSION
    hvc     #0
#else
    nop
    nop
#endif
    subs    x2, x2, #1
    b.ne    1b
    movz    w0, #0x0008
    movk    w0, #0x8400, lsl #16          // PSCI SYSTEM_OFF
    hvc     #0
2:  b       2b
