// The SMP guest's translation regime: an identity map of the first 2 GiB (VA = PA) through
// TTBR0_EL1, two 1 GiB blocks, shared by every CPU. With the MMU off every data access is to
// Device memory, where the exclusive accesses a spinlock needs are not guaranteed to work;
// with it on, RAM is Normal, cacheable, inner-shareable memory, as in any SMP kernel.
#pragma once

#ifdef __ASSEMBLER__
#define U64(x) x
#else
#define U64(x) x##ul
#endif

// MAIR_EL1: attribute 0 is Device-nGnRnE (the UART, the GIC), attribute 1 Normal write-back.
#define MAIR_VALUE U64(0xff00)
#define ATTR_DEVICE (U64(0) << 2)
#define ATTR_NORMAL (U64(1) << 2)

// TCR_EL1: 32-bit addresses through TTBR0_EL1 (T0SZ = 32: a walk starts at level 1, 4
// entries), walks cacheable and inner shareable (IRGN0 = ORGN0 = write-back, SH0 = inner),
// 4 KiB granule (TG0 = 0), no walks through TTBR1_EL1 (EPD1), a 32-bit physical address space.
#define TCR_VALUE ((U64(32) << 0) | (U64(1) << 8) | (U64(1) << 10) | (U64(3) << 12) | (U64(1) << 23))

// SCTLR_EL1: its RES1 bits, the MMU (M), data and instruction caches (C, I), SP alignment
// checks at EL1 (SA).
#define SCTLR_VALUE (U64(0x30d00800) | (U64(1) << 0) | (U64(1) << 2) | (U64(1) << 3) | (U64(1) << 12))

// Level-1 block descriptors: valid block (0b01), access flag set, EL1 only (AP = 0b00).
#define PTE_BLOCK (U64(1) << 0)
#define PTE_SH_INNER (U64(3) << 8)
#define PTE_AF (U64(1) << 10)
#define PTE_PXN (U64(1) << 53)
#define PTE_UXN (U64(1) << 54)
#define PTE_DEVICES (PTE_BLOCK | ATTR_DEVICE | PTE_AF | PTE_PXN | PTE_UXN)
#define PTE_RAM (PTE_BLOCK | ATTR_NORMAL | PTE_SH_INNER | PTE_AF | PTE_UXN)
