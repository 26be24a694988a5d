// A v4 guest: several processes, each in its own address space, scheduled round-robin by
// the guest kernel on timer ticks. They form a chain: init forks pid 2, pid 2 forks pid 3,
// pid 3 forks pid 4. Each writes its own text into `note`, a variable at the same virtual
// address in every process, then all of them compute at once, taking turns on the CPU.
//
// The order of the output never depends on when a tick lands: a process prints its first
// line before it forks the next one, and its last line after the one it forked has exited.
#include "user.h"

#define CHAIN 3                  // processes after init
#define ROUNDS 2000000           // each one's computation: several time slices

static char note[32] = "init was here";  // .data: copied by fork, private to each process

// What a process of the chain does; `depth` is its place in it (1 for pid 2).
static void run(int depth) __attribute__((noreturn));
static void run(int depth) {
    const int pid = getpid();
    printf("pid %d: note at 0x%lx reads \"%s\" (fork copied it); ", pid, (unsigned long)note, note);
    snprintf(note, sizeof note, "pid %d was here", pid);
    printf("now it reads \"%s\"\n", note);

    int child = 0;
    if (depth < CHAIN) {
        child = fork();
        if (child == 0) run(depth + 1);
    }
    const uint64_t h = work((uint64_t)pid, ROUNDS);
    if (child > 0) wait(child, 0);
    printf("pid %d: computed 0x%lx, preempted meanwhile: %s; note at 0x%lx still reads \"%s\"\n", pid, h,
           preempted() > 0 ? "yes" : "no", (unsigned long)note, note);
    exit(0);
}

int main(void) {
    printf("init: pid %d, note at 0x%lx reads \"%s\"\n", getpid(), (unsigned long)note, note);
    const int child = fork();
    if (child == 0) run(1);
    int status = -1;
    wait(child, &status);
    printf("init: pid %d exited with status %d; init's note still reads \"%s\"\n", child, status, note);
    return 0;
}
