// The switch benchmark's guest: vCPU 0 starts vCPU 1 with PSCI CPU_ON (a VM of one vCPU gets
// INVALID_PARAMETERS back and goes on alone), then every vCPU counts for ever. Nothing traps
// but the physical timer, so a run's cost beyond the loop's is the VMM's switches; only an
// instruction budget stops it.
    .section .text.boot, "ax"
    .global _start
_start:
    movz    w0, #0x0003
    movk    w0, #0xc400, lsl #16          // PSCI CPU_ON (SMC64)
    mov     x1, #1                        // target: MPIDR Aff0 = 1
    adr     x2, spin                      // where it starts
    mov     x3, #0                        // its context ID
    hvc     #0
spin:
    add     x4, x4, #1
    b       spin
