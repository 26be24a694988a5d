// The exception vector table of the v2 guest and of the v7 SMP guests: their irq_handler.
// Only "IRQ, current EL with SP_ELx" (offset 0x280) is expected; every other entry reports
// and stops. Each CPU points its own VBAR_EL1 here.
    .macro ventry target
    .balign 0x80
    b       \target
    .endm

    .section .text.vectors, "ax"
    .balign 2048                 // VBAR_EL1 bits 10..0 are RES0
    .global vectors
    .type vectors, %function     // typed and sized, so traces can name addresses in it
vectors:
    ventry  unexpected           // 0x000 synchronous, current EL with SP_EL0
    ventry  unexpected           // 0x080 IRQ
    ventry  unexpected           // 0x100 FIQ
    ventry  unexpected           // 0x180 SError
    ventry  unexpected           // 0x200 synchronous, current EL with SP_ELx
    ventry  irq_entry            // 0x280 IRQ: the timer tick, an SGI
    ventry  unexpected           // 0x300 FIQ
    ventry  unexpected           // 0x380 SError
    ventry  unexpected           // 0x400.. lower EL: this guest never runs at EL0
    ventry  unexpected
    ventry  unexpected
    ventry  unexpected
    ventry  unexpected
    ventry  unexpected
    ventry  unexpected
    ventry  unexpected
    .size vectors, . - vectors

    .text
// Save what the C code may clobber (x0..x18, x29, x30), handle the interrupt, return with
// ERET to the interrupted instruction (ELR_EL1) in the interrupted state (SPSR_EL1).
    .type irq_entry, %function
irq_entry:
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
    bl      guest_irq
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
    .size irq_entry, . - irq_entry

    .type unexpected, %function
unexpected:
    bl      guest_unexpected_exception
1:  b       1b
    .size unexpected, . - unexpected
