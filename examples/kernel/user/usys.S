// The system call stubs: the number in x8, SVC #0; the kernel leaves the result in x0.
#include "syscall.h"

    .macro syscall name, number
    .global \name
    .type \name, %function
\name:
    mov     x8, #\number
    svc     #0
    ret
    .size \name, . - \name
    .endm

    .text
    syscall write, SYS_write
    syscall exit, SYS_exit
    syscall getpid, SYS_getpid
    syscall yield, SYS_yield
    syscall sleep, SYS_sleep
    syscall uptime, SYS_uptime
    syscall fork, SYS_fork
    syscall wait, SYS_wait
    syscall munmap, SYS_munmap
    syscall interrupted, SYS_interrupted
    syscall preempted, SYS_preempted
