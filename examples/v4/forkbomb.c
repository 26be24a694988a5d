// A v4 guest: a fork bomb. Every process forks until the kernel's process table is full and
// fork fails; then each one reaps its children and exits, telling its parent how many
// processes its part of the tree held. The guest kernel survives it, and so does the VMM
// underneath, which never learns that the guest has processes at all: it only sees the
// same traps as before (the lecture: "Fork bomb是否会影响VMM？" No).
//
// Why the count is the same on every run, wherever the ticks land: a process whose fork
// failed yields once before it reaps anything. The run queue is first in, first out, so
// every process still forking is ahead of it and gets the CPU first, for at least a whole
// tick (TIMESLICE_TICKS in the kernel), plenty to reach its next fork, which fails too:
// no slot is freed until nobody can fork any more. Without the yield, a parent that reaped
// early would free a slot for a process still forking, and the total would vary.
//
// Then every process computes for a while with the table full, so that the guest kernel
// takes timer ticks and switches among 64 processes: the VMM's summary line "guest
// irq_handler: ... per vIRQ" stays what it is with three (examples/v4/processes.c).
#include "user.h"

enum { FULL_TABLE_SPIN = 20000 };

static void bomb(void) __attribute__((noreturn));
static void bomb(void) {
    for (;;) {
        const int pid = fork();
        if (pid < 0) break;  // the process table is full
        // pid == 0: a new process, which forks too; pid > 0: its parent, which goes on.
    }
    yield();
    for (volatile unsigned spin = 0; spin < FULL_TABLE_SPIN; ++spin) {
    }
    int total = 1, status;
    while (wait(-1, &status) > 0) total += status;
    exit(total);
}

int main(void) {
    printf("init: pid %d starts a fork bomb\n", getpid());
    const int root = fork();
    if (root == 0) bomb();
    int status = 0;
    wait(root, &status);
    printf("init: the bomb is over: %d processes forked, exited and were reaped\n", status);
    return 0;
}
