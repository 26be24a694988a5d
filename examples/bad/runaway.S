// A bad guest: counts forever; only an instruction budget stops it.
    .text
    .global _start
    .type _start, %function
_start:
    add     x0, x0, #1
    b       _start
    .size _start, . - _start
