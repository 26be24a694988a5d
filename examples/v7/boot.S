// Start-up of each CPU of the SMP guest: the MMU on, a stack of its own, the exception
// vectors, then C. CPU 0 enters at _start, where the loader starts the ELF; the others enter
// at secondary_entry when CPU 0 powers them on with PSCI CPU_ON, with the context ID CPU 0
// chose in x0: their index. Every CPU arrives at EL1 with the MMU off and interrupts masked.
#include "cpu.h"
#include "mmu.h"

    .section .text.boot, "ax"
    .global _start
    .type _start, %function
_start:
    mov     x19, #0                  // CPU 0
    b       cpu_start
    .size _start, . - _start

    .global secondary_entry
    .type secondary_entry, %function
secondary_entry:
    mov     x19, x0                  // this CPU's index, from CPU_ON's context ID
    cmp     x19, #MAX_CPUS
    b.hs    no_room                  // no stack for it: it powers itself off
    // fall through
    .size secondary_entry, . - secondary_entry

    .type cpu_start, %function
cpu_start:
    // The translation regime: the same tables for every CPU, but each CPU has its own MMU
    // registers and its own TLB, so each one sets them and turns its MMU on.
    ldr     x0, =MAIR_VALUE
    msr     mair_el1, x0
    ldr     x0, =TCR_VALUE
    msr     tcr_el1, x0
    adrp    x0, identity_table
    msr     ttbr0_el1, x0
    isb
    tlbi    vmalle1                  // the TLB's contents are unknown at reset
    dsb     nsh
    isb
    ldr     x0, =SCTLR_VALUE         // MMU and caches on; VA = PA, so the next fetch is the same
    msr     sctlr_el1, x0
    isb

    msr     tpidr_el1, x19           // this_cpu() reads it back

    // The stack: cpu_stacks + (index + 1) * CPU_STACK_SIZE, 16-byte aligned.
    adrp    x0, cpu_stacks
    add     x0, x0, :lo12:cpu_stacks
    add     x1, x19, #1
    mov     x2, #CPU_STACK_SIZE
    madd    x0, x1, x2, x0
    mov     sp, x0

    adrp    x0, vectors              // irq_handler and friends (../v2/vectors.S)
    add     x0, x0, :lo12:vectors
    msr     vbar_el1, x0
    isb

    cbnz    x19, 3f
    // CPU 0 zeroes .bss, 8 bytes at a time, before any other CPU runs (the linker script
    // aligns both ends to 16). Nothing is on its stack yet, so zeroing the stacks is harmless.
    adrp    x0, __bss_start
    add     x0, x0, :lo12:__bss_start
    adrp    x1, __bss_end
    add     x1, x1, :lo12:__bss_end
1:  cmp     x0, x1
    b.hs    2f
    str     xzr, [x0], #8
    b       1b
2:  bl      boot_cpu_main            // does not return

3:  mov     x0, x19
    bl      secondary_cpu_main       // does not return
    .ltorg
    .size cpu_start, . - cpu_start

    .type no_room, %function
no_room:
    movz    w0, #0x0002              // PSCI CPU_OFF (0x84000002)
    movk    w0, #0x8400, lsl #16
    hvc     #0
    b       no_room
    .size no_room, . - no_room

// The identity map, level 1 (4 entries, one per GiB, as T0SZ = 32 makes it): the first GiB
// holds the devices, the second RAM. The rest is unmapped.
    .section .data.identity_table, "aw"
    .balign 4096
identity_table:
    .quad   0x00000000 | PTE_DEVICES    // PA 0x00000000..0x3fffffff: UART, GIC
    .quad   0x40000000 | PTE_RAM        // PA 0x40000000..0x7fffffff: RAM
    .quad   0
    .quad   0

    // One stack per CPU.
    .bss
    .balign 16
cpu_stacks:
    .space  MAX_CPUS * CPU_STACK_SIZE
