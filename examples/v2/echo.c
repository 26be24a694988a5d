// A v2 guest that reads its console: the PL011's receive interrupt (SPI 33, routed through
// the GICv3 distributor to CPU 0) wakes it from WFI; its IRQ handler drains the RX FIFO and
// it echoes each line back until it reads "quit". Run it with piped input:
//     printf 'hello\nquit\n' | trapeze-v2 --console-input echo.elf
#include "guest.h"

#define GICD_BASE 0x08000000ul
#define GICR_BASE 0x080A0000ul
#define GICD_CTLR (GICD_BASE + 0x0000)
#define GICD_IGROUPR (GICD_BASE + 0x0080)
#define GICD_ISENABLER (GICD_BASE + 0x0100)
#define GICD_IPRIORITYR (GICD_BASE + 0x0400)
#define GICD_IROUTER (GICD_BASE + 0x6000)
#define GICR_WAKER (GICR_BASE + 0x0014)
#define GICD_CTLR_ENABLE_GRP1 (1u << 1)
#define GICD_CTLR_ARE (1u << 4)
#define WAKER_PROCESSOR_SLEEP (1u << 1)
#define WAKER_CHILDREN_ASLEEP (1u << 2)

#define UART_BASE 0x09000000ul
#define UART_DR (UART_BASE + 0x000)
#define UART_FR (UART_BASE + 0x018)
#define UART_LCR_H (UART_BASE + 0x02C)
#define UART_CR (UART_BASE + 0x030)
#define UART_IMSC (UART_BASE + 0x038)
#define UART_MIS (UART_BASE + 0x040)
#define UART_ICR (UART_BASE + 0x044)
#define UART_FR_RXFE (1u << 4)
#define UART_LCR_H_FEN_8BITS 0x70u  // FIFOs on, 8 data bits
#define UART_CR_ENABLE 0x301u       // UARTEN, TXE, RXE
#define UART_INT_RX (1u << 4)
#define UART_INT_RT (1u << 6)

#define UART_INTID 33  // SPI 1
#define SPURIOUS_INTID 1023

#define READ_SYSREG(name) ({ uint64_t v_; __asm__ volatile("mrs %0, " #name : "=r"(v_)); v_; })
#define WRITE_SYSREG(name, v) __asm__ volatile("msr " #name ", %0" ::"r"((uint64_t)(v)))

extern char vectors[];

// What the receive interrupt took out of the FIFO, and how many complete lines it holds.
static char received[256];
static volatile unsigned head, tail;  // the handler appends at head, main takes from tail
static volatile unsigned lines;

static void write32(uintptr_t addr, uint32_t v) { *(volatile uint32_t *)addr = v; }
static uint32_t read32(uintptr_t addr) { return *(volatile uint32_t *)addr; }
static void write8(uintptr_t addr, uint8_t v) { *(volatile uint8_t *)addr = v; }
static void write64(uintptr_t addr, uint64_t v) { *(volatile uint64_t *)addr = v; }

static void gic_init(void) {
    write32(GICD_CTLR, GICD_CTLR_ARE | GICD_CTLR_ENABLE_GRP1);
    write32(GICR_WAKER, read32(GICR_WAKER) & ~WAKER_PROCESSOR_SLEEP);
    while (read32(GICR_WAKER) & WAKER_CHILDREN_ASLEEP) {
    }
    // The UART's SPI: group 1, a middle priority, routed to this CPU (affinity 0.0.0.0).
    const uintptr_t word = (UART_INTID / 32) * 4;
    write32(GICD_IGROUPR + word, read32(GICD_IGROUPR + word) | (1u << (UART_INTID % 32)));
    write8(GICD_IPRIORITYR + UART_INTID, 0x80);
    write64(GICD_IROUTER + 8 * UART_INTID, 0);
    write32(GICD_ISENABLER + word, 1u << (UART_INTID % 32));
    WRITE_SYSREG(ICC_SRE_EL1, READ_SYSREG(ICC_SRE_EL1) | 1);
    __asm__ volatile("isb");
    WRITE_SYSREG(ICC_PMR_EL1, 0xff);
    WRITE_SYSREG(ICC_IGRPEN1_EL1, 1);
    __asm__ volatile("isb");
}

// The receive interrupt (RX level or timeout): take every byte the FIFO holds.
void guest_irq(void) {
    const uint32_t intid = (uint32_t)READ_SYSREG(ICC_IAR1_EL1);
    if (intid == SPURIOUS_INTID) return;
    if (intid == UART_INTID) {
        while (!(read32(UART_FR) & UART_FR_RXFE)) {
            char c = (char)(read32(UART_DR) & 0xff);
            if (c == '\r') c = '\n';  // Enter on a raw terminal
            if (head - tail < sizeof received) received[head++ % sizeof received] = c;
            if (c == '\n') ++lines;
        }
        write32(UART_ICR, UART_INT_RX | UART_INT_RT);
    }
    WRITE_SYSREG(ICC_EOIR1_EL1, intid);
}

void guest_unexpected_exception(void) {
    guest_printf("unexpected exception: ESR_EL1=%lx ELR_EL1=%lx\n", READ_SYSREG(ESR_EL1), READ_SYSREG(ELR_EL1));
}

static int equals(const char *a, const char *b) {
    while (*a && *a == *b) ++a, ++b;
    return *a == *b;
}

int main(void) {
    WRITE_SYSREG(VBAR_EL1, (uint64_t)vectors);
    gic_init();
    write32(UART_LCR_H, UART_LCR_H_FEN_8BITS);
    write32(UART_CR, UART_CR_ENABLE);
    write32(UART_IMSC, UART_INT_RX | UART_INT_RT);
    guest_printf("echo: type lines, \"quit\" ends\n");
    __asm__ volatile("msr daifclr, #2" ::: "memory");
    for (;;) {
        while (!lines) __asm__ volatile("wfi");
        char line[128];
        unsigned length = 0;
        __asm__ volatile("msr daifset, #2" ::: "memory");  // the handler appends: take a line alone
        for (char c; (c = received[tail++ % sizeof received]) != '\n';)
            if (length + 1 < sizeof line) line[length++] = c;
        --lines;
        __asm__ volatile("msr daifclr, #2" ::: "memory");
        line[length] = 0;
        guest_printf("echo: %s\n", line);
        if (equals(line, "quit")) break;
    }
    __asm__ volatile("msr daifset, #2" ::: "memory");
    guest_printf("bye\n");
    return 0;
}
