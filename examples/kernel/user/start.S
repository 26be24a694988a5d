// A user program's entry: the kernel starts it at EL0 with SP at the top of its stack;
// main's return value becomes its exit status.
    .section .text.start, "ax"
    .global _start
    .type _start, %function
_start:
    bl      main
    bl      exit
    .size _start, . - _start
