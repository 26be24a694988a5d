// Kernel start-up: turn the MMU on with a boot table, move to the kernel's virtual
// addresses, set up a stack and the exception vectors, run kernel_main, power off.
#include "mmu.h"

// The loader enters here at EL1, MMU off, IRQs masked, at this code's physical address.
    .section .text.boot, "ax"
    .global _start
    .type _start, %function
_start:
    // The translation regime: memory attributes, the shape of both halves of the address space.
    ldr     x0, =MAIR_VALUE
    msr     mair_el1, x0
    ldr     x0, =TCR_VALUE
    msr     tcr_el1, x0

    // One table serves both halves for now. TTBR1_EL1 keeps it: it is the kernel's mapping
    // for good. TTBR0_EL1 uses it only to keep the next few instructions, still at physical
    // addresses, mapped while the MMU comes on; kernel_main replaces it.
    adrp    x0, boot_table
    msr     ttbr0_el1, x0
    msr     ttbr1_el1, x0
    isb
    tlbi    vmalle1              // the TLB's contents are unknown at reset
    dsb     nsh
    isb

    ldr     x0, =SCTLR_VALUE     // MMU and caches on
    msr     sctlr_el1, x0
    isb

    // Jump to the kernel's virtual address (a literal: an absolute address, not PC-relative).
    ldr     x0, =kernel_start
    br      x0
    .ltorg
    .size _start, . - _start

// The boot table, level 1 (4 entries, one per GiB of address space, as T1SZ = T0SZ = 32 make
// it). Two 1 GiB blocks, global and EL1-only: the first GiB holds the devices, the second RAM.
// In TTBR1 they appear at KERNEL_BASE + PA; in TTBR0, while it lasts, at PA itself.
    .section .data.boot, "aw"
    .balign 4096
boot_table:
    .quad   0x00000000 | PTE_KERNEL_DEVICES   // PA 0x00000000..0x3fffffff: UART, GIC
    .quad   RAM_BASE | PTE_KERNEL_RAM          // PA 0x40000000..0x7fffffff: RAM
    .quad   0
    .quad   0

// From here on, code runs at KERNEL_BASE + PA.
    .text
    .type kernel_start, %function
kernel_start:
    adrp    x0, boot_stack_top   // adrp is PC-relative: these are kernel virtual addresses now
    add     x0, x0, :lo12:boot_stack_top
    mov     sp, x0

    // Zero .bss 8 bytes at a time: the linker script aligns both ends to 16.
    adrp    x0, __bss_start
    add     x0, x0, :lo12:__bss_start
    adrp    x1, __bss_end
    add     x1, x1, :lo12:__bss_end
1:  cmp     x0, x1
    b.hs    2f
    str     xzr, [x0], #8
    b       1b

2:  adrp    x0, vectors          // irq_handler and friends (vectors.S)
    add     x0, x0, :lo12:vectors
    msr     vbar_el1, x0
    isb

    bl      kernel_main

    // PSCI SYSTEM_OFF (function ID 0x84000008, SMC32 calling convention) ends the VM.
    movz    w0, #0x0008
    movk    w0, #0x8400, lsl #16
    hvc     #0
3:  b       3b
    .size kernel_start, . - kernel_start

    // The boot stack: kernel_main and the scheduler run on it; each process has its own.
    .bss
    .balign 16
boot_stack:
    .space  0x4000
boot_stack_top:
