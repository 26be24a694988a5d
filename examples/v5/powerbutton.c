// A v5 guest that works in beats, printing a line after each, until someone presses its power
// button: `trapeze-ctl SOCKET vm-shutdown name=...` raises SPI 7 (INTID 39, the line of QEMU
// virt's PL061 GPIO, which carries its power button). Its IRQ handler notes the press; at the
// end of the beat it says goodbye and powers off itself (PSCI SYSTEM_OFF, after main returns),
// well within the VMM's grace period. Without a press it runs until its budget ends.
#include "guest.h"

#define GICD_BASE 0x08000000ul
#define GICR_BASE 0x080A0000ul
#define GICD_CTLR (GICD_BASE + 0x0000)
#define GICD_IGROUPR (GICD_BASE + 0x0080)
#define GICD_ISENABLER (GICD_BASE + 0x0100)
#define GICD_ICENABLER (GICD_BASE + 0x0180)
#define GICD_IPRIORITYR (GICD_BASE + 0x0400)
#define GICD_IROUTER (GICD_BASE + 0x6000)
#define GICR_WAKER (GICR_BASE + 0x0014)
#define GICD_CTLR_ENABLE_GRP1 (1u << 1)
#define GICD_CTLR_ARE (1u << 4)
#define WAKER_PROCESSOR_SLEEP (1u << 1)
#define WAKER_CHILDREN_ASLEEP (1u << 2)

#define POWER_BUTTON_INTID 39  // SPI 7
#define SPURIOUS_INTID 1023
#define STEPS_PER_BEAT 400000  // about two million instructions

#define READ_SYSREG(name) ({ uint64_t v_; __asm__ volatile("mrs %0, " #name : "=r"(v_)); v_; })
#define WRITE_SYSREG(name, v) __asm__ volatile("msr " #name ", %0" ::"r"((uint64_t)(v)))

extern char vectors[];

static volatile int power_button_pressed;

static void write32(uintptr_t addr, uint32_t v) { *(volatile uint32_t *)addr = v; }
static uint32_t read32(uintptr_t addr) { return *(volatile uint32_t *)addr; }
static void write8(uintptr_t addr, uint8_t v) { *(volatile uint8_t *)addr = v; }
static void write64(uintptr_t addr, uint64_t v) { *(volatile uint64_t *)addr = v; }

static void gic_init(void) {
    write32(GICD_CTLR, GICD_CTLR_ARE | GICD_CTLR_ENABLE_GRP1);
    write32(GICR_WAKER, read32(GICR_WAKER) & ~WAKER_PROCESSOR_SLEEP);
    while (read32(GICR_WAKER) & WAKER_CHILDREN_ASLEEP) {
    }
    // The power button's SPI: group 1, a middle priority, routed to this CPU.
    const uintptr_t word = (POWER_BUTTON_INTID / 32) * 4;
    write32(GICD_IGROUPR + word, read32(GICD_IGROUPR + word) | (1u << (POWER_BUTTON_INTID % 32)));
    write8(GICD_IPRIORITYR + POWER_BUTTON_INTID, 0x80);
    write64(GICD_IROUTER + 8 * POWER_BUTTON_INTID, 0);
    write32(GICD_ISENABLER + word, 1u << (POWER_BUTTON_INTID % 32));
    WRITE_SYSREG(ICC_SRE_EL1, READ_SYSREG(ICC_SRE_EL1) | 1);
    __asm__ volatile("isb");
    WRITE_SYSREG(ICC_PMR_EL1, 0xff);
    WRITE_SYSREG(ICC_IGRPEN1_EL1, 1);
    __asm__ volatile("isb");
}

// The button's line stays high until the VM is reset: the handler disables the SPI at the
// distributor, since one press is all it needs to hear (else it would be taken again at once).
void guest_irq(void) {
    const uint32_t intid = (uint32_t)READ_SYSREG(ICC_IAR1_EL1);
    if (intid == SPURIOUS_INTID) return;
    if (intid == POWER_BUTTON_INTID) {
        power_button_pressed = 1;
        write32(GICD_ICENABLER + (POWER_BUTTON_INTID / 32) * 4, 1u << (POWER_BUTTON_INTID % 32));
    }
    WRITE_SYSREG(ICC_EOIR1_EL1, intid);
}

void guest_unexpected_exception(void) {
    guest_printf("unexpected exception: ESR_EL1=%lx ELR_EL1=%lx\n", READ_SYSREG(ESR_EL1), READ_SYSREG(ELR_EL1));
}

int main(void) {
    WRITE_SYSREG(VBAR_EL1, (uint64_t)vectors);
    gic_init();
    guest_printf("powerbutton: a beat of work, a line, until the power button (INTID %u)\n", POWER_BUTTON_INTID);
    __asm__ volatile("msr daifclr, #2" ::: "memory");
    uint64_t h = 1469598103934665603ull;  // FNV-1a over the step numbers
    for (unsigned beat = 1; !power_button_pressed; ++beat) {
        for (unsigned i = 0; i < STEPS_PER_BEAT && !power_button_pressed; ++i) h = (h ^ i) * 1099511628211ull;
        if (!power_button_pressed) guest_printf("powerbutton: beat %u: %016lx\n", beat, h);
    }
    guest_printf("powerbutton: the power button was pressed; powering off\n");
    return 0;
}
