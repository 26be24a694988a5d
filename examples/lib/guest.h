// The guest library: console output on the PL011 and a small printf-like formatter.
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

// The PL011 UART of QEMU's virt machine.
void uart_putc(char c);
void uart_puts(const char *s);

// Formats to the UART: %s %c %d %u %x and %ld %lu %lx (also with "ll"), an optional
// zero-padded width (%08lx), and %%. Returns the number of characters written.
int guest_printf(const char *format, ...);
int guest_vprintf(const char *format, va_list args);

// The compiler may call these even in a freestanding program (struct copies, zeroing loops).
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
