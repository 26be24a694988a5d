// The formatter behind every printf in the guests: integers in decimal and hex, strings and
// characters, written one character at a time to whatever sink the caller gives.
#include "guest.h"

struct sink {
    void (*put)(char c, void *arg);
    void *arg;
    int written;
};

static void emit(struct sink *out, char c) {
    out->put(c, out->arg);
    ++out->written;
}

// Writes `value` in `base`, with a '-' if `negative`, at least `width` characters wide:
// spaces go before the sign, zeros after it.
static void put_number(struct sink *out, uint64_t value, int negative, unsigned base, int width, char pad) {
    char digits[20];  // 2^64 has 20 decimal digits
    int n = 0;
    do {
        unsigned d = (unsigned)(value % base);
        digits[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
        value /= base;
    } while (value != 0);
    int padding = width - n - negative;
    if (pad == ' ')
        for (; padding > 0; --padding) emit(out, ' ');
    if (negative) emit(out, '-');
    for (; padding > 0; --padding) emit(out, '0');
    while (n > 0) emit(out, digits[--n]);
}

int guest_vformat(void (*put)(char c, void *arg), void *arg, const char *format, va_list args) {
    struct sink out = {put, arg, 0};
    for (const char *p = format; *p; ++p) {
        if (*p != '%') {
            emit(&out, *p);
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
            put_number(&out, magnitude, v < 0, 10, width, pad);
            break;
        }
        case 'u':
            put_number(&out, longs ? va_arg(args, uint64_t) : va_arg(args, unsigned), 0, 10, width, pad);
            break;
        case 'x':
            put_number(&out, longs ? va_arg(args, uint64_t) : va_arg(args, unsigned), 0, 16, width, pad);
            break;
        case 'c':
            emit(&out, (char)va_arg(args, int));
            break;
        case 's':
            for (const char *s = va_arg(args, const char *); *s; ++s) emit(&out, *s);
            break;
        case '%':
            emit(&out, '%');
            break;
        case '\0':
            return out.written;  // a lone '%' at the end
        default:  // unknown conversion: show it as written
            emit(&out, '%');
            emit(&out, *p);
            break;
        }
    }
    return out.written;
}

struct buffer {
    char *at;
    char *end;  // the last byte, kept for the terminating NUL
};

static void put_buffer(char c, void *arg) {
    struct buffer *b = arg;
    if (b->at < b->end) *b->at++ = c;
}

int guest_snprintf(char *buf, size_t size, const char *format, ...) {
    if (size == 0) return 0;
    struct buffer b = {buf, buf + size - 1};
    va_list args;
    va_start(args, format);
    int written = guest_vformat(put_buffer, &b, format, args);
    va_end(args);
    *b.at = '\0';
    return written;
}
