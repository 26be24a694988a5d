// Version 5 of the lecture: "多虚拟机" -- several VMs share one physical CPU (server
// consolidation). Each VM runs until the physical timer fires; then the VMM switches VMs:
// "由VMM实现VM间切换：保存和恢复VM寄存器". Everything else a VM is -- its memory, its devices,
// its virtual system registers, its timer -- already lives in the VMM's data structures for
// that VM; what the *physical* CPU holds of it is its registers. So a VM switch is: save the
// registers of the running vCPU into its context, pick the next vCPU from the pCPU's
// VM_runqueue (vmm/scheduler.cpp), and restore that one's registers into the CPU.
//
// Read in order: V5:010 save, V5:020 restore, V5:030 the physical timer decides to switch.
#include "versions/v5/handlers.h"

#include "versions/v4/handlers.h"
#include "vmm/physical_cpu.h"
#include "vmm/vcpu.h"

namespace trapeze::v5 {

// V5:010 The vCPU leaves the CPU (vcpu_put): copy every register the guest can see from the
// interpreter into the vCPU's context. Forget one and the guest finds it changed the next
// time it runs -- by whichever VM ran in between.
void save_context(PhysicalCpu& pcpu, Vcpu& vcpu) {
    const RegisterFile& cpu = pcpu.cpu.regs;
    RegisterFile& saved = vcpu.saved_registers();
    // SOLUTION BEGIN
    for (unsigned n = 0; n < 31; ++n) saved.x[n] = cpu.x[n];  // X0..X30
    saved.sp() = cpu.sp();          // the SP in use: SP_EL1 in the guest kernel, SP_EL0 in its user code
    saved.pc = cpu.pc;              // where the guest continues
    saved.nzcv = cpu.nzcv;          // the condition flags
    saved.tpidr_el0 = cpu.tpidr_el0;  // the thread pointer EL0 writes without trapping
    saved.v = cpu.v;                  // V0..V31: doubles, vectors, what memcpy left in them
    saved.fpcr = cpu.fpcr;            // the rounding mode, FZ, DN
    saved.fpsr = cpu.fpsr;            // the cumulative FP flags and QC
    // SOLUTION END
}

// V5:020 The vCPU gets the CPU (vcpu_load): the reverse copy. The VMM has already mapped the
// vCPU's VM (its memory, its page tables) on this CPU; the registers are the version's job.
void restore_context(PhysicalCpu& pcpu, Vcpu& vcpu) {
    const RegisterFile& saved = vcpu.saved_registers();
    RegisterFile& cpu = pcpu.cpu.regs;
    // SOLUTION BEGIN
    for (unsigned n = 0; n < 31; ++n) cpu.x[n] = saved.x[n];
    cpu.sp() = saved.sp();
    cpu.pc = saved.pc;
    cpu.nzcv = saved.nzcv;
    cpu.tpidr_el0 = saved.tpidr_el0;
    cpu.v = saved.v;
    cpu.fpcr = saved.fpcr;
    cpu.fpsr = saved.fpsr;
    // SOLUTION END
}

// V5:030 The physical timer fired: the running VM's time slice is over. If another vCPU
// waits in this pCPU's VM_runqueue, yield to it: the VMM then saves this vCPU (V5:010), puts
// it at the back of the run queue, picks the next one and restores it (V5:020). If nobody
// waits, the VM simply goes on, as in v1.
Action handle_physical_timer(Vcpu& vcpu) {
    // SOLUTION BEGIN
    if (vcpu.pcpu->runqueue.empty()) return Action::resume_at(vcpu.pc(), "resumed the guest: no other VM waits");
    return Action::yield("time slice over: switch to the next in VM_runqueue");
    // SOLUTION END
}

void install(VersionHooks& hooks) {
    v4::install(hooks);
    hooks.version = "v5";
    hooks.supports.several_vms = true;
    hooks.save_context = save_context;
    hooks.restore_context = restore_context;
    hooks.physical_timer = handle_physical_timer;
}

}  // namespace trapeze::v5
