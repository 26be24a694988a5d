// Exceptions: what the vectors (vectors.S) call. From EL0: system calls, page faults, and
// everything a process may do wrong; IRQs: the tick (irq_handler). From EL1: only the tick
// while the scheduler idles; anything else there is a kernel bug.
#include "arm.h"
#include "kernel.h"
#include "mmu.h"

volatile uint64_t ticks;

// ESR_EL1.EC, the exception class: what the kernel calls each one it may meet.
static const char *const exception_names[64] = {
    [0x00] = "undefined instruction",
    [0x01] = "WFI or WFE at EL0",
    [0x07] = "FP/SIMD instruction (CPACR_EL1 traps them)",
    [0x0e] = "illegal execution state",
    [0x15] = "SVC",
    [0x18] = "system register or instruction not allowed at EL0",
    [0x20] = "instruction abort",
    [0x21] = "instruction abort in the kernel",
    [0x22] = "PC alignment fault",
    [0x24] = "data abort",
    [0x25] = "data abort in the kernel",
    [0x26] = "SP alignment fault",
    [0x2f] = "SError",
    [0x3c] = "BRK instruction",
};
#define EC_SVC64 0x15
#define EC_INSTRUCTION_ABORT_LOWER 0x20
#define EC_PC_ALIGNMENT 0x22
#define EC_DATA_ABORT_LOWER 0x24

// ESR_EL1.DFSC/IFSC bits 5:2: the kind of fault (bits 1:0 are the level of the walk).
static const char *const fault_names[16] = {
    [0x0] = "address size fault",
    [0x1] = "translation fault",
    [0x2] = "access flag fault",
    [0x3] = "permission fault",
    [0x4] = "external abort",
};

static const char *exception_name(unsigned ec) {
    return exception_names[ec] ? exception_names[ec] : "unexpected exception";
}

// Ends the current process for something it did; its parent sees exit status -1.
void kill(const char *what, uint64_t esr) {
    printf("kernel: pid %d killed: %s (ESR_EL1 0x%08lx)\n", current->pid, what, esr);
    printf("kernel: pid %d's counts: system calls %lu, page faults %lu\n", current->pid, current->syscalls,
           current->page_faults);
    exit(-1);
}

// A data or instruction abort from EL0. The heap is demand-zero: its first touch of a page
// is a translation fault, and the kernel maps a zeroed page there and lets the access run
// again (ERET to the same instruction). Any other fault ends the process.
static void page_fault(uint64_t esr, uint64_t far, int instruction) {
    const unsigned fsc = esr & 0x3f;
    const unsigned level = fsc & 3;
    const int write = !instruction && (esr & (1u << 6));  // WnR
    const char *access = instruction ? "fetch" : write ? "write" : "read";
    const char *fault = fsc < 0x14 ? fault_names[fsc >> 2] : 0;
    if (!fault) fault = "fault";
    ++current->page_faults;
    if (!instruction && (fsc & ~3u) == FSC_TRANSLATION && far >= USER_HEAP && far < USER_HEAP_END) {
        void *page = kalloc();
        if (page && map_page(current->pagetable, far & ~(PAGE_SIZE - 1), kva_to_pa(page), PTE_USER_DATA) == 0) {
            printf("kernel: pid %d: %s at 0x%lx, %s (level %u, ESR_EL1 0x%08lx): mapped a zero page\n",
                   current->pid, access, far, fault, level, esr);
            return;
        }
        if (page) kfree(page);
    }
    char what[96];
    guest_snprintf(what, sizeof what, "%s (level %u) on a %s of 0x%lx", fault, level, access, far);
    kill(what, esr);
}

void user_trap(struct trapframe *tf) {
    const uint64_t esr = READ_SYSREG(esr_el1);
    const unsigned ec = (unsigned)(esr >> 26) & 0x3f;
    switch (ec) {
    case EC_SVC64:
        syscall(tf);
        return;
    case EC_DATA_ABORT_LOWER:
    case EC_INSTRUCTION_ABORT_LOWER:
        page_fault(esr, READ_SYSREG(far_el1), ec == EC_INSTRUCTION_ABORT_LOWER);
        return;
    case EC_PC_ALIGNMENT: {
        char what[64];
        guest_snprintf(what, sizeof what, "PC alignment fault at 0x%lx", READ_SYSREG(far_el1));
        kill(what, esr);
    }
    default:
        kill(exception_name(ec), esr);
    }
}

// irq_handler: what the vectors call for an IRQ, from EL0 or from EL1. Acknowledge the
// interrupt at the GIC, handle it, signal its end. Returns 1 if it was a tick.
static int irq_handler(void) {
    const int intid = gic_acknowledge();
    if (intid == SPURIOUS_INTID) return 0;
    const int tick = intid == TIMER_INTID;
    if (tick) {
        ++ticks;
        timer_rearm();
        wakeup((const void *)&ticks);  // sleep() waits on the tick count
    }
    gic_end(intid);
    return tick;
}

// An IRQ that interrupted a process at EL0. A tick ends its time slice after
// TIMESLICE_TICKS; if another process is waiting for the CPU, this one is preempted.
void user_irq(struct trapframe *tf) {
    (void)tf;
    if (!irq_handler()) return;
    ++current->timer_interrupts;
    if (++current->slice_ticks < TIMESLICE_TICKS) return;
    current->slice_ticks = 0;
    if (!runnable_waiting()) return;
    ++current->preemptions;
    yield();
}

// An IRQ while the scheduler waits for work (scheduler in proc.c).
void kernel_irq(void) { irq_handler(); }

// A synchronous exception at EL1 is a bug in this kernel: say where, and stop.
void kernel_fault(void) {
    const uint64_t esr = READ_SYSREG(esr_el1);
    char what[128];
    guest_snprintf(what, sizeof what, "%s (ESR_EL1 0x%08lx) at 0x%lx, FAR_EL1 0x%lx",
                   exception_name((unsigned)(esr >> 26) & 0x3f), esr, READ_SYSREG(elr_el1), READ_SYSREG(far_el1));
    panic(what);
}
