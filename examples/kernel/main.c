// The kernel's main: what runs once the MMU is on (boot.S), until the last process exits.
#include "arm.h"
#include "kernel.h"

// The program the kernel runs as its first process (program.S, which the build fills in).
extern const uint8_t user_program[], user_program_end[];
extern const char user_program_name[];

void panic(const char *what) {
    printf("kernel panic: %s\n", what);
    // PSCI SYSTEM_OFF: stop the machine rather than run on in a broken state.
    register uint64_t x0 __asm__("x0") = 0x84000008;
    __asm__ volatile("hvc #0" ::"r"(x0));
    for (;;) {
    }
}

void kernel_main(void) {
    printf("kernel: MMU on: the kernel runs at 0x%lx (TTBR1_EL1), processes below 0x%lx (TTBR0_EL1)\n",
           KERNEL_IMAGE, 0x100000000ul);
    vm_init();
    // Processes get no FP/SIMD (CPACR_EL1.FPEN = 0: such an instruction traps to the kernel,
    // which ends the process) and no access to the counters or timers (CNTKCTL_EL1 = 0).
    WRITE_SYSREG(cpacr_el1, 0);
    WRITE_SYSREG(cntkctl_el1, 0);
    isb();
    timer_init();
    user_init(user_program_name, user_program, (size_t)(user_program_end - user_program));
    scheduler();
    proc_report();
    printf("kernel: powering off\n");
}
