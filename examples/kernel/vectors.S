// The kernel's exception vectors (VBAR_EL1: irq_handler and the rest), the save and restore
// of a process's registers around each exception from EL0, and the kernel's context switch.
#include "trapframe.h"

    .macro ventry target
    .balign 0x80
    b       \target
    .endm

// Sixteen entries, 0x80 bytes apart: {synchronous, IRQ, FIQ, SError} taken from
// {EL1 with SP_EL0, EL1 with SP_EL1, EL0 in AArch64, EL0 in AArch32}.
    .section .text.vectors, "ax"
    .balign 2048                 // VBAR_EL1 bits 10..0 are RES0
    .global vectors
    .type vectors, %function
vectors:
    ventry  kernel_unexpected    // 0x000 EL1t: the kernel never runs on SP_EL0
    ventry  kernel_unexpected    // 0x080
    ventry  kernel_unexpected    // 0x100
    ventry  kernel_unexpected    // 0x180
    ventry  kernel_sync_entry    // 0x200 EL1h synchronous: a bug in the kernel
    ventry  kernel_irq_entry     // 0x280 EL1h IRQ: a tick while the scheduler waits for work
    ventry  kernel_unexpected    // 0x300 FIQ
    ventry  kernel_unexpected    // 0x380 SError
    ventry  user_sync_entry      // 0x400 EL0 synchronous: SVC, page faults, bad instructions
    ventry  user_irq_entry       // 0x480 EL0 IRQ: a tick while a process runs
    ventry  kernel_unexpected    // 0x500 FIQ
    ventry  kernel_unexpected    // 0x580 SError
    ventry  kernel_unexpected    // 0x600.. EL0 in AArch32: processes here are 64-bit only
    ventry  kernel_unexpected
    ventry  kernel_unexpected
    ventry  kernel_unexpected
    .size vectors, . - vectors

    .text
// From EL0, SP is SP_EL1, which is the top of the current process's kernel stack whenever
// it runs at EL0 (user_return leaves it there). Its trapframe is the bottom-most thing pushed.
    .macro save_user_registers
    sub     sp, sp, #TF_SIZE
    stp     x0, x1, [sp, #16 * 0]
    stp     x2, x3, [sp, #16 * 1]
    stp     x4, x5, [sp, #16 * 2]
    stp     x6, x7, [sp, #16 * 3]
    stp     x8, x9, [sp, #16 * 4]
    stp     x10, x11, [sp, #16 * 5]
    stp     x12, x13, [sp, #16 * 6]
    stp     x14, x15, [sp, #16 * 7]
    stp     x16, x17, [sp, #16 * 8]
    stp     x18, x19, [sp, #16 * 9]
    stp     x20, x21, [sp, #16 * 10]
    stp     x22, x23, [sp, #16 * 11]
    stp     x24, x25, [sp, #16 * 12]
    stp     x26, x27, [sp, #16 * 13]
    stp     x28, x29, [sp, #16 * 14]
    mrs     x21, sp_el0          // the process's stack pointer
    stp     x30, x21, [sp, #TF_X30]
    mrs     x22, elr_el1         // where it was: the SVC's next instruction, the faulting one, ...
    mrs     x23, spsr_el1        // its PSTATE: EL0, flags, IRQs unmasked
    stp     x22, x23, [sp, #TF_PC]
    .endm

    .type user_sync_entry, %function
user_sync_entry:
    save_user_registers
    mov     x0, sp
    bl      user_trap            // trap.c
    b       user_return
    .size user_sync_entry, . - user_sync_entry

    .type user_irq_entry, %function
user_irq_entry:
    save_user_registers
    mov     x0, sp
    bl      user_irq             // trap.c
    b       user_return
    .size user_irq_entry, . - user_irq_entry

// Back to EL0 from the trapframe at SP: restore everything, then ERET, which takes PC from
// ELR_EL1 and PSTATE from SPSR_EL1. A new process starts here too (proc.c).
    .global user_return
    .type user_return, %function
user_return:
    ldp     x22, x23, [sp, #TF_PC]
    msr     elr_el1, x22
    msr     spsr_el1, x23
    ldr     x21, [sp, #TF_SP]
    msr     sp_el0, x21
    ldp     x0, x1, [sp, #16 * 0]
    ldp     x2, x3, [sp, #16 * 1]
    ldp     x4, x5, [sp, #16 * 2]
    ldp     x6, x7, [sp, #16 * 3]
    ldp     x8, x9, [sp, #16 * 4]
    ldp     x10, x11, [sp, #16 * 5]
    ldp     x12, x13, [sp, #16 * 6]
    ldp     x14, x15, [sp, #16 * 7]
    ldp     x16, x17, [sp, #16 * 8]
    ldp     x18, x19, [sp, #16 * 9]
    ldp     x20, x21, [sp, #16 * 10]
    ldp     x22, x23, [sp, #16 * 11]
    ldp     x24, x25, [sp, #16 * 12]
    ldp     x26, x27, [sp, #16 * 13]
    ldp     x28, x29, [sp, #16 * 14]
    ldr     x30, [sp, #TF_X30]
    add     sp, sp, #TF_SIZE
    eret
    .size user_return, . - user_return

// A tick while the scheduler idles: save what C may clobber, handle it, return.
    .type kernel_irq_entry, %function
kernel_irq_entry:
    sub     sp, sp, #176
    stp     x0, x1, [sp, #0]
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x29, [sp, #144]
    str     x30, [sp, #160]
    bl      kernel_irq           // trap.c
    ldp     x0, x1, [sp, #0]
    ldp     x2, x3, [sp, #16]
    ldp     x4, x5, [sp, #32]
    ldp     x6, x7, [sp, #48]
    ldp     x8, x9, [sp, #64]
    ldp     x10, x11, [sp, #80]
    ldp     x12, x13, [sp, #96]
    ldp     x14, x15, [sp, #112]
    ldp     x16, x17, [sp, #128]
    ldp     x18, x29, [sp, #144]
    ldr     x30, [sp, #160]
    add     sp, sp, #176
    eret
    .size kernel_irq_entry, . - kernel_irq_entry

    .type kernel_sync_entry, %function
kernel_sync_entry:
    bl      kernel_fault         // trap.c: reports and powers off
1:  b       1b
    .size kernel_sync_entry, . - kernel_sync_entry

    .type kernel_unexpected, %function
kernel_unexpected:
    bl      kernel_fault
1:  b       1b
    .size kernel_unexpected, . - kernel_unexpected

// void swtch(struct context *from, struct context *to): save the callee-saved registers, SP
// and the return address in `from`, load them from `to`, and return there. Everything else
// a caller expects to survive a call is on the stack that SP now points to.
    .global swtch
    .type swtch, %function
swtch:
    mov     x9, sp
    stp     x19, x20, [x0, #16 * 0]
    stp     x21, x22, [x0, #16 * 1]
    stp     x23, x24, [x0, #16 * 2]
    stp     x25, x26, [x0, #16 * 3]
    stp     x27, x28, [x0, #16 * 4]
    stp     x29, x30, [x0, #16 * 5]
    str     x9, [x0, #16 * 6]
    ldp     x19, x20, [x1, #16 * 0]
    ldp     x21, x22, [x1, #16 * 1]
    ldp     x23, x24, [x1, #16 * 2]
    ldp     x25, x26, [x1, #16 * 3]
    ldp     x27, x28, [x1, #16 * 4]
    ldp     x29, x30, [x1, #16 * 5]
    ldr     x9, [x1, #16 * 6]
    mov     sp, x9
    ret
    .size swtch, . - swtch
