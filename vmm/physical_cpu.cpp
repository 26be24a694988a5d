// Loading a vCPU onto a physical CPU and putting it back.
#include "vmm/physical_cpu.h"

#include <algorithm>

#include "vmm/vm.h"

namespace trapeze {

void PhysicalCpu::load(Vcpu& vcpu) {
    cpu.attach(vcpu.vm().memory(), vcpu.vm().exclusive_monitor(), vcpu.id());
    cpu.invalidate_tlb({TlbInvalidation::Scope::All});  // the TLB held the last vCPU's translations
    cpu.clear_exclusive_monitor();
    cpu.set_strict_alignment(true);
    current = &vcpu;
    vcpu.attach_registers(*this, cpu.regs);
    vcpu.make_request(kRequestTranslation | kRequestInterrupts | kRequestTimer);
    vcpu.sync_to_cpu();
    clock_ns = std::max(clock_ns, vcpu.clock_ns);
    if (last != &vcpu) ++switches;
    last = &vcpu;
}

void PhysicalCpu::put() {
    if (!current) return;
    current->clock_ns = clock_ns;
    current->detach_registers();
    // Alone on the VM's memory again (its own global monitor): the VM's monitor keeps no
    // pointer to this interpreter, whichever of the two is destroyed first. Decoded code stays.
    cpu.attach(cpu.memory());
    current = nullptr;
}

}  // namespace trapeze
