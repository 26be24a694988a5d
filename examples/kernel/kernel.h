// The kernel's shared declarations: processes, and the functions each file offers the others.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "guest.h"
#include "memlayout.h"
#include "trapframe.h"

#define printf guest_printf
#define NPROC 64  // the process table: at most this many processes at once (ASIDs 1..NPROC)

typedef uint64_t pte_t;

// --- kalloc.c: 4 KiB pages of RAM, zeroed, by their kernel virtual address.
void *kalloc(void);
void kfree(void *page);
size_t kalloc_pages_in_use(void);

// --- vm.c: page tables.
static inline void *pa_to_kva(uint64_t pa) { return (void *)(pa + KERNEL_BASE); }
static inline uint64_t kva_to_pa(const void *kva) { return (uint64_t)kva - KERNEL_BASE; }
void vm_init(void);
void vm_unload_user(void);
pte_t *uvm_create(void);
void uvm_free(pte_t *pagetable);
int uvm_copy(pte_t *from, pte_t *to);
int map_page(pte_t *pagetable, uint64_t va, uint64_t pa, uint64_t attributes);
void unmap_page(pte_t *pagetable, unsigned asid, uint64_t va);
int copyin(pte_t *pagetable, void *dst, uint64_t user_src, size_t len);
int copyout(pte_t *pagetable, uint64_t user_dst, const void *src, size_t len);
void sync_icache(const void *kva, size_t len);

// --- exec.c: a program (an ELF file in the kernel image) into a fresh address space.
int exec_load(pte_t *pagetable, struct trapframe *tf, const uint8_t *elf, size_t size);

// --- proc.c: processes and the scheduler.
struct context {  // what swtch (vectors.S) saves: the callee-saved registers, SP
    uint64_t x19_to_x30[12];
    uint64_t sp;
};

enum procstate { UNUSED, NEW, RUNNABLE, RUNNING, SLEEPING, ZOMBIE };  // NEW: being set up

struct proc {
    enum procstate state;
    int pid;
    struct proc *parent;
    struct proc *next_runnable;  // RUNNABLE: the next one in the run queue
    const void *wait_channel;    // SLEEPING: what it waits for (wakeup's argument)
    pte_t *pagetable;            // its level-1 table, the root of its address space
    unsigned asid;               // tags its TLB entries, so switching needs no flush
    uint8_t *kstack;             // one page: its kernel stack, with its trapframe on top
    struct trapframe *tf;        // its user registers while it is in the kernel
    struct context context;      // its kernel registers while another process runs
    int exit_status;
    unsigned slice_ticks;        // ticks since it was last given the CPU
    uint64_t syscalls, page_faults, timer_interrupts, preemptions;
};

// A process may be preempted once it has had the CPU for this many ticks. Two, not one: a
// process that got the CPU just before a tick still runs at least one whole tick (a
// million instructions) before it can lose it. The fork bomb relies on it (forkbomb.c).
#define TIMESLICE_TICKS 2

extern struct proc *current;  // the process on the CPU, or 0 while the scheduler runs
extern volatile uint64_t ticks;

void swtch(struct context *from, struct context *to);  // vectors.S
void user_init(const char *name, const uint8_t *elf, size_t size);
void scheduler(void);
int fork(void);
void exit(int status) __attribute__((noreturn));
int wait(int pid, uint64_t user_status);
void yield(void);
void sleep_on(const void *channel);
void wakeup(const void *channel);
int runnable_waiting(void);
void proc_report(void);

// --- syscall.c
void syscall(struct trapframe *tf);

// --- trap.c
void kill(const char *what, uint64_t esr) __attribute__((noreturn));

// --- timer.c: the GICv3 and the virtual timer: one tick per millisecond.
#define TICKS_PER_SECOND 1000
void timer_init(void);
int gic_acknowledge(void);
void gic_end(int intid);
void timer_rearm(void);
#define TIMER_INTID 27      // the virtual timer's PPI
#define SPURIOUS_INTID 1023

void panic(const char *what) __attribute__((noreturn));
