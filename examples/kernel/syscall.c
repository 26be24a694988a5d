// System calls: SVC #0 from EL0 arrives here (trap.c) with the number in x8 and the
// arguments in x0..x2; the result goes back in x0. ELR_EL1 already points after the SVC.
#include "arm.h"
#include "kernel.h"
#include "mmu.h"
#include "syscall.h"

static int64_t sys_write(struct trapframe *tf) {
    const uint64_t fd = tf->x[0], buf = tf->x[1], len = tf->x[2];
    if (fd != 1 && fd != 2) return -1;  // the console is all there is
    char chunk[128];
    for (uint64_t done = 0; done < len;) {
        const uint64_t n = len - done < sizeof chunk ? len - done : sizeof chunk;
        if (copyin(current->pagetable, chunk, buf + done, n) < 0) return -1;
        for (uint64_t i = 0; i < n; ++i) uart_putc(chunk[i]);
        done += n;
    }
    return (int64_t)len;
}

static int64_t sys_exit(struct trapframe *tf) { exit((int)tf->x[0]); }
static int64_t sys_getpid(struct trapframe *tf) {
    (void)tf;
    return current->pid;
}

static int64_t sys_yield(struct trapframe *tf) {
    (void)tf;
    yield();
    return 0;
}

static int64_t sys_sleep(struct trapframe *tf) {
    const uint64_t start = ticks;
    while (ticks - start < tf->x[0]) sleep_on((const void *)&ticks);
    return 0;
}

static int64_t sys_uptime(struct trapframe *tf) {
    (void)tf;
    return (int64_t)ticks;
}

static int64_t sys_fork(struct trapframe *tf) {
    (void)tf;
    return fork();
}

static int64_t sys_wait(struct trapframe *tf) { return wait((int)tf->x[0], tf->x[1]); }

// Only heap pages can be given back; each one mapped is unmapped and freed (vm.c).
static int64_t sys_munmap(struct trapframe *tf) {
    const uint64_t start = tf->x[0], len = tf->x[1];
    if (start % PAGE_SIZE != 0 || start < USER_HEAP || start > USER_HEAP_END || len > USER_HEAP_END - start)
        return -1;
    for (uint64_t va = start; va < start + len; va += PAGE_SIZE) unmap_page(current->pagetable, current->asid, va);
    return 0;
}

static int64_t sys_interrupted(struct trapframe *tf) {
    (void)tf;
    return (int64_t)current->timer_interrupts;
}

static int64_t sys_preempted(struct trapframe *tf) {
    (void)tf;
    return (int64_t)current->preemptions;
}

static int64_t (*const syscalls[NSYSCALLS])(struct trapframe *) = {
    [SYS_write] = sys_write,   [SYS_exit] = sys_exit,     [SYS_getpid] = sys_getpid,
    [SYS_yield] = sys_yield,   [SYS_sleep] = sys_sleep,   [SYS_uptime] = sys_uptime,
    [SYS_fork] = sys_fork,     [SYS_wait] = sys_wait,     [SYS_munmap] = sys_munmap,
    [SYS_interrupted] = sys_interrupted, [SYS_preempted] = sys_preempted,
};

void syscall(struct trapframe *tf) {
    ++current->syscalls;
    const uint64_t number = tf->x[8];
    tf->x[0] = number < NSYSCALLS ? (uint64_t)syscalls[number](tf) : (uint64_t)-1;
}
