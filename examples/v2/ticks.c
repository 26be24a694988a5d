// The v2 guest: installs its vectors (irq_handler), routes the virtual timer through the
// GICv3, and counts timer ticks in its IRQ handler while the main loop works. It also shows
// irq_bit at work: a tick that fires while IRQs are masked waits until they are unmasked.
#include "guest.h"

// QEMU virt, gic-version=3: distributor, and the redistributor of CPU 0 (RD_base, SGI_base).
#define GICD_BASE 0x08000000ul
#define GICR_BASE 0x080A0000ul
#define GICR_SGI_BASE (GICR_BASE + 0x10000ul)
#define GICD_CTLR (GICD_BASE + 0x0000)
#define GICR_WAKER (GICR_BASE + 0x0014)
#define GICR_IGROUPR0 (GICR_SGI_BASE + 0x0080)
#define GICR_ISENABLER0 (GICR_SGI_BASE + 0x0100)
#define GICR_IPRIORITYR (GICR_SGI_BASE + 0x0400)
#define GICD_CTLR_ENABLE_GRP1 (1u << 1)
#define GICD_CTLR_ARE (1u << 4)
#define WAKER_PROCESSOR_SLEEP (1u << 1)
#define WAKER_CHILDREN_ASLEEP (1u << 2)

#define TIMER_INTID 27  // the virtual timer's PPI
#define SPURIOUS_INTID 1023
#define CNTV_CTL_ENABLE 1u
#define CNTV_CTL_ISTATUS 4u
#define TICKS 8

#define READ_SYSREG(name) ({ uint64_t v_; __asm__ volatile("mrs %0, " #name : "=r"(v_)); v_; })
#define WRITE_SYSREG(name, v) __asm__ volatile("msr " #name ", %0" ::"r"((uint64_t)(v)))

extern char vectors[];

static volatile uint32_t ticks;
static volatile uint64_t busy;  // keeps the polling loop's work from being optimized away
static uint64_t tick_interval;

static void mmio_write32(uintptr_t addr, uint32_t v) { *(volatile uint32_t *)addr = v; }
static uint32_t mmio_read32(uintptr_t addr) { return *(volatile uint32_t *)addr; }
static void mmio_write8(uintptr_t addr, uint8_t v) { *(volatile uint8_t *)addr = v; }

static void gic_init(void) {
    mmio_write32(GICD_CTLR, GICD_CTLR_ARE | GICD_CTLR_ENABLE_GRP1);
    mmio_write32(GICR_WAKER, mmio_read32(GICR_WAKER) & ~WAKER_PROCESSOR_SLEEP);
    while (mmio_read32(GICR_WAKER) & WAKER_CHILDREN_ASLEEP) {
    }
    mmio_write32(GICR_IGROUPR0, mmio_read32(GICR_IGROUPR0) | (1u << TIMER_INTID));  // group 1: an IRQ
    mmio_write8(GICR_IPRIORITYR + TIMER_INTID, 0x80);
    mmio_write32(GICR_ISENABLER0, 1u << TIMER_INTID);
    WRITE_SYSREG(ICC_SRE_EL1, READ_SYSREG(ICC_SRE_EL1) | 1);
    __asm__ volatile("isb");
    WRITE_SYSREG(ICC_PMR_EL1, 0xff);  // let every priority through
    WRITE_SYSREG(ICC_IGRPEN1_EL1, 1);
    __asm__ volatile("isb");
}

static void timer_arm(void) { WRITE_SYSREG(CNTV_TVAL_EL0, tick_interval); }

// Called from the vector at VBAR_EL1 + 0x280 with IRQs masked by the exception entry. It
// prints nothing: when a tick lands depends on the machine's speed, the output must not.
void guest_irq(void) {
    const uint32_t intid = (uint32_t)READ_SYSREG(ICC_IAR1_EL1);
    if (intid == SPURIOUS_INTID) return;
    if (intid == TIMER_INTID) {
        ++ticks;
        if (ticks < TICKS) timer_arm();
        else WRITE_SYSREG(CNTV_CTL_EL0, 0);  // enough: stop the timer
    }
    WRITE_SYSREG(ICC_EOIR1_EL1, intid);
}

void guest_unexpected_exception(void) {
    guest_printf("unexpected exception: ESR_EL1=%lx ELR_EL1=%lx\n", READ_SYSREG(ESR_EL1), READ_SYSREG(ELR_EL1));
}

// Something for the main loop to do between ticks: a checksum of a fixed amount of work.
static uint64_t work(uint64_t rounds) {
    uint64_t h = 1469598103934665603ull;
    for (uint64_t i = 0; i < rounds; ++i) h = (h ^ i) * 1099511628211ull;
    return h;
}

int main(void) {
    WRITE_SYSREG(VBAR_EL1, (uint64_t)vectors);  // irq_handler
    gic_init();
    const uint64_t frequency = READ_SYSREG(CNTFRQ_EL0);
    guest_printf("timer frequency: %lu Hz\n", frequency);
    tick_interval = frequency / 1000;  // one tick per millisecond of virtual time

    // irq_bit at work: with IRQs masked, a tick that is due stays pending.
    timer_arm();
    WRITE_SYSREG(CNTV_CTL_EL0, CNTV_CTL_ENABLE);
    while (!(READ_SYSREG(CNTV_CTL_EL0) & CNTV_CTL_ISTATUS)) busy = work(100 + (busy & 1));  // poll now and then
    guest_printf("timer fired with IRQs masked: ticks = %u\n", ticks);
    __asm__ volatile("msr daifclr, #2" ::: "memory");  // unmask IRQs: the pending tick arrives now
    guest_printf("after unmasking: ticks = %u\n", ticks);

    // The main loop works while the handler counts; WFI waits for the rest.
    guest_printf("work: %lx\n", work(200000));
    while (ticks < TICKS) __asm__ volatile("wfi");
    __asm__ volatile("msr daifset, #2" ::: "memory");
    guest_printf("ticks: %u\n", ticks);
    return 0;
}
