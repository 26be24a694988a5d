// A bad guest: stores to address 0x8, which is neither RAM nor a device.
    .text
    .global _start
    .type _start, %function
_start:
    movz    x1, #0x1234
    movz    x0, #0x8
    str     x1, [x0]
    .size _start, . - _start
