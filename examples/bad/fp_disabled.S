// A bad guest: uses an FP register without enabling FP/SIMD in CPACR_EL1 first (it resets to
// "trap"), so its first FP instruction raises EC 0x07, as on hardware and QEMU.
    .text
    .global _start
    .type _start, %function
_start:
    nop
    .inst   0x1e6e1000  // fmov d0, #1.0 (the guests are assembled without FP)
    .size _start, . - _start
