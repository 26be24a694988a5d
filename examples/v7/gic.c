// The GICv3 for several CPUs: one distributor, one redistributor per CPU, SGIs through the
// CPU interface's ICC_SGI1R_EL1 (GICv3 architecture specification, IHI 0069).
#include "gic.h"

#include "cpu.h"

// QEMU virt, gic-version=3: the distributor, and the redistributors one after another, each
// two 64 KiB frames (RD_base for control, SGI_base for SGIs and PPIs).
#define GICD_BASE 0x08000000ul
#define GICR_BASE 0x080A0000ul
#define GICR_STRIDE 0x20000ul
#define GICR_SGI_FRAME 0x10000ul

#define GICD_CTLR 0x0000
#define GICD_CTLR_ENABLE_GRP1 (1u << 1)
#define GICD_CTLR_ARE (1u << 4)  // affinity routing: CPUs are named by MPIDR, as SGI1R does
#define GICD_CTLR_RWP (1u << 31) // a write to GICD_CTLR is still taking effect

#define GICR_TYPER 0x0008        // 64 bits: bits 63..32 the affinity of its CPU, bit 4 the last one
#define GICR_TYPER_LAST (1ul << 4)
#define GICR_WAKER 0x0014
#define WAKER_PROCESSOR_SLEEP (1u << 1)
#define WAKER_CHILDREN_ASLEEP (1u << 2)
#define GICR_IGROUPR0 (GICR_SGI_FRAME + 0x0080)
#define GICR_ISENABLER0 (GICR_SGI_FRAME + 0x0100)
#define GICR_IPRIORITYR (GICR_SGI_FRAME + 0x0400)  // one byte per INTID
#define LOCAL_PRIORITY 0x80  // every interrupt alike

// ICC_SGI1R_EL1's fields.
#define SGI1R_TARGET_LIST(aff0) (1ul << ((aff0) % 16))  // bits 15..0: Aff0 values RS*16 .. RS*16+15
#define SGI1R_AFF1(a) ((uint64_t)(a) << 16)
#define SGI1R_INTID(i) ((uint64_t)(i) << 24)
#define SGI1R_AFF2(a) ((uint64_t)(a) << 32)
#define SGI1R_IRM (1ul << 40)                          // every CPU but the sender
#define SGI1R_RS(aff0) ((uint64_t)((aff0) / 16) << 44)  // range selector
#define SGI1R_AFF3(a) ((uint64_t)(a) << 48)

static uint32_t read32(uintptr_t addr) { return *(volatile uint32_t *)addr; }
static uint64_t read64(uintptr_t addr) { return *(volatile uint64_t *)addr; }
static void write32(uintptr_t addr, uint32_t v) { *(volatile uint32_t *)addr = v; }
static void write8(uintptr_t addr, uint8_t v) { *(volatile uint8_t *)addr = v; }

void gic_init_distributor(void) {
    write32(GICD_BASE + GICD_CTLR, GICD_CTLR_ARE | GICD_CTLR_ENABLE_GRP1);
    while (read32(GICD_BASE + GICD_CTLR) & GICD_CTLR_RWP) {
    }
}

// MPIDR_EL1 keeps Aff3 in bits 39..32 and Aff2.Aff1.Aff0 in bits 23..0; GICR_TYPER packs all
// four into 32 bits.
static uint32_t packed_affinity(uint64_t mpidr) {
    return (uint32_t)(((mpidr >> 32) & 0xff) << 24) | (uint32_t)(mpidr & 0xffffff);
}

static uintptr_t find_redistributor(uint64_t mpidr) {
    for (uintptr_t rd = GICR_BASE;; rd += GICR_STRIDE) {
        const uint64_t typer = read64(rd + GICR_TYPER);
        if ((uint32_t)(typer >> 32) == packed_affinity(mpidr)) return rd;
        if (typer & GICR_TYPER_LAST) return 0;
    }
}

uintptr_t gic_init_cpu(uint64_t mpidr, uint32_t local_mask) {
    const uintptr_t rd = find_redistributor(mpidr);
    if (!rd) return 0;
    // Wake the redistributor: it forwards interrupts to this CPU only when awake.
    write32(rd + GICR_WAKER, read32(rd + GICR_WAKER) & ~WAKER_PROCESSOR_SLEEP);
    while (read32(rd + GICR_WAKER) & WAKER_CHILDREN_ASLEEP) {
    }
    write32(rd + GICR_IGROUPR0, read32(rd + GICR_IGROUPR0) | local_mask);  // group 1: IRQs
    for (unsigned intid = 0; intid < 32; ++intid)
        if (local_mask & (1u << intid)) write8(rd + GICR_IPRIORITYR + intid, LOCAL_PRIORITY);
    write32(rd + GICR_ISENABLER0, local_mask);

    // The CPU interface: system registers (SRE), every priority let through, group 1 on.
    WRITE_SYSREG(ICC_SRE_EL1, READ_SYSREG(ICC_SRE_EL1) | 1);
    isb();
    WRITE_SYSREG(ICC_PMR_EL1, 0xff);
    WRITE_SYSREG(ICC_IGRPEN1_EL1, 1);
    isb();
    return rd;
}

uint64_t gic_sgi_to(unsigned intid, uint64_t mpidr) {
    const unsigned aff0 = mpidr & 0xff;
    return SGI1R_AFF3((mpidr >> 32) & 0xff) | SGI1R_AFF2((mpidr >> 16) & 0xff) | SGI1R_AFF1((mpidr >> 8) & 0xff) |
           SGI1R_RS(aff0) | SGI1R_INTID(intid) | SGI1R_TARGET_LIST(aff0);
}

uint64_t gic_sgi_to_others(unsigned intid) { return SGI1R_IRM | SGI1R_INTID(intid); }

void gic_send_sgi(uint64_t sgi1r) {
    // The DSB makes this CPU's earlier stores visible before the SGI can reach anyone: a
    // target that takes it reads what the sender wrote for it. The ISB sends it now.
    dsb_store();
    WRITE_SYSREG(ICC_SGI1R_EL1, sgi1r);
    isb();
}

unsigned gic_acknowledge(void) { return (unsigned)(READ_SYSREG(ICC_IAR1_EL1) & 0xffffff); }

void gic_end_of_interrupt(unsigned intid) { WRITE_SYSREG(ICC_EOIR1_EL1, intid); }
