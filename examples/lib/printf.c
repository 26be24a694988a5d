// printf for guests: the formatter (format.c) writing straight to the UART.
#include "guest.h"

static void put_uart(char c, void *arg) {
    (void)arg;
    uart_putc(c);
}

int guest_vprintf(const char *format, va_list args) { return guest_vformat(put_uart, 0, format, args); }

int guest_printf(const char *format, ...) {
    va_list args;
    va_start(args, format);
    int written = guest_vprintf(format, args);
    va_end(args);
    return written;
}
