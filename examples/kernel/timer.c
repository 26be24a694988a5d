// The tick: the virtual timer (PPI 27) routed through the GICv3 to this CPU as an IRQ, one
// interrupt per millisecond. The same set-up as the v2 guest (examples/v2/ticks.c), with the
// devices at their kernel virtual addresses.
#include "arm.h"
#include "kernel.h"

#define GICD (KERNEL_BASE + GICD_PA)
#define GICR (KERNEL_BASE + GICR_PA)
#define GICR_SGI (GICR + 0x10000)  // the redistributor's second frame: SGIs and PPIs
#define GICD_CTLR (GICD + 0x0000)
#define GICR_WAKER (GICR + 0x0014)
#define GICR_IGROUPR0 (GICR_SGI + 0x0080)
#define GICR_ISENABLER0 (GICR_SGI + 0x0100)
#define GICR_IPRIORITYR (GICR_SGI + 0x0400)
#define GICD_CTLR_ENABLE_GRP1 (1u << 1)
#define GICD_CTLR_ARE (1u << 4)
#define WAKER_PROCESSOR_SLEEP (1u << 1)
#define WAKER_CHILDREN_ASLEEP (1u << 2)
#define CNTV_CTL_ENABLE 1u

static uint64_t tick_interval;  // in counter ticks (CNTFRQ_EL0 per second)

static void mmio_write32(uint64_t addr, uint32_t v) { *(volatile uint32_t *)addr = v; }
static uint32_t mmio_read32(uint64_t addr) { return *(volatile uint32_t *)addr; }
static void mmio_write8(uint64_t addr, uint8_t v) { *(volatile uint8_t *)addr = v; }

void timer_init(void) {
    // The GIC: affinity routing on, group 1 (IRQs) on; wake this CPU's redistributor; the
    // timer's PPI in group 1, enabled, at a middle priority; the CPU interface lets it in.
    mmio_write32(GICD_CTLR, GICD_CTLR_ARE | GICD_CTLR_ENABLE_GRP1);
    mmio_write32(GICR_WAKER, mmio_read32(GICR_WAKER) & ~WAKER_PROCESSOR_SLEEP);
    while (mmio_read32(GICR_WAKER) & WAKER_CHILDREN_ASLEEP) {
    }
    mmio_write32(GICR_IGROUPR0, mmio_read32(GICR_IGROUPR0) | (1u << TIMER_INTID));
    mmio_write8(GICR_IPRIORITYR + TIMER_INTID, 0x80);
    mmio_write32(GICR_ISENABLER0, 1u << TIMER_INTID);
    WRITE_SYSREG(ICC_SRE_EL1, READ_SYSREG(ICC_SRE_EL1) | 1);
    isb();
    WRITE_SYSREG(ICC_PMR_EL1, 0xff);
    WRITE_SYSREG(ICC_IGRPEN1_EL1, 1);
    isb();

    const uint64_t frequency = READ_SYSREG(CNTFRQ_EL0);
    tick_interval = frequency / TICKS_PER_SECOND;
    printf("kernel: timer: %lu Hz counter, a tick every %lu counts (INTID %d through the GICv3)\n", frequency,
           tick_interval, TIMER_INTID);
    timer_rearm();
    WRITE_SYSREG(CNTV_CTL_EL0, CNTV_CTL_ENABLE);
}

// The next tick, one interval from now.
void timer_rearm(void) { WRITE_SYSREG(CNTV_TVAL_EL0, tick_interval); }

// Which interrupt the CPU interface signalled; reading ICC_IAR1_EL1 makes it active.
int gic_acknowledge(void) { return (int)READ_SYSREG(ICC_IAR1_EL1); }

// Done with it: the GIC may signal it again.
void gic_end(int intid) { WRITE_SYSREG(ICC_EOIR1_EL1, (uint64_t)intid); }
