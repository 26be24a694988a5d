// The VMM's exit-handler tables, filled by a version when its target starts.
//
// The return convention, written down once (as KVM's handle_exit.c does): a handler gets
// the vCPU and the exit (its syndrome says what trapped), updates virtual state, a device
// or the run queue, and returns an Action saying what happens next:
//   Action::resume_next()  continue after the trapping instruction (PC + 4)
//   Action::resume_at(pc)  continue at pc (an exception entry or return moved it)
//   Action::block()        WFI: continue after it once an interrupt is pending
//   Action::yield(note)    continue after the instruction, but let another vCPU run first
//                          (v5 on: the physical timer's VM switch, v7: a vCPU spinning in WFE)
//   Action::yield_to(target, note)  the same, and the pCPU goes to `target` next (a directed
//                          yield, as KVM's kvm_vcpu_on_spin: v7, to a preempted vCPU of the VM)
//   Action::forwarded(note)  an exception was injected into the guest kernel (v3 on): continue
//                          at its vector, where take_exception put the PC
//   Action::stop(reason)   stop this VM; the reason is printed and the exit status is non-zero
//   Action::power_off()    the guest asked to power off (PSCI SYSTEM_OFF): stop, successfully
//   Action::not_virtualized()  this version does not handle it: stop, naming the version that does
// A handler never touches the interpreter's internals, only the vCPU's registers and state.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "emulator/exit.h"

namespace trapeze {

class Vcpu;
struct PhysicalCpu;

struct Action {
    enum class Kind : std::uint8_t {
        ResumeNext, ResumeAt, Forwarded, Yield, Block, WaitForEvent, Stop, PowerOff, NotVirtualized
    };
    Kind kind = Kind::ResumeNext;
    std::uint64_t pc = 0;
    std::string_view note;  // what the VMM did, for the trace (static text)
    // Why the VM stops (Stop only). Held by pointer: every trap returns an Action, and an
    // empty pointer costs less to make and destroy than an empty string.
    std::unique_ptr<std::string> reason;
    Vcpu* yield_target = nullptr;  // Yield only: the vCPU to run next on this pCPU (null: the policy's pick)

    static Action resume_next(std::string_view note = "emulated") { return {Kind::ResumeNext, 0, note, {}}; }
    static Action resume_at(std::uint64_t pc, std::string_view note) { return {Kind::ResumeAt, pc, note, {}}; }
    static Action forwarded(std::string_view note) { return {Kind::Forwarded, 0, note, {}}; }
    static Action yield(std::string_view note) { return {Kind::Yield, 0, note, {}}; }
    static Action yield_to(Vcpu& target, std::string_view note) { return {Kind::Yield, 0, note, {}, &target}; }
    static Action block(std::string_view note = "vCPU blocks until an interrupt") { return {Kind::Block, 0, note, {}}; }
    // After a trapped WFE: the vCPU waits until its event register is set (another vCPU's SEV,
    // or its store clearing this vCPU's exclusive mark) or an interrupt it would take comes.
    static Action wait_for_event(std::string_view note) { return {Kind::WaitForEvent, 0, note, {}}; }
    static Action stop(std::string why) {
        return {Kind::Stop, 0, "stopped the VM", std::make_unique<std::string>(std::move(why))};
    }
    static Action power_off() { return {Kind::PowerOff, 0, "powered the VM off", {}}; }
    static Action not_virtualized() { return {Kind::NotVirtualized, 0, "stopped the VM: not virtualized", {}}; }
    const std::string& stop_reason() const {
        static const std::string none;
        return reason ? *reason : none;
    }
};

using ExitHandler = Action (*)(Vcpu&, const Exit&);
// The physical timer expired: the VMM has the CPU back (a VM exit that is not the guest's doing).
using PhysicalTimerHandler = Action (*)(Vcpu&);
// The vCPU's GIC signals an interrupt: inject a virtual IRQ if the guest can take it now.
using IrqDelivery = bool (*)(Vcpu&);
// A VM switch's two halves (v5 on): copy the registers the pCPU's interpreter holds for the
// vCPU into its context (vcpu_put), and back (vcpu_load). Null: the VMM copies them whole.
using ContextSwitch = void (*)(PhysicalCpu&, Vcpu&);
// An idle pCPU looks at the other pCPUs' run queues (v6 on, with balancing on): the vCPU it
// takes out of one of them to run itself, or nullptr.
using Balance = Vcpu* (*)(PhysicalCpu& idle, std::span<PhysicalCpu* const> pcpus);
// Which version of the lecture first virtualizes what made this exit ("v2"), or "" if none does.
using Roadmap = std::string_view (*)(const Vcpu&, const Exit&);

inline constexpr std::size_t kExceptionClassCount = 64;

// What a version's machine can be; a scenario asking for more is refused before it runs,
// naming the version that adds it (vmm/target_support.cpp).
struct MachineSupport {
    bool several_vms = false;    // v5: VMs time-share a pCPU (and a scheduler policy to choose)
    bool several_pcpus = false;  // v6: pCPUs, placement (affinity) and balancing
    bool several_vcpus = false;  // v7: several vCPUs in one VM
};

struct VersionHooks {
    std::string_view version;  // "v1", "v2"...: for messages only
    std::array<ExitHandler, kExceptionClassCount> by_ec{};  // null: not virtualized by this version
    PhysicalTimerHandler physical_timer = nullptr;
    IrqDelivery deliver_irq = nullptr;
    ContextSwitch save_context = nullptr;
    ContextSwitch restore_context = nullptr;
    Balance balance = nullptr;
    Roadmap roadmap = nullptr;
    MachineSupport supports;

    void on(ExceptionClass ec, ExitHandler handler) { by_ec[static_cast<std::size_t>(ec)] = handler; }
};

// "MSR VBAR_EL1, x0", "HVC #0 (PSCI SYSTEM_OFF)", "data abort: write to pl011+0x0"...:
// what the exit is, for traces and messages.
std::string describe_exit(const Vcpu& vcpu, const Exit& exit);

// The message for an exit the version does not handle, naming the version that adds it.
std::string not_virtualized_message(const Vcpu& vcpu, const Exit& exit, const VersionHooks& hooks);

}  // namespace trapeze
