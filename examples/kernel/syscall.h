// The system call numbers: the user program puts one in x8 and executes SVC #0; arguments
// are in x0..x2 and the result comes back in x0 (as on Linux for AArch64).
#pragma once

#define SYS_write 0        // write(fd, buf, len): the console is fd 1; returns len, or -1
#define SYS_exit 1         // exit(status): never returns
#define SYS_getpid 2       // getpid()
#define SYS_yield 3        // yield(): give the CPU to the next runnable process
#define SYS_sleep 4        // sleep(ticks): block for at least that many timer ticks
#define SYS_uptime 5       // uptime(): timer ticks since boot
#define SYS_fork 6         // fork(): a copy of the caller; 0 in the child, its pid in the parent, -1 if full
#define SYS_wait 7         // wait(pid, &status): reap a child (pid -1: any); its pid, or -1 if none
#define SYS_munmap 8       // munmap(addr, len): drop heap pages; 0, or -1 outside the heap
#define SYS_interrupted 9  // interrupted(): how often the timer interrupted the caller at EL0
#define SYS_preempted 10   // preempted(): how often that gave the CPU to another process
#define NSYSCALLS 11
