// The AArch64 instructions the kernel needs that C has no words for: system registers,
// barriers, TLB maintenance, and the IRQ mask (irq_bit, PSTATE.I).
#pragma once

#include <stdint.h>

#define READ_SYSREG(name) ({ uint64_t v_; __asm__ volatile("mrs %0, " #name : "=r"(v_)); v_; })
#define WRITE_SYSREG(name, v) __asm__ volatile("msr " #name ", %0" ::"r"((uint64_t)(v)) : "memory")

static inline void isb(void) { __asm__ volatile("isb" ::: "memory"); }
// Waits until earlier memory accesses, and earlier TLB maintenance, are complete (on this
// CPU: the kernel runs on one CPU, so the non-shareable forms are enough).
static inline void dsb(void) { __asm__ volatile("dsb nsh" ::: "memory"); }
// Makes earlier stores (to page tables, say) visible to the table walker before what follows.
static inline void dsb_store(void) { __asm__ volatile("dsb nshst" ::: "memory"); }

// TLB maintenance. Changing a valid descriptor, or reusing an ASID, leaves old translations
// in the TLB until one of these removes them; the DSB waits for that, the ISB makes the
// instructions that follow see it.
static inline void tlb_flush_all(void) {  // every entry, every ASID
    __asm__ volatile("tlbi vmalle1" ::: "memory");
    dsb();
    isb();
}
static inline void tlb_flush_asid(unsigned asid) {  // every non-global entry of one process
    __asm__ volatile("tlbi aside1, %0" ::"r"((uint64_t)asid << 48) : "memory");
    dsb();
    isb();
}
static inline void tlb_flush_page(unsigned asid, uint64_t va) {  // one page of one process
    __asm__ volatile("tlbi vae1, %0" ::"r"(((uint64_t)asid << 48) | ((va >> 12) & 0xfffffffffff)) : "memory");
    dsb();
    isb();
}

// irq_bit: the kernel runs with IRQs masked (the exception entry sets PSTATE.I); it unmasks
// them only while it waits for work (scheduler.c), and every return to EL0 unmasks them.
static inline void irq_enable(void) { __asm__ volatile("msr daifclr, #2" ::: "memory"); }
static inline void irq_disable(void) { __asm__ volatile("msr daifset, #2" ::: "memory"); }
static inline void wait_for_interrupt(void) { __asm__ volatile("wfi" ::: "memory"); }
