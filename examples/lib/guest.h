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
// The same formatting, each character handed to put(c, arg): how a program without a UART
// of its own (a user process) builds its lines.
int guest_vformat(void (*put)(char c, void *arg), void *arg, const char *format, va_list args);
// Formats into buf (at most size - 1 characters and a NUL); returns the untruncated length.
int guest_snprintf(char *buf, size_t size, const char *format, ...);

// The compiler may call these even in a freestanding program (struct copies, zeroing loops).
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
