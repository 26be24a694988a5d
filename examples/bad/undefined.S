// A bad guest: executes a permanently UNDEFINED instruction (UDF) right after its first NOP.
    .text
    .global _start
    .type _start, %function
_start:
    nop
    udf     #0x2a
    .size _start, . - _start
