// A ticket spinlock, the design of the arm64 Linux kernel before its queued spinlocks.
//
// The lock word holds two 16-bit numbers: `next`, the ticket the next CPU to ask will draw,
// and `owner`, the ticket now allowed in. A CPU draws a ticket (one atomic increment of
// `next`) and waits until `owner` shows it; unlocking adds one to `owner`. CPUs get the lock
// in the order they asked: the lock is fair.
//
// Waiting is cheap: the waiter reads `owner` with a load-exclusive, which arms its exclusive
// monitor on the lock word, and sleeps in WFE. The unlocking store clears every monitor that
// watches the word, which is an event: the waiters wake and read `owner` again. No SEV is
// needed. Under a hypervisor WFE traps, and a waiting vCPU gives its physical CPU away
// (pause-loop exiting) -- to another vCPU of its VM, perhaps the one that holds the lock.
#pragma once

#include <stdint.h>

typedef struct {
    volatile uint32_t word;  // owner in bits 15..0, next in bits 31..16 (little-endian: owner first)
} spinlock_t;

#define SPINLOCK_OWNER(word) ((uint16_t)(word))
#define SPINLOCK_NEXT(word) ((uint16_t)((word) >> 16))

// The wait loop's cost in instructions, for the figures: one trip round it, and what runs
// once before the first trip (the SEVL). Built with SPINLOCK_WITHOUT_WFE the waiter never
// executes a WFE: it spins on plain loads, as a guest does whose spinlock has no wait hint,
// and the VMM never sees it wait (nothing traps).
#ifdef SPINLOCK_WITHOUT_WFE
#define SPINLOCK_LOOP_INSTRUCTIONS 4
#define SPINLOCK_SETUP_INSTRUCTIONS 0
#define SPINLOCK_WAIT_NAME "spin loop"
#else
#define SPINLOCK_LOOP_INSTRUCTIONS 5
#define SPINLOCK_SETUP_INSTRUCTIONS 1
#define SPINLOCK_WAIT_NAME "wait loop (WFE)"
#endif

// Takes the lock; returns how many times this CPU went round its wait loop for it.
static inline uint32_t spin_lock(spinlock_t *lock) {
    uint32_t old, next, failed;
    // Draw a ticket: next += 1, atomically. The acquire (LDAXR) keeps the critical section's
    // accesses after it.
    __asm__ volatile("1: ldaxr  %w[old], %[word]\n"
                     "   add    %w[next], %w[old], %w[one_ticket]\n"
                     "   stxr   %w[failed], %w[next], %[word]\n"
                     "   cbnz   %w[failed], 1b\n"
                     : [old] "=&r"(old), [next] "=&r"(next), [failed] "=&r"(failed), [word] "+Q"(lock->word)
                     : [one_ticket] "r"(1u << 16)
                     : "memory");
    const uint32_t ticket = SPINLOCK_NEXT(old);
    if (SPINLOCK_OWNER(old) == ticket) return 0;  // nobody in front of us

    // Wait for our turn. The whole loop is one asm statement: nothing the compiler might put
    // between the load-exclusive and the WFE can disturb the monitor.
    uint32_t owner, waits = 0;
#ifdef SPINLOCK_WITHOUT_WFE
    __asm__ volatile("1: add    %w[waits], %w[waits], #1\n"
                     "   ldarh  %w[owner], %[word]\n"  // owner, the lock word's low half
                     "   cmp    %w[owner], %w[ticket]\n"
                     "   b.ne   1b\n"
                     : [owner] "=&r"(owner), [waits] "+r"(waits)
                     : [word] "Q"(lock->word), [ticket] "r"(ticket)
                     : "cc", "memory");
#else
    __asm__ volatile("   sevl\n"                       // the first WFE falls through
                     "1: wfe\n"
                     "   add    %w[waits], %w[waits], #1\n"
                     "   ldaxrh %w[owner], %[word]\n"  // owner, the lock word's low half; arms the monitor
                     "   cmp    %w[owner], %w[ticket]\n"
                     "   b.ne   1b\n"
                     : [owner] "=&r"(owner), [waits] "+r"(waits)
                     : [word] "Q"(lock->word), [ticket] "r"(ticket)
                     : "cc", "memory");
#endif
    return waits;
}

// Releases the lock: owner += 1, with a store-release (the critical section's accesses stay
// before it). Only the holder writes `owner`, so a plain read of it is up to date.
static inline void spin_unlock(spinlock_t *lock) {
    const uint32_t owner = (uint16_t)(SPINLOCK_OWNER(lock->word) + 1);
    __asm__ volatile("stlrh %w[owner], %[word]" : [word] "+Q"(lock->word) : [owner] "r"(owner) : "memory");
}
