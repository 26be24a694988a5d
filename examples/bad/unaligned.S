// A bad guest: an unaligned load with the MMU off, where memory is Device memory and it faults.
    .text
    .global _start
    .type _start, %function
_start:
    adr     x1, _start
    ldr     x0, [x1, #4]   // 4-byte aligned, not 8: an alignment fault
    .size _start, . - _start
