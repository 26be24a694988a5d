// A bad guest: branches to 0x10000000, where the machine has no memory.
    .text
    .global _start
    .type _start, %function
_start:
    movz    x0, #0x1000, lsl #16
    br      x0
    .size _start, . - _start
