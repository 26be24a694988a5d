// What a user program may call: the system calls (usys.S) and printf (ulib.c).
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "memlayout.h"

long write(int fd, const void *buf, size_t len);
void exit(int status) __attribute__((noreturn));
int getpid(void);
void yield(void);
void sleep(unsigned long ticks);
unsigned long uptime(void);
int fork(void);
int wait(int pid, int *status);
int munmap(void *addr, size_t len);
unsigned long interrupted(void);
unsigned long preempted(void);

// Formats a line (see examples/lib/format.c) and writes it with one system call.
int printf(const char *format, ...);
// Formats into buf, at most size - 1 characters and a NUL (examples/lib/format.c).
int guest_snprintf(char *buf, size_t size, const char *format, ...);
#define snprintf guest_snprintf

// Something to compute: a hash of `rounds` steps, long enough to be interrupted.
uint64_t work(uint64_t seed, uint64_t rounds);
