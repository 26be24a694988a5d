// The benchmark guest: integer kernels (checksums, sorting, a sieve, 64-bit multiply and
// divide, copying), SCALE rounds of each, about 1.3*10^7 instructions per round at -O2.
#include "guest.h"

#ifndef SCALE
#define SCALE 80  // rounds; 80 is about 10^9 instructions at -O2 (and 3*10^9 at -O0)
#endif

#define BUFFER_WORDS 8192  // 64 KiB
#define SORT_ITEMS 8192
#define INSERTION_ITEMS 256
#define SIEVE_LIMIT 200000

static uint64_t buffer_a[BUFFER_WORDS];
static uint64_t buffer_b[BUFFER_WORDS];
static uint32_t items[SORT_ITEMS];
static uint8_t composite[SIEVE_LIMIT];

// xorshift64*: a fast pseudo-random sequence that never reaches zero from a non-zero seed.
static uint64_t next_random(uint64_t *state) {
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545f4914f6cdd1dull;
}

static void fill_random(uint64_t *words, uint32_t n, uint64_t seed) {
    uint64_t state = seed | 1;
    for (uint32_t i = 0; i < n; ++i) words[i] = next_random(&state);
}

// FNV-1a over bytes, then Fletcher-64 over the 32-bit halves of each word.
static uint64_t kernel_checksum(uint32_t round) {
    fill_random(buffer_a, BUFFER_WORDS, 0x1234 + round);
    uint64_t hash = 0xcbf29ce484222325ull;
    const uint8_t *bytes = (const uint8_t *)buffer_a;
    for (uint32_t pass = 0; pass < 4; ++pass) {
        for (uint32_t i = 0; i < BUFFER_WORDS * 8; i += 1 + pass) {
            hash ^= bytes[i];
            hash *= 0x100000001b3ull;
        }
    }
    uint64_t sum1 = 0, sum2 = 0;
    for (uint32_t i = 0; i < BUFFER_WORDS; ++i) {
        sum1 = (sum1 + (uint32_t)buffer_a[i]) % 0xffffffffull;
        sum2 = (sum2 + sum1) % 0xffffffffull;
        sum1 = (sum1 + (uint32_t)(buffer_a[i] >> 32)) % 0xffffffffull;
        sum2 = (sum2 + sum1) % 0xffffffffull;
    }
    return hash ^ (sum2 << 32 | sum1);
}

static void insertion_sort(uint32_t *a, uint32_t n) {
    for (uint32_t i = 1; i < n; ++i) {
        uint32_t v = a[i];
        uint32_t j = i;
        for (; j > 0 && a[j - 1] > v; --j) a[j] = a[j - 1];
        a[j] = v;
    }
}

static void quick_sort(uint32_t *a, int32_t lo, int32_t hi) {
    while (hi - lo > 16) {
        uint32_t pivot = a[lo + (hi - lo) / 2];
        int32_t i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot) ++i;
            while (a[j] > pivot) --j;
            if (i <= j) {
                uint32_t t = a[i];
                a[i++] = a[j];
                a[j--] = t;
            }
        }
        // Recurse into the smaller half, loop on the larger: the stack stays shallow.
        if (j - lo < hi - i) {
            quick_sort(a, lo, j);
            lo = i;
        } else {
            quick_sort(a, i, hi);
            hi = j;
        }
    }
    insertion_sort(a + lo, (uint32_t)(hi - lo + 1));
}

