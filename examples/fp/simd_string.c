// An FP/SIMD guest: a small libc-style memcpy, memset, memchr and strlen with Advanced SIMD
// (LD1/ST1 of 16 bytes at any address, CMEQ, UMAXV), checked against byte-by-byte versions at
// every length up to 80 and every alignment of a 16-byte line.
#include <arm_neon.h>

#include "guest.h"

// 16 bytes from/to any address: LD1/ST1 of bytes need no alignment, even on Device memory.
static inline uint8x16_t load16(const void *p) {
    uint8x16_t v;
    __asm__("ld1 {%0.16b}, [%1]" : "=w"(v) : "r"(p) : "memory");
    return v;
}
static inline void store16(void *p, uint8x16_t v) { __asm__ volatile("st1 {%0.16b}, [%1]" : : "w"(v), "r"(p) : "memory"); }

static void *simd_memcpy(void *dst, const void *src, size_t n) {
    uint8_t *d = dst;
    const uint8_t *s = src;
    for (; n >= 16; n -= 16, d += 16, s += 16) store16(d, load16(s));
    while (n--) *d++ = *s++;
    return dst;
}

static void *simd_memset(void *dst, int c, size_t n) {
    uint8_t *d = dst;
    const uint8x16_t v = vdupq_n_u8((uint8_t)c);
    for (; n >= 16; n -= 16, d += 16) store16(d, v);
    while (n--) *d++ = (uint8_t)c;
    return dst;
}

// Whole aligned 16-byte lines never cross a page: reading past the end of the string within
// its last line is safe, as every SIMD strlen does.
static size_t simd_strlen(const char *s) {
    const uintptr_t start = (uintptr_t)s;
    const uint8_t *line = (const uint8_t *)(start & ~(uintptr_t)15);
    const uint8x16_t zero = vdupq_n_u8(0);
    for (;; line += 16) {
        const uint8x16_t hits = vceqq_u8(vld1q_u8(__builtin_assume_aligned(line, 16)), zero);
        if (vmaxvq_u8(hits) == 0) continue;
        for (unsigned i = 0; i < 16; ++i)
            if ((uintptr_t)(line + i) >= start && line[i] == 0) return (size_t)((uintptr_t)(line + i) - start);
    }
}

static const void *simd_memchr(const void *p, int c, size_t n) {
    const uint8_t *s = p;
    const uint8x16_t wanted = vdupq_n_u8((uint8_t)c);
    for (; n >= 16; n -= 16, s += 16) {
        if (vmaxvq_u8(vceqq_u8(load16(s), wanted)) == 0) continue;
        for (unsigned i = 0; i < 16; ++i)
            if (s[i] == (uint8_t)c) return s + i;
    }
    for (; n; --n, ++s)
        if (*s == (uint8_t)c) return s;
    return 0;
}

// The byte-by-byte checks stay bytes: clang 14 vectorizes such loops with LDP of S registers at
// any address even under -mstrict-align, which faults on Device memory (the MMU is off).
static int same_bytes(const uint8_t *a, const uint8_t *b, unsigned n) {
    int same = 1;
#pragma clang loop vectorize(disable) interleave(disable)
    for (unsigned i = 0; i < n; ++i) same &= a[i] == b[i];
    return same;
}
static int all_bytes(const uint8_t *a, uint8_t value, unsigned n) {
    int same = 1;
#pragma clang loop vectorize(disable) interleave(disable)
    for (unsigned i = 0; i < n; ++i) same &= a[i] == value;
    return same;
}

static uint8_t source[256] __attribute__((aligned(16)));
static uint8_t target[256] __attribute__((aligned(16)));
static char text[128] __attribute__((aligned(16)));

int main(void) {
    for (unsigned i = 0; i < sizeof source; ++i) source[i] = (uint8_t)(i * 7 + 3);
    unsigned checks = 0, failures = 0;
    for (unsigned length = 0; length <= 80; ++length) {
        for (unsigned offset = 0; offset < 16; ++offset) {
            // memcpy: the bytes copied, and not one more.
            for (unsigned i = 0; i < sizeof target; ++i) target[i] = 0xee;
            simd_memcpy(target + offset, source + 15 - offset, length);
            int ok = target[offset + length] == 0xee && (offset == 0 || target[offset - 1] == 0xee);
            ok &= same_bytes(target + offset, source + 15 - offset, length);
            // memset
            simd_memset(target + offset, 0x5a, length);
            ok &= all_bytes(target + offset, 0x5a, length);
            ok &= target[offset + length] == 0xee;
            // strlen: a string of `length` characters at every offset
            if (length < sizeof text - 16) {
                for (unsigned i = 0; i < sizeof text; ++i) text[i] = 'x';
                text[offset + length] = '\0';
                ok &= simd_strlen(text + offset) == length;
            }
            // memchr: the first 0x5a after a run of other bytes, or none
            for (unsigned i = 0; i < sizeof target; ++i) target[i] = (uint8_t)i;
            const void *hit = simd_memchr(target + offset, (int)((offset + length) & 0xff), length + 1);
            ok &= hit == target + offset + length;
            ok &= simd_memchr(target + offset, 0xff, length) == 0 || offset + length > 0xff;
            checks += 1;
            failures += ok ? 0 : 1;
        }
    }
    guest_printf("SIMD memcpy, memset, strlen, memchr: %u cases, %u failures\n", checks, failures);
    const char *message = "Advanced SIMD says hello, sixteen bytes at a time.";
    simd_memcpy(text, message, simd_strlen(message) + 1);
    guest_printf("%s (%u characters)\n", text, (unsigned)simd_strlen(text));
    return failures ? 1 : 0;
}
