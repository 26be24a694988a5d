// Version 7 of the lecture: "多虚拟CPU" -- a VM with several vCPUs, an SMP guest. Its vCPUs
// are scheduled like v5/v6's VMs were, on the pCPUs' VM_runqueues (each entry a vCPU tagged
// with its VM). The guest now needs what a multiprocessor gives a kernel: a way to start its
// secondary CPUs (PSCI CPU_ON), interrupts between CPUs (SGIs, sent with ICC_SGI1R_EL1),
// and a way to wait for a lock cheaply (WFE). The lecture ends here with lock-holder
// preemption: a vCPU that holds a spinlock can be descheduled, and the vCPUs spinning on
// the lock then burn their whole time slices -- unless the VMM sees them spin (they wait
// in WFE, which traps) and gives the pCPU to another vCPU of the VM (KVM's pause-loop
// exiting), or unless the scheduler runs a VM's vCPUs all together or not at all ("gang").
//
// Read in order: V7:010 CPU_ON, V7:020 AFFINITY_INFO and CPU_OFF, V7:030 SGIs, V7:040 WFE.
#include "versions/v7/handlers.h"

#include "versions/v2/handlers.h"
#include "versions/v3/handlers.h"
#include "versions/v6/handlers.h"
#include "vmm/devices/psci.h"
#include "vmm/physical_cpu.h"
#include "vmm/sysreg.h"
#include "vmm/vm.h"

