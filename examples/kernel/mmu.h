// VMSAv8-64 with a 4 KiB granule, as this kernel sets it up: the translation control
// registers and the bits of a translation table descriptor (Arm ARM D8.3).
#pragma once

#include "memlayout.h"

// MAIR_EL1: attribute 0 is Device-nGnRnE (the UART and the GIC), attribute 1 is Normal
// memory, write-back cacheable (RAM). A descriptor names one by its AttrIndx field.
#define MAIR_DEVICE_nGnRnE U64(0x00)
#define MAIR_NORMAL_WB U64(0xff)
#define MAIR_VALUE ((MAIR_NORMAL_WB << 8) | MAIR_DEVICE_nGnRnE)
#define ATTR_DEVICE (U64(0) << 2)
#define ATTR_NORMAL (U64(1) << 2)

// TCR_EL1: both halves 32 bits wide (T0SZ = T1SZ = 32, so a walk starts at level 1 with 4
// entries), 4 KiB granules (TG0 = 0b00, TG1 = 0b10), table walks cacheable and inner
// shareable, a 32-bit physical address space (IPS = 0b000), 8-bit ASIDs taken from TTBR0_EL1
// (AS = 0, A1 = 0).
#define TCR_T0SZ(n) (U64(n) << 0)
#define TCR_T1SZ(n) (U64(n) << 16)
#define TCR_WALK0 ((U64(1) << 8) | (U64(1) << 10) | (U64(3) << 12))   // IRGN0, ORGN0 = WB; SH0 = inner
#define TCR_WALK1 ((U64(1) << 24) | (U64(1) << 26) | (U64(3) << 28))  // IRGN1, ORGN1 = WB; SH1 = inner
#define TCR_TG0_4K (U64(0) << 14)
#define TCR_TG1_4K (U64(2) << 30)
#define TCR_VALUE (TCR_T0SZ(32) | TCR_T1SZ(32) | TCR_WALK0 | TCR_WALK1 | TCR_TG0_4K | TCR_TG1_4K)

// SCTLR_EL1: its RES1 bits, the MMU (M), data and instruction caches (C, I), and stack
// pointer alignment checks at EL1 and EL0 (SA, SA0). Everything else stays 0: EL0 may not
// touch DAIF (UMA), caches (UCI, UCT) or DC ZVA (DZE), and its WFI/WFE trap (nTWI, nTWE).
#define SCTLR_RES1 U64(0x30d00800)
#define SCTLR_M (U64(1) << 0)
#define SCTLR_C (U64(1) << 2)
#define SCTLR_SA (U64(1) << 3)
#define SCTLR_SA0 (U64(1) << 4)
#define SCTLR_I (U64(1) << 12)
#define SCTLR_VALUE (SCTLR_RES1 | SCTLR_M | SCTLR_C | SCTLR_SA | SCTLR_SA0 | SCTLR_I)

// Descriptors. Bits 1:0 say what an entry is: 0b11 a table (levels 1-2) or a page (level 3),
// 0b01 a block (levels 1-2: 1 GiB or 2 MiB mapped at once), bit 0 clear: invalid.
#define PTE_VALID (U64(1) << 0)
#define PTE_TABLE (U64(3) << 0)
#define PTE_PAGE (U64(3) << 0)
#define PTE_BLOCK (U64(1) << 0)
#define PTE_USER (U64(1) << 6)      // AP[1]: EL0 may access it (else EL1 only)
#define PTE_RDONLY (U64(1) << 7)    // AP[2]: read-only (at every EL that may access it)
#define PTE_SH_INNER (U64(3) << 8)  // inner shareable
#define PTE_AF (U64(1) << 10)       // access flag: set, since nothing here updates it in hardware
#define PTE_NG (U64(1) << 11)       // not global: the TLB tags it with the current ASID
#define PTE_PXN (U64(1) << 53)      // EL1 may not execute it
#define PTE_UXN (U64(1) << 54)      // EL0 may not execute it
#define PTE_ADDR_MASK U64(0x0000fffffffff000)

// The leaf descriptors this kernel uses for user pages: each process's pages are non-global
// (tagged with its ASID) and never executable at EL1.
#define PTE_USER_TEXT (PTE_PAGE | ATTR_NORMAL | PTE_SH_INNER | PTE_AF | PTE_NG | PTE_USER | PTE_RDONLY | PTE_PXN)
#define PTE_USER_RODATA (PTE_USER_TEXT | PTE_UXN)
#define PTE_USER_DATA (PTE_PAGE | ATTR_NORMAL | PTE_SH_INNER | PTE_AF | PTE_NG | PTE_USER | PTE_PXN | PTE_UXN)

// The kernel half is two 1 GiB blocks (boot.S): devices, and RAM. Both EL1-only and global.
#define PTE_KERNEL_DEVICES (PTE_BLOCK | ATTR_DEVICE | PTE_AF | PTE_PXN | PTE_UXN)
#define PTE_KERNEL_RAM (PTE_BLOCK | ATTR_NORMAL | PTE_SH_INNER | PTE_AF | PTE_UXN)

// Fault status codes (ESR_EL1.DFSC / IFSC), bits 5:2 the kind, bits 1:0 the level.
#define FSC_TRANSLATION 0x04
#define FSC_ACCESS_FLAG 0x08
#define FSC_PERMISSION 0x0c
