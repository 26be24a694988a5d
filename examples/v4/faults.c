// A v4 guest: processes that misbehave, one at a time. init forks a child for each misdeed
// and waits for it; the guest kernel reports what the hardware told it (ESR_EL1, and the
// faulting address) and ends that process, never itself. Every one of these exceptions is
// taken from EL0 to the guest's EL1: under a VMM, each must reach the guest kernel with the
// syndrome real hardware gives.
#include "user.h"

static void read_kernel_memory(void) { (void)*(volatile long *)KERNEL_IMAGE; }
static void write_own_code(void) { *(volatile int *)USER_TEXT = 0; }
static void run_the_stack(void) { ((void (*)(void))USER_STACK)(); }
static void jump_nowhere(void) { ((void (*)(void))0x100000)(); }
static void misaligned_pc(void) { ((void (*)(void))(USER_TEXT + 2))(); }
static void undefined_instruction(void) { __asm__ volatile("udf #0"); }
static void mask_irqs(void) {  // irq_bit (PSTATE.I) is the kernel's: SCTLR_EL1.UMA = 0
    register unsigned long i_bit __asm__("x0") = 0x80;  // x0: the syndrome names the register
    __asm__ volatile("msr daif, %0" ::"r"(i_bit));
}
static void read_ttbr0(void) {
    unsigned long v;
    __asm__ volatile("mrs %0, ttbr0_el1" : "=r"(v));
}
static void call_the_hypervisor(void) { __asm__ volatile("hvc #0"); }
static void wait_for_interrupt(void) { __asm__ volatile("wfi"); }  // SCTLR_EL1.nTWI = 0: it traps
static void breakpoint(void) { __asm__ volatile("brk #1"); }

// A system call the kernel does not have.
static long unknown_syscall(void) {
    register long x8 __asm__("x8") = 99;
    register long x0 __asm__("x0");
    __asm__ volatile("svc #0" : "=r"(x0) : "r"(x8) : "memory");
    return x0;
}

static const struct {
    const char *what;
    void (*misdeed)(void);
} misdeeds[] = {
    {"reads kernel memory", read_kernel_memory},
    {"writes to its own code", write_own_code},
    {"jumps to its stack", run_the_stack},
    {"jumps where nothing is mapped", jump_nowhere},
    {"jumps to a misaligned address", misaligned_pc},
    {"executes an undefined instruction", undefined_instruction},
    {"masks IRQs by writing DAIF", mask_irqs},
    {"reads TTBR0_EL1", read_ttbr0},
    {"calls the hypervisor", call_the_hypervisor},
    {"waits for an interrupt", wait_for_interrupt},
    {"hits a breakpoint", breakpoint},
};

int main(void) {
    // Bad system calls are refused, not punished.
    printf("init: write from kernel memory returns %ld\n", write(1, (const void *)KERNEL_IMAGE, 8));
    printf("init: write from an unmapped heap page returns %ld\n", write(1, (const void *)USER_HEAP, 8));
    printf("init: munmap outside the heap returns %d\n", munmap((void *)USER_TEXT, PAGE_SIZE));
    printf("init: system call 99 returns %ld\n", unknown_syscall());
    for (unsigned i = 0; i < sizeof misdeeds / sizeof misdeeds[0]; ++i) {
        const int pid = fork();
        if (pid == 0) {
            printf("pid %d %s\n", getpid(), misdeeds[i].what);
            misdeeds[i].misdeed();
            printf("pid %d is still alive\n", getpid());
            exit(0);
        }
        int status = 0;
        wait(pid, &status);
        printf("init: pid %d exited with status %d\n", pid, status);
    }
    printf("init: all done\n");
    return 0;
}
