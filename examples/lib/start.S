// Guest start-up: a stack in .bss, .bss zeroed, main(), then PSCI SYSTEM_OFF over HVC.
// Built with -DGUEST_ENABLE_FP for the guests that use FP/SIMD registers (examples/fp).
    .section .text.boot, "ax"
    .global _start
    .type _start, %function
_start:
#ifdef GUEST_ENABLE_FP
    // CPACR_EL1.FPEN = 0b11: FP/SIMD no longer traps at EL1 and EL0. It resets to "trap"
    // (QEMU starts that way), and the compiler may use the registers anywhere, even in the
    // loop that zeroes .bss: so this comes first.
    mov     x0, #(3 << 20)
    msr     cpacr_el1, x0
    isb
#endif
    // Until SP is set nothing may touch the stack; adrp/add reach any symbol within 4 GiB.
    adrp    x0, __stack_top
    add     x0, x0, :lo12:__stack_top
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

2:  bl      main

    // PSCI SYSTEM_OFF (function ID 0x84000008, SMC32 calling convention) ends the VM.
    movz    w0, #0x0008
    movk    w0, #0x8400, lsl #16
    hvc     #0
3:  b       3b  // SYSTEM_OFF does not return; if it does, stay here
    .size _start, . - _start

    // The stack: 64 KiB, 16-byte aligned as the AAPCS64 requires of SP.
    .section .bss.stack, "aw", %nobits
    .balign 16
__stack_bottom:
    .space  0x10000
__stack_top:
