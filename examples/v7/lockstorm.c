// A v7 guest for the lecture's last question: what happens to a spinlock when the vCPU that
// holds it is descheduled (lock-holder preemption)? Every CPU takes one ticket lock again and
// again and holds it for a fixed amount of work. Each one counts how often it went round its
// wait loop -- and so the instructions it spent spinning, the loop's length being known (see
// spinlock.h; lockstorm-spin.elf spins without WFE) -- and measures, with the virtual
// counter, how long each acquisition waited: the mean, the 99th percentile and the maximum.
// On a machine with a CPU for every vCPU a waiter waits for at most the holders in front of
// it; when a holder's vCPU is descheduled, everyone behind it waits until it runs again.
//
// The acquisitions and the work done under the lock are exact; the waits depend on the
// scheduling, and are printed after a line that says so.
#include "cpus.h"
#include "guest.h"
#include "spinlock.h"

#define ROUNDS 400       // acquisitions per CPU
#define HOLD_STEPS 150   // work done holding the lock
#define FREE_STEPS 100   // work done between acquisitions

static spinlock_t lock;
static uint64_t work_under_lock;  // these two only with the lock held
static uint32_t acquisitions;

static uint32_t waited_ticks[MAX_CPUS][ROUNDS];  // each acquisition's wait, for the percentile

static struct {
    uint64_t waits;       // times round the wait loop, over all acquisitions
    uint64_t contended;   // acquisitions that had to wait at all
    uint64_t wait_ticks;  // counter ticks from asking for the lock to holding it
    uint64_t max_wait_ticks;
    volatile uint64_t sink;  // keeps the work between acquisitions from being optimized away
} stats[MAX_CPUS];

// A fixed amount of work: `steps` rounds of the FNV-1a step on a seed.
static uint64_t work(uint64_t seed, unsigned steps) {
    uint64_t h = 1469598103934665603ull ^ seed;
    for (unsigned i = 0; i < steps; ++i) h = (h ^ i) * 1099511628211ull;
    return h;
}

static void start(unsigned cpus) {
    guest_printf("lockstorm: %u CPU%s; each takes one ticket lock %u times and holds it for %u steps of work\n", cpus,
                 cpus == 1 ? "" : "s", ROUNDS, HOLD_STEPS);
}

static void run(unsigned cpu, unsigned cpus) {
    (void)cpus;
    for (unsigned round = 0; round < ROUNDS; ++round) {
        stats[cpu].sink = work(cpu * ROUNDS + round, FREE_STEPS);

        const uint64_t asked = counter_now();
        const uint32_t waits = spin_lock(&lock);
        const uint64_t waited = counter_now() - asked;
        // The critical section: a sum does not depend on the order the CPUs come in.
        work_under_lock += work(((uint64_t)cpu << 32) | round, HOLD_STEPS);
        ++acquisitions;
        spin_unlock(&lock);

        stats[cpu].waits += waits;
        stats[cpu].contended += waits != 0;
        waited_ticks[cpu][round] = (uint32_t)waited;
        stats[cpu].wait_ticks += waited;
        if (waited > stats[cpu].max_wait_ticks) stats[cpu].max_wait_ticks = waited;
    }
}

static void interrupt(unsigned cpu, unsigned intid) { smp_fail("unexpected interrupt %u on cpu %u", intid, cpu); }

// Instructions spent in the wait loop: every trip round it, and the set-up before the first.
static uint64_t spin_instructions(uint64_t waits, uint64_t contended) {
    return waits * SPINLOCK_LOOP_INSTRUCTIONS + contended * SPINLOCK_SETUP_INSTRUCTIONS;
}

// The 99th percentile of the `cpus` CPUs' waits: the smallest of the largest 1% (rounded
// up), kept in a short table sorted largest first as the waits go by.
static uint32_t p99_wait(unsigned cpus) {
    enum { MAX_TOP = (MAX_CPUS * ROUNDS + 99) / 100 };
    const unsigned k = (cpus * ROUNDS + 99) / 100;
    uint32_t top[MAX_TOP] = {0};
    for (unsigned c = 0; c < cpus; ++c)
        for (unsigned r = 0; r < ROUNDS; ++r) {
            const uint32_t w = waited_ticks[c][r];
            if (w <= top[k - 1]) continue;
            unsigned i = k - 1;
            for (; i > 0 && top[i - 1] < w; --i) top[i] = top[i - 1];
            top[i] = w;
        }
    return top[k - 1];
}

static void finish(unsigned cpus) {
    const uint32_t word = lock.word;
    guest_printf("lockstorm: acquisitions: %u, tickets drawn: %u, served: %u\n", acquisitions, SPINLOCK_NEXT(word),
                 SPINLOCK_OWNER(word));
    guest_printf("lockstorm: work done under the lock: 0x%lx\n", work_under_lock);
    guest_printf("lockstorm: measured, depends on scheduling (counter ticks; 62.5 MHz):\n");
    uint64_t waits = 0, contended = 0, ticks = 0, max = 0;
    for (unsigned cpu = 0; cpu < cpus; ++cpu) {
        guest_printf("lockstorm:   cpu %u: %lu times round the " SPINLOCK_WAIT_NAME
                     " (%lu instructions); wait per acquisition: mean %lu, max %lu\n",
                     cpu, stats[cpu].waits, spin_instructions(stats[cpu].waits, stats[cpu].contended),
                     stats[cpu].wait_ticks / ROUNDS, stats[cpu].max_wait_ticks);
        waits += stats[cpu].waits;
        contended += stats[cpu].contended;
        ticks += stats[cpu].wait_ticks;
        if (stats[cpu].max_wait_ticks > max) max = stats[cpu].max_wait_ticks;
    }
    guest_printf("lockstorm:   all: %lu times round the " SPINLOCK_WAIT_NAME " (%lu instructions); %lu of %u acquisitions waited\n",
                 waits, spin_instructions(waits, contended), contended, ROUNDS * cpus);
    guest_printf("lockstorm:   all: wait per acquisition: mean %lu, p99 %u, max %lu\n", ticks / (ROUNDS * cpus),
                 p99_wait(cpus), max);
    guest_printf("lockstorm: every other CPU is off; powering off\n");
}

const struct smp_program program = {
    .max_cpus = MAX_CPUS,
    .start = start,
    .run = run,
    .interrupt = interrupt,
    .sgi_mask = 0,
    .finish = finish,
};