namespace trapeze::v7 {
namespace {

Action psci_return(Vcpu& vcpu, std::int64_t value, std::string_view note) {
    vcpu.set_x(0, static_cast<std::uint64_t>(value));
    return Action::resume_next(note);
}

}  // namespace

// V7:010 PSCI CPU_ON(target MPIDR in x1, entry point in x2, context ID in x3): power on a
// secondary vCPU. It starts as the boot vCPU did -- EL1h, MMU off, DAIF masked -- at the
// entry point, with the context ID in x0. The caller's vCPU does not touch the target's
// state while it might run: the target is off, and the VMM makes it runnable (a request).
Action handle_hvc(Vcpu& vcpu, const Exit& exit) {
    const auto function = static_cast<std::uint32_t>(vcpu.x(0));
    if (vcpu.el() == 1) {
        // SOLUTION BEGIN
        switch (function) {
            case psci::kCpuOn: {
                Vcpu* target = vcpu.vm().vcpu_by_affinity(vcpu.x(1));
                const std::uint64_t entry = vcpu.x(2);
                if (!target) return psci_return(vcpu, psci::kInvalidParameters, "CPU_ON: no such vCPU");
                if (target->state != VcpuState::Off)
                    return psci_return(vcpu, target->starting ? psci::kOnPending : psci::kAlreadyOn, "CPU_ON: already on");
                if (!vcpu.vm().memory().in_ram(entry, 4))
                    return psci_return(vcpu, psci::kInvalidAddress, "CPU_ON: the entry point is not RAM");
                target->reset();
                target->set_pc(entry);
                target->set_x(0, vcpu.x(3));
                target->state = VcpuState::Runnable;
                target->starting = true;  // ON_PENDING until it first runs
                vcpu.vm().request_wake(*target);
                return psci_return(vcpu, psci::kSuccess, "CPU_ON: the vCPU is starting");
            }
            // V7:020 AFFINITY_INFO(target MPIDR in x1): ON, OFF or ON_PENDING. CPU_OFF: the
            // calling vCPU stops; only another CPU_ON brings it back.
            case psci::kAffinityInfo: {
                const Vcpu* target = vcpu.vm().vcpu_by_affinity(vcpu.x(1));
                if (!target || vcpu.x(2) != 0) return psci_return(vcpu, psci::kInvalidParameters, "AFFINITY_INFO");
                const std::uint64_t answer = target->state == VcpuState::Off ? psci::kAffinityOff
                                             : target->starting              ? psci::kAffinityOnPending
                                                                             : psci::kAffinityOn;
                return psci_return(vcpu, static_cast<std::int64_t>(answer), "AFFINITY_INFO");
            }
            case psci::kCpuOff:
                vcpu.state = VcpuState::Off;
                return Action::yield("CPU_OFF: the vCPU is off");
            case psci::kFeatures:
                if (const auto asked = static_cast<std::uint32_t>(vcpu.x(1));
                    asked == psci::kCpuOn || asked == psci::kCpuOff || asked == psci::kAffinityInfo)
                    return psci_return(vcpu, psci::kSuccess, "answered PSCI_FEATURES");
                break;
            default: break;
        }
        // SOLUTION END
    }
    return v3::handle_hvc(vcpu, exit);
}

// V7:030 ICC_SGI1R_EL1: generate a software-generated interrupt (INTID 0..15) for the vCPUs
// the value names: IRM = 1 means every vCPU but the sender; otherwise those whose MPIDR has
// Aff3.Aff2.Aff1 as given and an Aff0 whose bit (counted from RS * 16) is set in TargetList.
// The SGI becomes pending at each target's redistributor, which wakes a target waiting in WFI.
void send_sgi(Vcpu& sender, std::uint64_t value) {
    // SOLUTION BEGIN
    const unsigned intid = (value >> 24) & 0xf;
    const bool all_but_self = (value >> 40) & 1;
    const std::uint64_t aff1 = (value >> 16) & 0xff, aff2 = (value >> 32) & 0xff, aff3 = (value >> 48) & 0xff;
    const unsigned range = (value >> 44) & 0xf;
    const std::uint64_t target_list = value & 0xffff;
    for (auto& target : sender.vm().vcpus()) {
        const std::uint64_t mpidr = target->sysreg(SysregId::MPIDR_EL1);
        bool chosen;
        if (all_but_self) {
            chosen = target.get() != &sender;
        } else {
            const std::uint64_t aff0 = mpidr & 0xff;
            chosen = ((mpidr >> 8) & 0xff) == aff1 && ((mpidr >> 16) & 0xff) == aff2 && ((mpidr >> 32) & 0xff) == aff3 &&
                     aff0 / 16 == range && ((target_list >> (aff0 % 16)) & 1);
        }
        if (!chosen || target->state == VcpuState::Off) continue;
        target->gic.pending |= 1u << intid;
        target->make_request(kRequestInterrupts);
        sender.vm().request_wake(*target);
    }
    // SOLUTION END
}

Action handle_sysreg(Vcpu& vcpu, const Exit& exit) {
    const SysRegIss iss = SysRegIss::decode(exit.iss());
    const SysregInfo* reg = find_sysreg(iss);
    if (vcpu.el() == 1 && reg && reg->id == SysregId::ICC_SGI1R_EL1 && !iss.read) {
        send_sgi(vcpu, vcpu.x(iss.rt));
        return Action::resume_next("SGI sent to the target vCPUs' redistributors");
    }
    return v3::handle_sysreg(vcpu, exit);
}

// V7:040 WFE: a vCPU waits for an event -- in a spinlock, for the lock holder to release the
// lock. The interpreter keeps each vCPU's event register: a WFE finds it set (an SEV, SEVL,
// an exception return, or another vCPU's store that cleared this one's exclusive mark -- a
// release of the lock it watches) and goes on without a trap. Only a WFE with nothing
// registered reaches this handler: the vCPU would wait. The VMM sees it spin and helps
// (pause-loop exiting). The yield is directed, as KVM's kvm_vcpu_on_spin: the waiter waits
// for another vCPU of its own VM, so the one to help is one of those that is preempted
// (runnable, but on no pCPU) -- perhaps the lock holder -- and not whoever is next in the run
// queue, which may be another VM's vCPU and help nobody. The VM's preempted vCPUs take turns,
// from the one after the last boosted. The waiter yields its pCPU, and the target runs next
// where it waits (the monitor moves it to the front of its run queue, and preempts that pCPU
// if it is another: KVM's yield_to). If none is preempted, every vCPU of the VM runs, the
// holder too: the waiter waits for its event (or an interrupt it would take), off the pCPU.
Action handle_wfx(Vcpu& vcpu, const Exit& exit) {
    const bool wfe = exit.iss() & 1;
    // SOLUTION BEGIN
    if (wfe && vcpu.el() == 1) {
        Vm& vm = vcpu.vm();
        const std::size_t n = vm.vcpus().size();
        for (std::size_t step = 1; step <= n; ++step) {
            Vcpu& candidate = *vm.vcpus()[(vm.last_boosted_vcpu + step) % n];
            if (&candidate == &vcpu || candidate.loaded() || candidate.state != VcpuState::Runnable) continue;
            vm.last_boosted_vcpu = candidate.id();
            ++vcpu.directed_yields;
            return Action::yield_to(candidate, "WFE: the vCPU spins: yield to a preempted vCPU of its VM");
        }
        ++vcpu.waits_for_events;
        return Action::wait_for_event("WFE: every other vCPU of its VM runs: the vCPU waits for an event");
    }
    // SOLUTION END
    return v3::handle_wfx(vcpu, exit);
}

void install(VersionHooks& hooks) {
    v6::install(hooks);
    hooks.version = "v7";
    hooks.supports.several_vcpus = true;
    hooks.on(ExceptionClass::Hvc64, handle_hvc);
    hooks.on(ExceptionClass::SysRegister, handle_sysreg);
    hooks.on(ExceptionClass::WfiWfe, handle_wfx);
}

}  // namespace trapeze::v7
