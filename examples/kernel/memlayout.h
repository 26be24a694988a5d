// The guest's address map: physical memory (QEMU's virt machine), the kernel's half of the
// virtual address space (TTBR1_EL1) and a process's half (TTBR0_EL1). Shared by the kernel,
// its start-up code and the user programs.
#pragma once

#ifdef __ASSEMBLER__
#define U64(x) x
#else
#define U64(x) x##ul
#endif

// Physical: RAM, and the devices the kernel drives.
#define RAM_BASE U64(0x40000000)
#define KERNEL_POOL_END U64(0x41000000)  // the kernel hands out pages up to 16 MiB into RAM
#define UART_PA U64(0x09000000)          // PL011
#define GICD_PA U64(0x08000000)          // GICv3 distributor
#define GICR_PA U64(0x080a0000)          // GICv3 redistributor of CPU 0

// The kernel half: every physical address below 2 GiB appears at PA + KERNEL_BASE (TCR_EL1.T1SZ
// = 32, so TTBR1_EL1 translates the top 4 GiB). The kernel runs there and reaches RAM, its
// devices and every process's pages there; EL0 may touch none of it.
#define KERNEL_BASE U64(0xffffffff00000000)
#define KERNEL_IMAGE (KERNEL_BASE + RAM_BASE + U64(0x80000))  // where the loader puts the kernel

// The user half (TTBR0_EL1, T0SZ = 32: addresses below 4 GiB), the same in every process. It
// all fits in one 2 MiB region, so one last-level table maps a whole process.
#define USER_TEXT U64(0x00400000)       // the program: text, then read-only data,
#define USER_DATA U64(0x00480000)       // then data and bss (user/user.ld)
#define USER_HEAP U64(0x00500000)       // demand-zero: a page appears on first touch
#define USER_HEAP_END U64(0x00580000)
#define USER_STACK U64(0x005ff000)      // one page of stack, mapped at start
#define USER_STACK_TOP U64(0x00600000)

#define PAGE_SIZE U64(4096)
