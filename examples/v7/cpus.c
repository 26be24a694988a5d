// Bringing the CPUs up and down: CPU 0 powers the others on (PSCI CPU_ON), waits until each
// has checked in, lets them all go with one SGI, runs the program with them, waits until
// each has finished and is off (AFFINITY_INFO), and powers the machine off.
#include "cpus.h"

#include "gic.h"
#include "guest.h"
#include "psci.h"
#include "spinlock.h"

extern char secondary_entry[];  // boot.S

#define TIMER_INTID 27        // the virtual timer's PPI: every CPU has its own timer and PPI 27
#define TICKS_PER_SECOND 100000
#define CNTV_CTL_ENABLE 1u

static struct {
    volatile uint32_t checked_in;  // CPUs other than 0 that are up and waiting for "go"
    volatile uint32_t finished;    // CPUs other than 0 that have finished the program
    volatile uint32_t cpus;        // CPUs taking part, set by CPU 0 before "go"
    volatile uint32_t go[MAX_CPUS];  // set by each CPU's handler of SGI_GO
    volatile uint32_t ticks[MAX_CPUS];
} smp;

uint32_t smp_ticks(unsigned cpu) { return smp.ticks[cpu]; }

// Arms this CPU's virtual timer for the next tick (writing TVAL also lowers its line).
static void tick_arm(void) { WRITE_SYSREG(cntv_tval_el0, READ_SYSREG(cntfrq_el0) / TICKS_PER_SECOND); }
static void tick_stop(void) { WRITE_SYSREG(cntv_ctl_el0, 0); }

static spinlock_t console_lock;

void smp_fail(const char *format, ...) {
    spin_lock(&console_lock);
    guest_printf("cpu %u: ", this_cpu());
    va_list args;
    va_start(args, format);
    guest_vprintf(format, args);
    va_end(args);
    guest_printf("\n");
    psci_system_off();
}

// What every CPU does first: check that it is the CPU it was told it is, set up its side of
// the GIC (its redistributor and CPU interface), start its tick, and unmask IRQs.
static void cpu_init(unsigned cpu) {
    const uint64_t mpidr = READ_SYSREG(mpidr_el1) & 0xff00ffffffull;  // Aff3..Aff0
    if (mpidr != cpu_mpidr(cpu)) smp_fail("MPIDR_EL1 affinity is 0x%lx, expected 0x%lx", mpidr, cpu_mpidr(cpu));
    if (!gic_init_cpu(mpidr, (1u << SGI_GO) | program.sgi_mask | (1u << TIMER_INTID)))
        smp_fail("no GIC redistributor has affinity 0x%lx", mpidr);
    tick_arm();
    WRITE_SYSREG(cntv_ctl_el0, CNTV_CTL_ENABLE);
    irq_enable();
}

void boot_cpu_main(void) {
    gic_init_distributor();
    cpu_init(0);

    // Power on CPUs 1, 2, ... until the machine has no more (CPU_ON names no such MPIDR).
    unsigned cpus = 1;
    while (cpus < program.max_cpus && cpus < MAX_CPUS) {
        const int64_t result = psci_cpu_on(cpu_mpidr(cpus), (uint64_t)secondary_entry, cpus);
        if (result == PSCI_INVALID_PARAMETERS) break;
        if (result != PSCI_SUCCESS) smp_fail("CPU_ON(0x%lx) returned %ld", cpu_mpidr(cpus), result);
        ++cpus;
    }
    wait_until_at_least(&smp.checked_in, cpus - 1);

    smp.cpus = cpus;
    program.start(cpus);
    if (cpus > 1) gic_send_sgi(gic_sgi_to_others(SGI_GO));  // the DSB in it publishes smp.cpus
    program.run(0, cpus);

    // Wait until the others have finished and powered off.
    wait_until_at_least(&smp.finished, cpus - 1);
    tick_stop();
    for (unsigned cpu = 1; cpu < cpus; ++cpu) {
        int64_t state;
        while ((state = psci_affinity_info(cpu_mpidr(cpu))) != PSCI_AFFINITY_OFF) {
            if (state != PSCI_AFFINITY_ON && state != PSCI_AFFINITY_ON_PENDING)
                smp_fail("AFFINITY_INFO(0x%lx) returned %ld", cpu_mpidr(cpu), state);
        }
    }
    program.finish(cpus);
    psci_system_off();
}

void secondary_cpu_main(unsigned cpu) {
    cpu_init(cpu);
    atomic_fetch_add(&smp.checked_in, 1);

    // Wait for "go". IRQs are masked while this CPU checks the flag and sleeps, so an SGI that
    // comes in between is not missed: it wakes the WFI. Unmasking then takes it (the ISB
    // makes sure it is taken there), and its handler sets the flag.
    irq_disable();
    while (!smp.go[cpu]) {
        wait_for_interrupt();
        irq_enable();
        isb();
        irq_disable();
    }
    irq_enable();

    program.run(cpu, load_acquire(&smp.cpus));
    tick_stop();
    atomic_fetch_add(&smp.finished, 1);
    psci_cpu_off();
}

// irq_handler: called from the vector at VBAR_EL1 + 0x280 (../v2/vectors.S), IRQs masked.
void guest_irq(void) {
    const unsigned intid = gic_acknowledge();
    if (intid == GIC_SPURIOUS) return;
    if (intid == SGI_GO) {
        smp.go[this_cpu()] = 1;
    } else if (intid == TIMER_INTID) {
        ++smp.ticks[this_cpu()];
        tick_arm();
    } else {
        program.interrupt(this_cpu(), intid);
    }
    gic_end_of_interrupt(intid);
}

void guest_unexpected_exception(void) {
    smp_fail("unexpected exception: ESR_EL1=0x%lx ELR_EL1=0x%lx FAR_EL1=0x%lx", READ_SYSREG(esr_el1),
             READ_SYSREG(elr_el1), READ_SYSREG(far_el1));
}
