// Processes: the process table, the run queue, the scheduler, and the life of a process
// (created by user_init or fork, it runs, sleeps, exits, and its parent reaps it with wait).
//
// One CPU, and the kernel runs with IRQs masked: nothing here needs a lock. A process leaves
// the CPU only inside the kernel, by calling sched(): when it yields (the timer's irq_handler
// makes it yield when its time slice is over), sleeps, or exits.
#include "arm.h"
#include "kernel.h"

struct proc *current;
static struct proc procs[NPROC];
static struct context scheduler_context;  // the scheduler's registers while a process runs
static struct proc *runq_head, *runq_tail;
static int next_pid = 1;
static struct proc *init_proc;

// What the kernel tells when the last process is gone.
static unsigned created, reaped, fork_failures;

extern char user_return[];  // vectors.S

// The run queue, first in first out: a process that becomes runnable (new, woken, or
// preempted) waits behind every process that already could run.
static void runq_push(struct proc *p) {
    p->state = RUNNABLE;
    p->next_runnable = 0;
    if (runq_tail) runq_tail->next_runnable = p;
    else runq_head = p;
    runq_tail = p;
}

static struct proc *runq_pop(void) {
    struct proc *p = runq_head;
    if (p) {
        runq_head = p->next_runnable;
        if (!runq_head) runq_tail = 0;
    }
    return p;
}

int runnable_waiting(void) { return runq_head != 0; }

// A free slot with a kernel stack and an empty address space. Slot i always has ASID i + 1
// (ASID 0 is the empty table's), so ASIDs never run out; a slot's old translations are
// flushed when it is freed.
static struct proc *proc_alloc(void) {
    struct proc *p = 0;
    for (int i = 0; i < NPROC && !p; ++i)
        if (procs[i].state == UNUSED) p = &procs[i];
    if (!p) return 0;
    p->kstack = kalloc();
    p->pagetable = uvm_create();
    if (!p->kstack || !p->pagetable) {
        if (p->kstack) kfree(p->kstack);
        if (p->pagetable) kfree(p->pagetable);
        return 0;
    }
    p->state = NEW;
    p->asid = (unsigned)(p - procs) + 1;
    p->pid = next_pid++;
    p->parent = 0;
    p->wait_channel = 0;
    p->exit_status = 0;
    p->syscalls = p->page_faults = p->timer_interrupts = p->preemptions = 0;
    // Its trapframe sits at the top of its kernel stack, where vectors.S saves the user
    // registers on every exception from EL0. The first time the scheduler switches to it,
    // swtch "returns" into user_return with SP at the trapframe: an ERET into the program.
    p->tf = (struct trapframe *)(p->kstack + PAGE_SIZE - sizeof(struct trapframe));
    for (int i = 0; i < 12; ++i) p->context.x19_to_x30[i] = 0;
    p->context.x19_to_x30[11] = (uint64_t)user_return;  // x30, where swtch returns
    p->context.sp = (uint64_t)p->tf;
    return p;
}

// Free a reaped process. First its ASID's translations leave the TLB, so that the pages freed
// next cannot be reached through them, and so that the slot's next process starts clean.
static void proc_free(struct proc *p) {
    tlb_flush_asid(p->asid);
    uvm_free(p->pagetable);
    kfree(p->kstack);
    p->pagetable = 0;
    p->kstack = 0;
    p->state = UNUSED;
}

void user_init(const char *name, const uint8_t *elf, size_t size) {
    struct proc *p = proc_alloc();
    if (!p || exec_load(p->pagetable, p->tf, elf, size) < 0) panic("cannot start the first process");
    init_proc = p;
    ++created;
    printf("kernel: pid %d runs \"%s\" at EL0 from 0x%lx\n", p->pid, name, p->tf->pc);
    runq_push(p);
}

// Give the CPU back to the scheduler; returns when the scheduler picks this process again.
static void sched(void) { swtch(&current->context, &scheduler_context); }

void yield(void) {
    runq_push(current);
    sched();
}

void sleep_on(const void *channel) {
    current->state = SLEEPING;
    current->wait_channel = channel;
    sched();
    current->wait_channel = 0;
}

