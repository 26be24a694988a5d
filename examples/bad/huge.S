// A guest with a 64 MiB .bss: it fits in the default 128 MiB of RAM, not in 32 MiB.
    .text
    .global _start
    .type _start, %function
_start:
    movz    w0, #0x0008
    movk    w0, #0x8400, lsl #16   // PSCI SYSTEM_OFF
    hvc     #0
    .size _start, . - _start

    .bss
    .global big_table
    .type big_table, %object
big_table:
    .space  64 << 20
    .size big_table, . - big_table
