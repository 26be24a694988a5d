// A v4 guest: a computation split over several processes that the guest kernel runs
// round-robin. Each worker counts the primes in its part of a range and exits with the
// count; init reaps them in order and prints the parts and the sum.
#include "user.h"

#define WORKERS 4
#define LIMIT 120000

static int is_prime(unsigned n) {
    if (n < 2) return 0;
    for (unsigned d = 2; d * d <= n; ++d)
        if (n % d == 0) return 0;
    return 1;
}

static int count_primes(unsigned from, unsigned to) {
    int count = 0;
    for (unsigned n = from; n < to; ++n) count += is_prime(n);
    return count;
}

int main(void) {
    printf("init: %d workers count the primes below %d\n", WORKERS, LIMIT);
    int pids[WORKERS];
    for (int k = 0; k < WORKERS; ++k) {
        pids[k] = fork();
        if (pids[k] == 0) exit(count_primes(LIMIT / WORKERS * k, LIMIT / WORKERS * (k + 1)));
    }
    int total = 0;
    for (int k = 0; k < WORKERS; ++k) {
        int count = -1;
        wait(pids[k], &count);
        printf("init: worker pid %d found %d primes in [%d, %d)\n", pids[k], count, LIMIT / WORKERS * k,
               LIMIT / WORKERS * (k + 1));
        total += count;
    }
    printf("init: %d primes below %d\n", total, LIMIT);
    return 0;
}
