// The arm64 Image header (Linux Documentation/arch/arm64/booting.rst) in front of a guest,
// so that its raw binary boots as a kernel does: QEMU and Trapeze load it at RAM +
// text_offset and enter its first word with x0 = the device tree, x1..x3 = 0.
    .section .text.boot, "ax"
    .global image_head
    .type image_head, %function
image_head:
    b       image_entry                 // code0: the entry is the image's first byte
    .long   0                           // code1
    .quad   0x80000                     // text_offset: RAM + 0x80000 is where guest.ld links it
    .quad   __bss_end - 0x40080000      // image_size: the file and its bss
    .quad   0xa                         // flags: little-endian, 4 KiB pages, anywhere in RAM
    .quad   0, 0, 0                     // res2..res4
    .ascii  "ARM\x64"                   // magic
    .long   0                           // res5: no PE/COFF header
    .size image_head, . - image_head

    // Keep x0..x3 where C can read them (.data: start-up zeroes .bss), then start as any guest.
image_entry:
    adrp    x4, boot_registers
    add     x4, x4, :lo12:boot_registers
    stp     x0, x1, [x4]
    stp     x2, x3, [x4, #16]
    b       _start

    .section .data
    .balign 8
    .global boot_registers
boot_registers:
    .quad   0, 0, 0, 0