// Sorts pseudo-random numbers, checks the order and sums them by position.
static uint64_t kernel_sort(uint32_t round) {
    uint64_t state = 0x9e3779b97f4a7c15ull + round;
    for (uint32_t i = 0; i < SORT_ITEMS; ++i) items[i] = (uint32_t)(next_random(&state) >> 32);
    quick_sort(items, 0, SORT_ITEMS - 1);
    uint64_t result = 0;
    for (uint32_t i = 0; i < SORT_ITEMS; ++i) {
        if (i > 0 && items[i - 1] > items[i]) return ~0ull;  // not sorted: a wrong answer shows
        result = result * 3 + items[i];
    }
    // The plain insertion sort on a short run, its worst case included (reversed input).
    for (uint32_t i = 0; i < INSERTION_ITEMS; ++i)
        items[i] = (i & 1) ? (uint32_t)(next_random(&state) >> 40) : INSERTION_ITEMS - i;
    insertion_sort(items, INSERTION_ITEMS);
    for (uint32_t i = 0; i < INSERTION_ITEMS; ++i) result = result * 5 + items[i];
    return result;
}

// The sieve of Eratosthenes below a bound that moves with the round.
static uint64_t kernel_sieve(uint32_t round) {
    uint32_t limit = SIEVE_LIMIT - (round % 64) * 16;
    for (uint32_t i = 0; i < limit; ++i) composite[i] = 0;
    for (uint32_t i = 2; i * i < limit; ++i)
        if (!composite[i])
            for (uint32_t j = i * i; j < limit; j += i) composite[j] = 1;
    uint64_t count = 0, sum = 0;
    for (uint32_t i = 2; i < limit; ++i)
        if (!composite[i]) {
            ++count;
            sum += i;
        }
    return (count << 40) ^ sum;
}

// 64-bit multiply, multiply-add, unsigned and signed divide and remainder.
static uint64_t kernel_muldiv(uint32_t round) {
    uint64_t state = 0xdeadbeefcafef00dull ^ round;
    uint64_t acc = 1;
    uint64_t signed_acc = 0;  // unsigned: the sum may wrap
    for (uint32_t i = 0; i < 100000; ++i) {
        uint64_t x = next_random(&state);
        uint64_t d = (x >> 40) | 1;  // never zero
        acc = acc * 6364136223846793005ull + x / d;
        acc ^= x % d;
        int64_t s = (int64_t)x >> 13;
        int64_t sd = (int64_t)(d >> 3) - 1000;  // negative or positive, never zero
        if (sd == 0) sd = 7;
        signed_acc += (uint64_t)(s / sd - s % sd);
    }
    return acc ^ signed_acc;
}

// Copies: 64-bit words forward, bytes backward (an overlapping move), and a compare.
static uint64_t kernel_copy(uint32_t round) {
    fill_random(buffer_a, BUFFER_WORDS, 0xabcdef + round);
    uint64_t result = 0;
    for (uint32_t pass = 0; pass < 8; ++pass) {
        for (uint32_t i = 0; i < BUFFER_WORDS; ++i) buffer_b[i] = buffer_a[i] + pass;
        uint8_t *bytes = (uint8_t *)buffer_b;
        uint32_t shift = 1 + pass * 3;
        for (uint32_t i = BUFFER_WORDS * 8 - 1; i >= shift; --i) bytes[i] = bytes[i - shift];
        for (uint32_t i = 0; i < BUFFER_WORDS; i += 7) result = result * 31 + buffer_b[i];
        int order = memcmp(buffer_a, buffer_b, 64);
        result += order < 0 ? 1 : order > 0 ? 3 : 2;
    }
    return result;
}

int main(void) {
    static const char *const names[] = {"checksum", "sort", "sieve", "muldiv", "copy"};
    static uint64_t (*const kernels[])(uint32_t) = {kernel_checksum, kernel_sort, kernel_sieve, kernel_muldiv,
                                                     kernel_copy};
    uint64_t total = 0;
    for (uint32_t k = 0; k < 5; ++k) {
        uint64_t result = 0;
        for (uint32_t round = 0; round < SCALE; ++round) result = (result << 7 | result >> 57) ^ kernels[k](round);
        guest_printf("%s: %016lx\n", names[k], result);
        total ^= result;
    }
    guest_printf("compute (scale %u): %016lx\n", SCALE, total);
    return 0;
}
