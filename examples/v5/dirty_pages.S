// A guest for live migration (v5 on): it writes one word to each of 16 pages of its buffer,
// sweep after sweep, and writes nothing else to RAM (no stack, no variables), so any stretch
// of its run that holds one whole sweep dirties exactly 16 pages: the count the migration's
// rounds must report. Before each write it checks that the page still holds the last sweep's
// word: a page that a migration left stale (a write the dirty log missed) says so. Every 4096
// sweeps it prints the sweep count; after 24 lines it powers off with PSCI SYSTEM_OFF.
    .equ UART_DR, 0x09000000
    .equ DIRTY_PAGES, 16
    .equ SWEEPS_PER_LINE, 4096
    .equ LINES, 24
    .equ PSCI_SYSTEM_OFF, 0x84000008

    .text
    .global _start
    .type _start, %function
_start:
    adrp    x1, buffer
    mov     x2, #0                      // sweeps done
    mov     x7, #UART_DR
sweep:
    add     x9, x2, #1                  // never zero: every page it writes is touched
    mov     x3, #0                      // page index
1:  add     x4, x1, x3, lsl #12
    ldr     x5, [x4]
    cmp     x5, x2                      // the last sweep's word (0 before the first)
    b.ne    lost
    str     x9, [x4]
    add     x3, x3, #1
    cmp     x3, #DIRTY_PAGES
    b.ne    1b
    mov     x2, x9
    tst     x2, #(SWEEPS_PER_LINE - 1)
    b.ne    sweep
    // "dirty_pages: sweep 0x0000a000\n", from registers only
    adr     x6, message
2:  ldrb    w5, [x6], #1
    cbz     w5, 3f
    strb    w5, [x7]
    b       2b
3:  mov     x8, #28                     // the count's nibbles, most significant first
4:  lsr     x5, x2, x8
    and     x5, x5, #0xf
    cmp     x5, #10
    add     x10, x5, #'0'
    add     x11, x5, #('a' - 10)
    csel    x5, x10, x11, lo
    strb    w5, [x7]
    subs    x8, x8, #4
    b.pl    4b
    mov     w5, #'\n'
    strb    w5, [x7]
    mov     x10, #(SWEEPS_PER_LINE * LINES)
    cmp     x2, x10
    b.lo    sweep
    b       off
lost:
    adr     x6, lost_message
5:  ldrb    w5, [x6], #1
    cbz     w5, off
    strb    w5, [x7]
    b       5b
off:
    ldr     x0, =PSCI_SYSTEM_OFF
    hvc     #0
    b       .
    .size _start, . - _start

    .section .rodata
message:
    .asciz "dirty_pages: sweep 0x"
lost_message:
    .asciz "dirty_pages: a page lost a write\n"

    .bss
    .balign 4096
buffer:
    .space DIRTY_PAGES * 4096
