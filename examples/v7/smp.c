// A v7 guest: a VM with several vCPUs. Up to four CPUs pass a token around a ring with SGIs,
// then share a counter under a ticket spinlock; CPU 0 prints the results once the others are
// off. What it prints is exact, and the same on 1, 2 or 4 CPUs: the work is four tasks,
// dealt out to the CPUs there are, and the ring has a fixed number of hops.
#include "cpus.h"
#include "gic.h"
#include "guest.h"
#include "spinlock.h"

#define TASKS 4
#define INCREMENTS 10000  // per task; TASKS * INCREMENTS tickets fit the lock's 16 bits
#define RING_HOPS 64
#define SGI_TOKEN 1

static spinlock_t counter_lock;
static uint64_t counter;  // only touched with counter_lock held
static volatile uint64_t scratch[MAX_CPUS];

// The token ring: the CPU that takes the token counts the hop and sends it on to the next
// CPU (itself, if it is alone). Only the token's holder touches token_hops.
static volatile uint32_t token_hops;
static volatile uint32_t ring_done;
static volatile uint32_t sgis_sent[MAX_CPUS];
static volatile uint32_t sgis_taken[MAX_CPUS];
static volatile uint32_t ring_size;

static void send_token(unsigned from) {
    ++sgis_sent[from];
    gic_send_sgi(gic_sgi_to(SGI_TOKEN, cpu_mpidr((from + 1) % ring_size)));
}

static void take_token(unsigned cpu, unsigned intid) {
    if (intid != SGI_TOKEN) smp_fail("unexpected interrupt %u", intid);
    ++sgis_taken[cpu];
    token_hops = token_hops + 1;
    if (token_hops < RING_HOPS) send_token(cpu);
    else store_release(&ring_done, 1);  // wakes every CPU waiting for it (cpu.h)
}

static void start(unsigned cpus) {
    ring_size = cpus;
    guest_printf("smp: CPU 0 started the others with PSCI CPU_ON (at most %u CPUs)\n", program.max_cpus);
}

static void run(unsigned cpu, unsigned cpus) {
    // The ring: CPU 0 sends the first SGI; every CPU waits (in WFE, IRQs on) until the last
    // hop, taking and passing the token meanwhile.
    if (cpu == 0) send_token(0);
    wait_until_at_least(&ring_done, 1);

    // The counter: CPU c does tasks c, c + cpus, ... Each increment reads the counter, works
    // a little, and writes it back plus one: without the lock, the increments other CPUs make
    // in between would be lost.
    for (unsigned task = cpu; task < TASKS; task += cpus) {
        for (unsigned i = 0; i < INCREMENTS; ++i) {
            spin_lock(&counter_lock);
            const uint64_t seen = counter;
            uint64_t h = seen;
            for (unsigned step = 0; step < 8; ++step) h = (h ^ step) * 1099511628211ull;
            scratch[cpu] = h;
            counter = seen + 1;
            spin_unlock(&counter_lock);
        }
    }
}

static void finish(unsigned cpus) {
    uint32_t sent = 0, taken = 0;
    for (unsigned cpu = 0; cpu < cpus; ++cpu) {
        sent += sgis_sent[cpu];
        taken += sgis_taken[cpu];
    }
    guest_printf("smp: token ring: %u hops, %u SGIs sent, %u taken\n", token_hops, sent, taken);
    guest_printf("smp: counter: %lu after %u tasks of %u increments under one ticket lock\n", counter, TASKS,
                 INCREMENTS);
    const uint32_t word = counter_lock.word;
    guest_printf("smp: lock: %u tickets drawn, %u served\n", SPINLOCK_NEXT(word), SPINLOCK_OWNER(word));
    guest_printf("smp: every other CPU is off (AFFINITY_INFO); powering off\n");
}

const struct smp_program program = {
    .max_cpus = 4,
    .start = start,
    .run = run,
    .interrupt = take_token,
    .sgi_mask = 1u << SGI_TOKEN,
    .finish = finish,
};
