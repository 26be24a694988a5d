// What each CPU of the SMP guest needs that C has no words for: system registers, barriers
// between CPUs, atomic updates of shared words, waiting for events (WFE) and interrupts
// (WFI), the IRQ mask (irq_bit), the counter, and which CPU is running.
#pragma once

#define MAX_CPUS 8            // stacks and per-CPU tables are sized for this many
#define CPU_STACK_SIZE 0x4000  // each CPU's stack (boot.S)

#ifndef __ASSEMBLER__
#include <stdint.h>

#define READ_SYSREG(name) ({ uint64_t v_; __asm__ volatile("mrs %0, " #name : "=r"(v_)); v_; })
#define WRITE_SYSREG(name, v) __asm__ volatile("msr " #name ", %0" ::"r"((uint64_t)(v)) : "memory")

// Barriers over the inner-shareable domain: the one every CPU of this machine is in.
static inline void isb(void) { __asm__ volatile("isb" ::: "memory"); }
static inline void dsb(void) { __asm__ volatile("dsb ish" ::: "memory"); }
static inline void dsb_store(void) { __asm__ volatile("dsb ishst" ::: "memory"); }

// irq_bit: PSTATE.I masks IRQs on this CPU only.
static inline void irq_enable(void) { __asm__ volatile("msr daifclr, #2" ::: "memory"); }
static inline void irq_disable(void) { __asm__ volatile("msr daifset, #2" ::: "memory"); }

// WFI returns once an interrupt is pending, even a masked one: a CPU can mask IRQs, check
// that it still has to wait, and sleep, without missing an interrupt that comes in between.
static inline void wait_for_interrupt(void) { __asm__ volatile("wfi" ::: "memory"); }

// This CPU's index: 0 for the boot CPU, the PSCI context ID for the others (boot.S keeps it
// in TPIDR_EL1, the register an OS keeps per-CPU data in).
static inline unsigned this_cpu(void) { return (unsigned)READ_SYSREG(tpidr_el1); }

// The virtual counter (62.5 MHz on QEMU virt and on Trapeze). The ISB keeps the read from
// being done before the instructions in front of it.
static inline uint64_t counter_now(void) {
    isb();
    return READ_SYSREG(cntvct_el0);
}

// Ordered loads and stores of a word shared between CPUs: what is written before a
// store-release is seen by any CPU whose load-acquire reads the stored value.
static inline uint32_t load_acquire(const volatile uint32_t *p) {
    uint32_t v;
    __asm__ volatile("ldar %w0, %1" : "=r"(v) : "Q"(*p) : "memory");
    return v;
}
static inline void store_release(volatile uint32_t *p, uint32_t v) {
    __asm__ volatile("stlr %w1, %0" : "=Q"(*p) : "r"(v) : "memory");
}

// *p += v, atomically, with acquire and release ordering; returns the old value. A
// load-exclusive/store-exclusive pair: the store fails (and the loop tries again) if another
// CPU wrote the word in between. The Cortex-A57 is Armv8.0: it has no LSE atomics (LDADD).
static inline uint32_t atomic_fetch_add(volatile uint32_t *p, uint32_t v) {
    uint32_t old, sum, failed;
    __asm__ volatile("1: ldaxr  %w[old], %[word]\n"
                     "   add    %w[sum], %w[old], %w[v]\n"
                     "   stlxr  %w[failed], %w[sum], %[word]\n"
                     "   cbnz   %w[failed], 1b\n"
                     : [old] "=&r"(old), [sum] "=&r"(sum), [failed] "=&r"(failed), [word] "+Q"(*p)
                     : [v] "r"(v)
                     : "memory");
    return old;
}

// Waits until *p >= value, cheaply: the load-exclusive arms this CPU's exclusive monitor on
// the word, and WFE sleeps until an event. Any other CPU's store to the word clears the
// monitor, and that is an event: WFE returns and the loop reads again. SEVL sets this CPU's
// event register first, so the first WFE falls through to the first read. WFE may also
// return for no reason (an interrupt, an exception return); the loop just reads again.
// Built with SPINLOCK_WITHOUT_WFE (as the spinlock, spinlock.h), it spins on plain loads.
static inline void wait_until_at_least(volatile uint32_t *p, uint32_t value) {
    uint32_t now;
#ifdef SPINLOCK_WITHOUT_WFE
    __asm__ volatile("1: ldar   %w[now], %[word]\n"
                     "   cmp    %w[now], %w[value]\n"
                     "   b.lo   1b\n"
                     : [now] "=&r"(now)
                     : [word] "Q"(*p), [value] "r"(value)
                     : "cc", "memory");
#else
    __asm__ volatile("   sevl\n"
                     "1: wfe\n"
                     "   ldaxr  %w[now], %[word]\n"
                     "   cmp    %w[now], %w[value]\n"
                     "   b.lo   1b\n"
                     : [now] "=&r"(now)
                     : [word] "Q"(*p), [value] "r"(value)
                     : "cc", "memory");
#endif
}

#endif  // __ASSEMBLER__
