// The monitor's run loop and exit dispatch.
#include "vmm/monitor.h"

#include <algorithm>
#include <exception>

#include <fmt/format.h>

#include "decoder/disassembler.h"

namespace trapeze {

Monitor::Monitor(const VersionHooks& hooks, Tracer& tracer, MonitorOptions options)
    : hooks_(hooks), tracer_(tracer), options_(options), pcpus_(1), budget_left_(options.budget) {}

void Monitor::run(Vm& vm) {
    PhysicalCpu& pcpu = pcpus_.front();
    Vcpu& vcpu = vm.vcpu(0);
    pcpu.current = &vcpu;
    vcpu.pcpu = &pcpu;
    running_ = {this, &vcpu, 0};
    vcpu.cpu.set_exit_hook(exit_fastpath, &running_);
    std::uint64_t quantum_left = options_.quantum;
    while (vm.running()) {
        vcpu.requests &= ~kRequestsForRunLoop;  // the loop looks at the timer and the GIC now
        update_interrupt_lines(vcpu);
        if (vcpu.state == VcpuState::Blocked) {
            if (!idle(vcpu)) break;
            continue;
        }
        deliver_interrupts(vcpu);
        vcpu.sync_to_cpu();
        run_slice(vcpu, quantum_left);
    }
    vcpu.cpu.set_exit_hook(nullptr, nullptr);
    vm.uart().flush();
}

void Monitor::update_interrupt_lines(Vcpu& vcpu) {
    // The virtual timer's output is a level-sensitive PPI at the vCPU's redistributor.
    const std::uint32_t bit = 1u << kVirtualTimerIntid;
    if (vcpu.timer.irq_line(vcpu.counter())) vcpu.gic.level |= bit;
    else vcpu.gic.level &= ~bit;
}

void Monitor::deliver_interrupts(Vcpu& vcpu) {
    if (!hooks_.deliver_irq || !vcpu.gic.irq_signalled(vcpu.vm().gicd().group1_enabled())) return;
    const std::uint64_t pc = vcpu.pc();
    bool injected = false;
    try {
        injected = hooks_.deliver_irq(vcpu);
    } catch (const std::exception& e) {
        vcpu.vm().stop(VmStatus::Failed, fmt::format("{}: delivering a vIRQ failed: {}", hooks_.version, e.what()));
        return;
    }
    if (injected) {
        ++vcpu.virqs_injected;
        if (tracer_.enabled())
            trace(vcpu, TraceEvent::Kind::VirtualIrq,
                  fmt::format("vIRQ INTID {} taken {}", vcpu.gic.highest_pending(true), vcpu.vm().location(pc)),
                  fmt::format("entered the guest's vector at {:#x}", vcpu.pc()));
    }
}

bool Monitor::idle(Vcpu& vcpu) {
    if (vcpu.gic.irq_signalled(vcpu.vm().gicd().group1_enabled())) {
        vcpu.state = VcpuState::Runnable;
        if (tracer_.enabled()) trace(vcpu, TraceEvent::Kind::Wakeup, "an interrupt is pending", "vCPU runs again");
        return true;
    }
    const std::uint64_t until = instructions_until_timer(vcpu);
    if (until == std::numeric_limits<std::uint64_t>::max()) {
        vcpu.vm().stop(VmStatus::Failed, fmt::format("vcpu{} waits in WFI {} but no interrupt can ever wake it",
                                                     vcpu.id(), vcpu.vm().location(vcpu.pc())));
        return false;
    }
    vcpu.pcpu->clock_ns += until;  // nothing runs until the timer fires: skip ahead
    return true;
}

std::uint64_t Monitor::instructions_until_timer(const Vcpu& vcpu) const {
    const auto deadline = vcpu.timer.deadline();
    if (!deadline) return std::numeric_limits<std::uint64_t>::max();
    const std::uint64_t deadline_ns = (*deadline + vcpu.vm().counter_offset) * kNanosecondsPerTick;
    const std::uint64_t now = vcpu.pcpu->clock_ns;
    if (deadline_ns <= now) return std::numeric_limits<std::uint64_t>::max();  // already fired: the line is up
    return deadline_ns - now;
}

void Monitor::run_slice(Vcpu& vcpu, std::uint64_t& quantum_left) {
    const std::uint64_t slice = std::min({quantum_left, budget_left_, instructions_until_timer(vcpu)});
    running_.slice_start_ns = vcpu.pcpu->clock_ns;
    const RunResult& result = vcpu.cpu.run(slice);
    vcpu.pcpu->clock_ns = running_.slice_start_ns + result.retired;
    vcpu.retired += result.retired;
    quantum_left -= result.retired;
    budget_left_ -= result.retired;

    if (result.exit.reason == ExitReason::Exception && !result.exit_handled) handle_exit(vcpu, result.exit);
    if (!vcpu.vm().running()) return;
    if (quantum_left == 0) {
        // The physical timer: the VMM gets the CPU back whatever the guest is doing.
        quantum_left = options_.quantum;
        ++vcpu.physical_timer_exits;
        Action action = Action::resume_at(vcpu.pc(), "resumed the guest");
        if (hooks_.physical_timer) {
            try {
                action = hooks_.physical_timer(vcpu);
            } catch (const std::exception& e) {
                action = Action::stop(fmt::format("{}: the physical-timer handler failed: {}", hooks_.version, e.what()));
            }
        }
        if (tracer_.enabled())
            trace(vcpu, TraceEvent::Kind::PhysicalTimer, "physical timer: the quantum expired", action.note);
        apply_after_timer(vcpu, action);
    }
    if (budget_left_ == 0 && vcpu.vm().running())
        vcpu.vm().stop(VmStatus::Failed, fmt::format("instruction budget of {} exhausted {}", options_.budget,
                                                     vcpu.vm().location(vcpu.pc())));
}

// The exit fast path: handle the exit while the interpreter is still running the slice, and
// let it go on unless the exit changed something the run loop must look at first: the vCPU
// blocked or stopped, or a handler raised a request for the loop (a timer was reprogrammed,
// an interrupt may be deliverable). A new translation regime is pushed in place.
bool Monitor::exit_fastpath(void* context, const Exit& exit) {
    const Running& running = *static_cast<const Running*>(context);
    Monitor& monitor = *running.monitor;
    Vcpu& vcpu = *running.vcpu;
    vcpu.pcpu->clock_ns = running.slice_start_ns + vcpu.cpu.retired_in_run();  // the time of the trap
    monitor.handle_exit(vcpu, exit);
    return vcpu.state == VcpuState::Runnable && vcpu.vm().running() && !(vcpu.requests & kRequestsForRunLoop);
}

void Monitor::handle_exit(Vcpu& vcpu, const Exit& exit) {
    const auto ec = static_cast<std::size_t>(exit.ec());
    ++vcpu.exits_by_ec[ec];
    Action action = dispatch(vcpu, exit);
    if (action.kind == Action::Kind::NotVirtualized) action = Action::stop(not_virtualized_message(vcpu, exit, hooks_));
    if (tracer_.enabled()) trace(vcpu, TraceEvent::Kind::Exit, describe_exit(vcpu, exit), action.note, &exit);
    apply(vcpu, exit, action);
    vcpu.sync_to_cpu();
}

Action Monitor::dispatch(Vcpu& vcpu, const Exit& exit) {
    const ExitHandler handler = hooks_.by_ec[static_cast<std::size_t>(exit.ec())];
    if (!handler) return Action::not_virtualized();
    try {
        return handler(vcpu, exit);
    } catch (const std::exception& e) {
        // A broken handler stops its VM, never the monitor.
        return Action::stop(fmt::format("{}: the handler for {} failed: {}", hooks_.version,
                                        exception_class_name(exit.ec()), e.what()));
    }
}

void Monitor::apply(Vcpu& vcpu, const Exit& exit, Action& action) {
    switch (action.kind) {
        case Action::Kind::ResumeNext: vcpu.set_pc(exit.pc + 4); break;
        case Action::Kind::ResumeAt: vcpu.set_pc(action.pc); break;
        case Action::Kind::Forwarded: count_forwarded(vcpu); break;
        case Action::Kind::Block:
            vcpu.set_pc(exit.pc + 4);
            vcpu.state = VcpuState::Blocked;
            break;
        case Action::Kind::Stop:
        case Action::Kind::NotVirtualized: vcpu.vm().stop(VmStatus::Failed, action.stop_reason()); break;
        case Action::Kind::PowerOff: vcpu.vm().stop(VmStatus::PoweredOff, "the guest powered off (PSCI SYSTEM_OFF)"); break;
    }
}

// The physical timer interrupted the guest between two instructions: "next" is where it was.
void Monitor::apply_after_timer(Vcpu& vcpu, Action& action) {
    switch (action.kind) {
        case Action::Kind::ResumeNext: break;
        case Action::Kind::ResumeAt: vcpu.set_pc(action.pc); break;
        case Action::Kind::Forwarded: count_forwarded(vcpu); break;
        case Action::Kind::Block: vcpu.state = VcpuState::Blocked; break;
        case Action::Kind::PowerOff: vcpu.vm().stop(VmStatus::PoweredOff, "the physical-timer handler powered off"); break;
        case Action::Kind::Stop:
        case Action::Kind::NotVirtualized:
            vcpu.vm().stop(VmStatus::Failed, action.reason ? action.stop_reason()
                                                           : fmt::format("{}: the physical-timer handler stopped the VM",
                                                                         hooks_.version));
            break;
    }
}

// A synchronous exception entered the guest kernel: count it by the class the guest sees.
void Monitor::count_forwarded(Vcpu& vcpu) {
    ++vcpu.forwarded_by_ec[static_cast<std::size_t>(esr_ec(static_cast<std::uint32_t>(vcpu.sysreg(SysregId::ESR_EL1))))];
}

void Monitor::trace(const Vcpu& vcpu, TraceEvent::Kind kind, std::string what, std::string_view action,
                    const Exit* exit) {
    TraceEvent e;
    e.kind = kind;
    e.time_ns = vcpu.pcpu ? vcpu.pcpu->clock_ns : 0;
    e.pcpu = vcpu.pcpu ? vcpu.pcpu->id : 0;
    e.vm = vcpu.vm().id();
    e.vcpu = vcpu.id();
    e.pc = exit ? exit->pc : vcpu.pc();
    e.symbol = vcpu.vm().image().describe(e.pc);
    if (exit && exit->ec() != ExceptionClass::InstructionAbortLower && exit->ec() != ExceptionClass::PcAlignment) {
        e.instruction = exit->instruction;
        e.has_instruction = true;
        e.disassembly = disassemble(exit->instruction, exit->pc);
        e.esr = exit->esr;
    } else if (exit) {
        e.esr = exit->esr;
    }
    e.what = std::move(what);
    e.action = std::string(action);
    tracer_.emit(e);
}

}  // namespace trapeze
