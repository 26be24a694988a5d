// A v7 guest: CPUs that wait in WFE with IRQs masked, so that only an event can end a wait.
// The CPUs pass a baton round a ring, twice: first each passes it with a store and an SEV
// (an event for every CPU), then with a store alone, which clears the exclusive monitor the
// next CPU armed on the baton with a load-exclusive (an event for that CPU only). A wake-up a
// hypervisor loses leaves every CPU waiting for ever: no tick can end a wait, IRQs are off.
// What it prints is exact, and the same on 1, 2 or 4 CPUs.
#include "cpus.h"
#include "guest.h"

#define PASSES 2000  // of the baton, in each round

static volatile uint32_t baton;  // how many times it was passed; CPU (baton % cpus) holds it

// Waits until the baton comes to `cpu` (or the round is over), as the SEV pattern does:
// look, and if not yet, WFE (the event register remembers an SEV that came after the look).
static uint32_t wait_sev(unsigned cpu, unsigned cpus) {
    for (;;) {
        const uint32_t now = load_acquire(&baton);
        if (now >= PASSES || now % cpus == cpu) return now;
        __asm__ volatile("wfe" ::: "memory");
    }
}

// The same, the way a spinlock waits (cpu.h's wait_until_at_least): the load-exclusive arms
// the monitor; the next store to the baton clears it, an event. No SEV. One asm statement:
// nothing the compiler might put between the load-exclusive and the WFE can disturb the monitor.
static uint32_t wait_monitor(unsigned cpu, unsigned cpus) {
    uint32_t now, turn;
    __asm__ volatile("   sevl\n"
                     "1: wfe\n"
                     "   ldaxr  %w[now], %[word]\n"
                     "   cmp    %w[now], %w[passes]\n"
                     "   b.hs   2f\n"
                     "   udiv   %w[turn], %w[now], %w[cpus]\n"
                     "   msub   %w[turn], %w[turn], %w[cpus], %w[now]\n"  // now % cpus
                     "   cmp    %w[turn], %w[cpu]\n"
                     "   b.ne   1b\n"
                     "2:\n"
                     : [now] "=&r"(now), [turn] "=&r"(turn)
                     : [word] "Q"(baton), [passes] "r"(PASSES), [cpus] "r"(cpus), [cpu] "r"(cpu)
                     : "cc", "memory");
    return now;
}

static void round_of(unsigned cpu, unsigned cpus, int with_sev) {
    for (;;) {
        const uint32_t now = with_sev ? wait_sev(cpu, cpus) : wait_monitor(cpu, cpus);
        if (now >= PASSES) return;
        store_release(&baton, now + 1);
        if (with_sev) {
            dsb();  // the store is visible before the event
            __asm__ volatile("sev" ::: "memory");
        }
    }
}

// Every CPU has finished the round before the baton starts again.
static volatile uint32_t arrived;
static void barrier(unsigned cpus, uint32_t generation) {
    atomic_fetch_add(&arrived, 1);
    wait_until_at_least(&arrived, generation * cpus);
}

static void start(unsigned cpus) {
    guest_printf("events: CPU 0 started the others (at most %u CPUs)\n", program.max_cpus);
    (void)cpus;
}

static void run(unsigned cpu, unsigned cpus) {
    irq_disable();  // from here on only an event ends a wait in WFE
    round_of(cpu, cpus, 1);
    irq_enable();
    barrier(cpus, 1);
    if (cpu == 0) store_release(&baton, 0);
    barrier(cpus, 2);
    irq_disable();
    round_of(cpu, cpus, 0);
    irq_enable();
}

static void finish(unsigned cpus) {
    (void)cpus;
    guest_printf("events: the baton was passed %u times with SEV, then %u times by the monitor's clear\n", PASSES,
                 baton);
    guest_printf("events: every wait in WFE ended with IRQs masked; powering off\n");
}

const struct smp_program program = {
    .max_cpus = 4,
    .start = start,
    .run = run,
    .interrupt = 0,
    .sgi_mask = 0,
    .finish = finish,
};
