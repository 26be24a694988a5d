// Mutant: PSCI SYSTEM_OFF is answered and the guest goes on.
// expect: handle_hvc: VM = "running", expected "powered off" (PSCI SYSTEM_OFF, x0 = 0x84000008, powers the VM off)
// Version 1 of the lecture: "支持只有内核态的虚拟机" -- a VM with only a kernel, which runs
// nothing but user-ISA instructions. The VMM's whole job is to take back the CPU when the
// physical timer fires (a VM Exit), and to emulate the two things the guest cannot do on
// its own: write to the UART, and power off.
//
// Read in order: V1:010 the physical timer, V1:020 the hypercall, V1:030 the UART.
#include "versions/v1/handlers.h"

#include "versions/roadmap.h"
#include "vmm/devices/psci.h"
#include "vmm/mmio.h"
#include "vmm/vm.h"

namespace trapeze::v1 {

// V1:010 The physical timer expired. The guest did nothing wrong: the VMM armed the timer
// so that it always gets the CPU back (the lecture's "resource control"). v1 runs a single
// VM, so there is nobody else to run: resume the guest exactly where it was interrupted.
Action handle_physical_timer(Vcpu& vcpu) {
    // SOLUTION BEGIN
    // The interrupted instruction has not run yet: resume at the vCPU's PC, not PC + 4.
    return Action::resume_at(vcpu.pc(), "resumed the guest");
    // SOLUTION END
}

// V1:020 HVC: a hypercall. A v1 guest makes exactly one, PSCI SYSTEM_OFF (function ID in
// x0), to stop the machine. Every other call is for a later version.
Action handle_hvc(Vcpu& vcpu, const Exit& exit) {
    // SOLUTION BEGIN
    if (static_cast<std::uint32_t>(vcpu.x(0)) == psci::kSystemOff) return Action::resume_next("SYSTEM_OFF");
    return Action::not_virtualized();
    // SOLUTION END
}

// V1:030 A data abort: the guest touched an address that is not its RAM. If it is the
// UART, this is device virtualization: emulate the register access (the syndrome names the
// register and size) and continue after the instruction. Anything else stops the VM.
Action handle_data_abort(Vcpu& vcpu, const Exit& exit) {
    // SOLUTION BEGIN
    const std::string_view device = vcpu.vm().device_at(abort_address(exit));
    if (device != "pl011" && !device.empty())
        return Action::not_virtualized();
    return emulate_mmio(vcpu, exit);
    // SOLUTION END
}

void install(VersionHooks& hooks) {
    hooks.version = "v1";
    hooks.roadmap = lecture_roadmap;
    hooks.physical_timer = handle_physical_timer;
    hooks.on(ExceptionClass::Hvc64, handle_hvc);
    hooks.on(ExceptionClass::DataAbortLower, handle_data_abort);
}

}  // namespace trapeze::v1
