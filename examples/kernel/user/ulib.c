// The user library: printf over the write system call, and a loop to keep the CPU busy.
#include "user.h"

// examples/lib/format.c, the formatter the kernel's printf uses too.
int guest_vformat(void (*put)(char c, void *arg), void *arg, const char *format, va_list args);

struct line {
    char text[256];
    size_t length;
};

static void put_line(char c, void *arg) {
    struct line *l = arg;
    if (l->length == sizeof l->text) {  // full: write what there is and go on
        write(1, l->text, l->length);
        l->length = 0;
    }
    l->text[l->length++] = c;
}

int printf(const char *format, ...) {
    struct line l;
    l.length = 0;
    va_list args;
    va_start(args, format);
    int written = guest_vformat(put_line, &l, format, args);
    va_end(args);
    if (l.length) write(1, l.text, l.length);
    return written;
}

uint64_t work(uint64_t seed, uint64_t rounds) {
    uint64_t h = 1469598103934665603ull ^ seed;  // FNV-1a, one step per round
    for (uint64_t i = 0; i < rounds; ++i) h = (h ^ i) * 1099511628211ull;
    return h;
}
