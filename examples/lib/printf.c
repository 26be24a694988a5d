// A tiny printf for guests: integers in decimal and hex, strings and characters.
#include "guest.h"

// Writes `value` in `base`, with a '-' if `negative`, at least `width` characters wide:
// spaces go before the sign, zeros after it.
static int put_number(uint64_t value, int negative, unsigned base, int width, char pad) {
    char digits[20];  // 2^64 has 20 decimal digits
    int n = 0;
    do {
        unsigned d = (unsigned)(value % base);
        digits[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
        value /= base;
    } while (value != 0);
    int padding = width - n - negative;
    int written = n + negative + (padding > 0 ? padding : 0);
    if (pad == ' ')
        for (; padding > 0; --padding) uart_putc(' ');
    if (negative) uart_putc('-');
    for (; padding > 0; --padding) uart_putc('0');
    while (n > 0) uart_putc(digits[--n]);
    return written;
}

int guest_vprintf(const char *format, va_list args) {
    int written = 0;
    for (const char *p = format; *p; ++p) {
        if (*p != '%') {
            uart_putc(*p);
            ++written;
            continue;
        }
        ++p;
        char pad = ' ';
        if (*p == '0') {
            pad = '0';
            ++p;
        }
        int width = 0;
        while (*p >= '0' && *p <= '9') width = width * 10 + (*p++ - '0');
        int longs = 0;
        while (*p == 'l') {
            ++longs;
            ++p;
        }
        switch (*p) {
        case 'd': {
            int64_t v = longs ? va_arg(args, int64_t) : va_arg(args, int);
            uint64_t magnitude = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;  // also right for INT64_MIN
            written += put_number(magnitude, v < 0, 10, width, pad);
            break;
        }
        case 'u':
            written += put_number(longs ? va_arg(args, uint64_t) : va_arg(args, unsigned), 0, 10, width, pad);
            break;
        case 'x':
            written += put_number(longs ? va_arg(args, uint64_t) : va_arg(args, unsigned), 0, 16, width, pad);
            break;
        case 'c':
            uart_putc((char)va_arg(args, int));
            ++written;
            break;
        case 's':
            for (const char *s = va_arg(args, const char *); *s; ++s, ++written) uart_putc(*s);
            break;
        case '%':
            uart_putc('%');
            ++written;
            break;
        case '\0':
            return written;  // a lone '%' at the end
        default:  // unknown conversion: show it as written
            uart_putc('%');
            uart_putc(*p);
            written += 2;
            break;
        }
    }
    return written;
}

int guest_printf(const char *format, ...) {
    va_list args;
    va_start(args, format);
    int written = guest_vprintf(format, args);
    va_end(args);
    return written;
}
