// PL011 UART output: wait while the transmit FIFO is full, then write the data register.
#include "guest.h"

// Its physical address; a kernel that maps the device elsewhere builds this file with
// -DUART_BASE=<its virtual address>.
#ifndef UART_BASE
#define UART_BASE 0x09000000ul
#endif
#define UART_DR 0x000    // data register
#define UART_FR 0x018    // flag register
#define UART_FR_TXFF (1u << 5)  // transmit FIFO full

static volatile uint32_t *uart_reg(unsigned long offset) { return (volatile uint32_t *)(UART_BASE + offset); }

void uart_putc(char c) {
    while (*uart_reg(UART_FR) & UART_FR_TXFF) {
    }
    *uart_reg(UART_DR) = (uint32_t)(unsigned char)c;
}

void uart_puts(const char *s) {
    while (*s) uart_putc(*s++);
}
