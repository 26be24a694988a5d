// The v3 guest's U-Thread: one user thread at EL0 under the guest kernel (examples/kernel).
// It makes system calls, is interrupted by the timer while it computes, takes a page fault
// the kernel handles, and finally one the kernel does not forgive.
//
// Everything it prints is decided by its own program order, never by when a tick lands.
#include "user.h"

int main(void) {
    printf("U-Thread: hello from EL0\n");
    printf("U-Thread: getpid() = %d\n", getpid());
    yield();  // with nobody else to run, the kernel comes straight back
    printf("U-Thread: back from yield()\n");

    // sleep: the kernel blocks the thread and, with nothing else to run, waits in WFI.
    const unsigned long before = uptime();
    sleep(3);
    printf("U-Thread: sleep(3) returned after at least 3 ticks: %s\n", uptime() - before >= 3 ? "yes" : "no");

    // The heap is demand-zero: the first touch faults, and the kernel maps a zeroed page.
    volatile long *heap = (volatile long *)USER_HEAP;
    printf("U-Thread: the heap reads %ld\n", heap[0]);
    heap[1] = 42;
    printf("U-Thread: wrote 42, reads %ld\n", heap[1]);
    // munmap drops the page, and the kernel flushes it from the TLB: the next touch faults
    // again and finds a fresh zero page. A stale TLB entry would show the old 42 instead.
    munmap((void *)heap, PAGE_SIZE);
    printf("U-Thread: after munmap, it reads %ld\n", heap[1]);

    // Compute for several ticks: the timer interrupts the thread (an IRQ from EL0) and the
    // kernel resumes it where it was, registers intact.
    const unsigned long interrupts = interrupted();
    const uint64_t h = work(3, 1500000);
    printf("U-Thread: work = 0x%lx; interrupted by the timer meanwhile: %s\n", h,
           interrupted() > interrupts ? "yes" : "no");

    // Kernel memory is mapped (TTBR1_EL1) but EL1-only: a permission fault, and the end.
    volatile long *kernel = (volatile long *)KERNEL_IMAGE;
    printf("U-Thread: reading kernel memory at 0x%lx\n", (unsigned long)kernel);
    printf("U-Thread: read 0x%lx; this line never prints\n", *kernel);
    return 0;
}