void wakeup(const void *channel) {
    for (int i = 0; i < NPROC; ++i)
        if (procs[i].state == SLEEPING && procs[i].wait_channel == channel) runq_push(&procs[i]);
}

static int processes_alive(void) {
    for (int i = 0; i < NPROC; ++i)
        if (procs[i].state == RUNNABLE || procs[i].state == RUNNING || procs[i].state == SLEEPING) return 1;
    return 0;
}

// The scheduler: take the first process of the run queue, load its address space (a write
// to TTBR0_EL1, one of the instructions a trap-and-emulate VMM must catch), and switch to
// it until it gives the CPU back. With nobody to run it waits for an interrupt; with nobody
// left at all it returns.
void scheduler(void) {
    for (;;) {
        struct proc *p = runq_pop();
        if (!p) {
            if (!processes_alive()) return;
            // WFI with IRQs still masked: a pending interrupt wakes the CPU anyway, and
            // unmasking (irq_bit) afterwards lets it in at the vector for EL1 (0x280).
            wait_for_interrupt();
            irq_enable();
            isb();  // the pending IRQ is taken by here
            irq_disable();
            continue;
        }
        p->state = RUNNING;
        p->slice_ticks = 0;
        current = p;
        // The ASID goes in TTBR0_EL1's top bits: the TLB keeps every process's entries apart,
        // so a switch needs no TLB flush.
        WRITE_SYSREG(ttbr0_el1, kva_to_pa(p->pagetable) | (uint64_t)p->asid << 48);
        isb();
        swtch(&scheduler_context, &p->context);
        current = 0;
    }
}

int fork(void) {
    struct proc *child = proc_alloc();
    if (!child) {
        if (fork_failures++ == 0) printf("kernel: fork: the process table is full (%d processes)\n", NPROC);
        return -1;
    }
    if (uvm_copy(current->pagetable, child->pagetable) < 0) {
        proc_free(child);
        ++fork_failures;
        return -1;
    }
    *child->tf = *current->tf;
    child->tf->x[0] = 0;  // fork returns 0 in the child
    child->parent = current;
    ++created;
    runq_push(child);
    return child->pid;
}

void exit(int status) {
    // Orphans go to init, which reaps whatever is left to it.
    for (int i = 0; i < NPROC; ++i) {
        if (procs[i].parent != current) continue;
        procs[i].parent = init_proc;
        if (procs[i].state == ZOMBIE) wakeup(init_proc);
    }
    current->exit_status = status;
    current->state = ZOMBIE;
    if (current->parent) wakeup(current->parent);  // a parent in wait() sleeps on itself
    sched();
    panic("a zombie ran");
}

// Reap a child (any child if pid is -1) that has exited, waiting for one if none has yet.
// Its exit status goes to the user address user_status unless that is 0. Returns its pid,
// or -1 if the caller has no such child.
int wait(int pid, uint64_t user_status) {
    for (;;) {
        int children = 0;
        for (int i = 0; i < NPROC; ++i) {
            struct proc *p = &procs[i];
            if (p->state == UNUSED || p->parent != current || (pid != -1 && p->pid != pid)) continue;
            ++children;
            if (p->state != ZOMBIE) continue;
            int reaped_pid = p->pid;
            if (user_status && copyout(current->pagetable, user_status, &p->exit_status, sizeof(int)) < 0)
                return -1;
            p->parent = 0;
            proc_free(p);
            ++reaped;
            return reaped_pid;
        }
        if (children == 0) return -1;
        sleep_on(current);
    }
}

// Everybody has exited. Free what no parent reaped (init, and orphans init did not wait
// for) and say what happened; the pages still in use afterwards show any leak.
void proc_report(void) {
    vm_unload_user();  // no table of a process stays in TTBR0_EL1 while it is freed
    unsigned unreaped = 0;
    for (int i = 0; i < NPROC; ++i) {
        if (procs[i].state != ZOMBIE) continue;
        proc_free(&procs[i]);
        ++unreaped;
    }
    printf("kernel: all processes have exited: %u created, %u reaped by their parents, %u left to the kernel\n",
           created, reaped, unreaped);
    if (fork_failures) printf("kernel: forks refused: %u\n", fork_failures);
    printf("kernel: pages still in use: %lu (the empty user table)\n", (uint64_t)kalloc_pages_in_use());
}
