// Counts the primes below 100000 with the sieve of Eratosthenes and prints checksums of them.
#include "guest.h"

#define LIMIT 100000

static uint8_t composite[LIMIT];  // in .bss: zero means "not yet crossed out"

int main(void) {
    for (uint32_t i = 2; i * i < LIMIT; ++i)
        if (!composite[i])
            for (uint32_t j = i * i; j < LIMIT; j += i) composite[j] = 1;

    uint32_t count = 0;
    uint64_t sum = 0;
    uint64_t hash = 0;  // polynomial hash of the primes in order: hash = hash * 31 + p
    uint32_t largest = 0;
    for (uint32_t i = 2; i < LIMIT; ++i) {
        if (composite[i]) continue;
        ++count;
        sum += i;
        hash = hash * 31 + i;
        largest = i;
    }
    guest_printf("primes below %u: %u\n", LIMIT, count);
    guest_printf("largest: %u\n", largest);
    guest_printf("sum: %lu\n", sum);
    guest_printf("hash: %016lx\n", hash);
    return 0;
}
