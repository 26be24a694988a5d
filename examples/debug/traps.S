// The debugger's test guest: one trap of each kind a v2 guest can make, in order, each after
// its own label so that breakpoints and traces can name it. It ends with an SVC, which v2
// does not virtualize (v3 forwards system calls), so the VM stops there.
    .text
    .global _start
    .type _start, %function
_start:
    adr     x1, counter
read_id:
    mrs     x2, midr_el1                // MRS: a trapped read of an ID register
set_vectors:
    adr     x3, _start
    msr     vbar_el1, x3                // MSR: the guest's irq_handler
unmask:
    msr     daifclr, #2                 // MSR DAIFClr: irq_bit
    msr     daifset, #2
psci_version:
    movz    w0, #0x0000
    movk    w0, #0x8400, lsl #16
    hvc     #0                          // HVC: PSCI_VERSION, x0 becomes 0x10001
wait:
    wfe                                 // WFE: no event to wait for in v2, it goes on
uart:
    mov     x4, #0x09000000
    mov     w5, #'T'
    strb    w5, [x4]                    // a data abort the VMM emulates: the UART prints 'T'
    mov     w5, #'\n'
    strb    w5, [x4]
count:
    ldr     x6, [x1]                    // a watchpoint on counter fires at the store below
    add     x6, x6, #1
    str     x6, [x1]
return:
    adr     x7, after_eret
    msr     elr_el1, x7
    mov     x8, #0x3c5                  // EL1h, DAIF masked
    msr     spsr_el1, x8
    eret                                // ERET: back to after_eret, in the state of SPSR_EL1
after_eret:
    nop
syscall:
    svc     #0x12                       // SVC: v2 stops the VM here (v3 forwards it)
    b       .
    .size _start, . - _start

    .data
    .balign 8
    .global counter
    .type counter, %object
counter:
    .quad   41
    .size counter, . - counter
