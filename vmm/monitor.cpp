// The monitor's run loop, vCPU switches and exit dispatch.
#include "vmm/monitor.h"

#include <algorithm>
#include <cstdio>
#include <exception>
#include <optional>
#include <utility>

#include <fmt/format.h>

#include "decoder/disassembler.h"
#include "vmm/console_input.h"
#include "vmm/register_changes.h"
#include "vmm/threaded_runner.h"

namespace trapeze {
namespace {

constexpr std::uint64_t kNever = std::numeric_limits<std::uint64_t>::max();

}  // namespace

Monitor::Monitor(const VersionHooks& hooks, Tracer& tracer, MonitorOptions options)
    : hooks_(hooks), tracer_(tracer), options_(options), sleeping_(std::max(1u, options.pcpus)) {
    for (unsigned i = 0; i < std::max(1u, options.pcpus); ++i) {
        pcpus_.push_back(std::make_unique<PhysicalCpu>(i));
        pcpus_.back()->quantum_left = options_.quantum;
    }
}

void Monitor::add(Vm& vm) {
    vms_.push_back(&vm);
    if (!vm.budget) vm.budget = options_.budget;
    vm.budget_left = vm.budget;
    // Each vCPU waits on its home pCPU: the VM's placement, or the VMs spread in turn.
    const auto first = static_cast<unsigned>(vms_.size() - 1);
    for (auto& v : vm.vcpus()) {
        const unsigned i = v->id();
        v->home = vm.affinity().empty() ? (first + i) % pcpu_count() : vm.affinity()[i % vm.affinity().size()];
    }
    Vcpu& boot = vm.vcpu(0);
    PhysicalCpu& home = *pcpus_[boot.home];
    // A VM added while the machine runs starts now, not at the idle pCPU's last moment.
    if (!home.current && home.runqueue.empty()) home.clock_ns = std::max(home.clock_ns, now_ns());
    if (!boot.loaded()) home.runqueue.join(boot);
}

void Monitor::run() {
    if (options_.threads) {
        ThreadedRunner(*this).run();
    } else {
        for (;;) {
            if (control_) {
                control_->between_slices();  // commands apply at slice boundaries
                if (control_->quit_requested() || console_quit()) break;
            }
            if (PhysicalCpu* pcpu = next_pcpu()) {
                step(*pcpu);
            } else if (pump_console(!control_)) {  // (a control's wait below looks at the console too)
                continue;  // only input could wake the machine: it came
            } else if (!control_) {
                break;
            } else {
                stop_if_stuck();  // what no interrupt can ever wake stops; a command may start more
                control_->between_slices();  // (the control sees them stop before it waits)
                if (!control_->wait_while_idle()) break;
            }
        }
        if (!control_) stop_if_stuck();
    }
    for (auto& p : pcpus_) {
        if (p->current) switch_out(*p);  // every context saved: the final state is in the vCPUs
    }
    for (Vm* vm : vms_) {
        if (vm->status != VmStatus::Migrated) vm->uart().flush();
        if (tracer_.enabled()) {
            const Vcpu& v = vm->vcpu(0);
            trace(v, TraceEvent::Kind::Stop, vm->stop_reason,
                  vm->status == VmStatus::PoweredOff ? "the VM is powered off"
                  : vm->status == VmStatus::Migrated ? "the VM runs on elsewhere"
                                                      : "the VM is stopped");
        }
    }
}

// ---- VMs that come, pause and go ----

void Monitor::take_out(Vm& vm) {
    for (auto& p : pcpus_) {
        if (p->current && &p->current->vm() == &vm) switch_out(*p);  // not running: not queued again
        for (auto& v : vm.vcpus()) p->runqueue.remove(*v);
        if (p->yield_target && &p->yield_target->vm() == &vm) p->yield_target = nullptr;
    }
    for (auto& sleepers : sleeping_)
        std::erase_if(sleepers, [&vm](const Vcpu* v) { return &v->vm() == &vm; });
}

void Monitor::pause(Vm& vm) {
    vm.paused = true;
    take_out(vm);
}

void Monitor::resume(Vm& vm) {
    vm.paused = false;
    if (!vm.running()) return;
    for (auto& v : vm.vcpus()) {
        PhysicalCpu& home = *pcpus_.at(v->home);
        v->clock_ns = std::max(v->clock_ns, home.clock_ns);  // it sees the time it was paused pass
        if (v->state == VcpuState::Runnable) home.runqueue.join(*v);
        else if (v->state == VcpuState::Blocked) sleeping_[home.id].push_back(v.get());
    }
}

void Monitor::remove(Vm& vm) {
    const bool was_paused = std::exchange(vm.paused, true);  // switch_out must not queue its vCPUs again
    take_out(vm);
    vm.paused = was_paused;
    for (auto& p : pcpus_) {
        if (p->last && &p->last->vm() == &vm) p->last = nullptr;
        // An idle interpreter may still point at the VM's memory (and share its decoded code).
        if (!p->current) p->cpu.attach(no_memory_);
    }
    std::erase(vms_, &vm);
    if (gang_ == &vm) gang_ = nullptr;
}

std::uint64_t Monitor::now_ns() const {
    std::uint64_t busy = kNever, latest = 0;
    for (const auto& p : pcpus_) {
        latest = std::max(latest, p->clock_ns);
        if (p->current || !p->runqueue.empty()) busy = std::min(busy, p->clock_ns);
    }
    return busy == kNever ? latest : busy;
}

std::uint64_t Monitor::vm_now_ns(Vm& vm) const {
    std::uint64_t latest = 0;
    for (const auto& v : vm.vcpus()) latest = std::max(latest, v->loaded() ? v->pcpu->clock_ns : v->clock_ns);
    return latest;
}

// ---- choosing what runs next ----

std::uint64_t Monitor::next_event_ns(const PhysicalCpu& pcpu) const {
    if (gang_policy()) return gang_next_event_ns(pcpu);
    if (pcpu.current || !pcpu.runqueue.empty() || could_steal(pcpu)) return pcpu.clock_ns;
    std::uint64_t next = kNever;
    for (const Vcpu* v : sleeping_[pcpu.id]) {
        if (!v->vm().running()) continue;
        if (wakes(*v)) return pcpu.clock_ns;
        next = std::min(next, timer_deadline_ns(*v));
    }
    return next == kNever ? kNever : std::max(next, pcpu.clock_ns);
}

// The pCPU whose next event comes first, ties to the lowest number: the lock-step order.
PhysicalCpu* Monitor::next_pcpu() {
    if (std::none_of(vms_.begin(), vms_.end(), [](const Vm* vm) { return vm->running(); })) return nullptr;
    if (gang_policy() && !rotate_gang_if_over()) return nullptr;
    PhysicalCpu* best = nullptr;
    std::uint64_t best_ns = kNever;
    for (auto& p : pcpus_) {
        const std::uint64_t t = next_event_ns(*p);
        if (t < best_ns) {
            best = p.get();
            best_ns = t;
        }
    }
    return best;
}

void Monitor::step(PhysicalCpu& pcpu) {
    const std::uint64_t event = next_event_ns(pcpu);
    if (event > pcpu.clock_ns && pump_console(false)) return;  // input may wake a vCPU: look again
    if (event > pcpu.clock_ns) {  // nothing to run until then: the pCPU idles
        pcpu.idle_ns += event - pcpu.clock_ns;
        pcpu.clock_ns = event;
    }
    drop_stopped(pcpu);
    wake_sleepers(pcpu);
    if (pcpu.current && pcpu.reschedule) {  // another pCPU's directed yield boosted a vCPU waiting here
        pcpu.reschedule = false;
        switch_out(pcpu);
    }
    if (!pcpu.current) switch_in(pcpu);
    if (!pcpu.current) {
        // Nothing after all (the balancer took nothing): wait for the others to move on.
        std::uint64_t others = kNever;
        for (auto& p : pcpus_)
            if (p.get() != &pcpu && next_event_ns(*p) != kNever) others = std::min(others, p->clock_ns);
        if (others != kNever && others >= pcpu.clock_ns) {
            pcpu.idle_ns += others + 1 - pcpu.clock_ns;
            pcpu.clock_ns = others + 1;
        }
        return;
    }
    Vcpu& vcpu = *pcpu.current;
    run_slice(pcpu, vcpu);
    if (!vcpu.vm().running() || pcpu.current != &vcpu) return;  // drop_stopped puts it away at the next step
    if (vcpu.state != VcpuState::Runnable || pcpu.reschedule) {
        pcpu.reschedule = false;
        switch_out(pcpu);
    }
}

void Monitor::wake_sleepers(PhysicalCpu& pcpu) {
    auto& sleepers = sleeping_[pcpu.id];
    for (auto it = sleepers.begin(); it != sleepers.end();) {
        Vcpu& v = **it;
        v.clock_ns = std::max(v.clock_ns, pcpu.clock_ns);  // a waiting vCPU's time goes on
        if (!v.vm().running()) {
            it = sleepers.erase(it);
            continue;
        }
        update_interrupt_lines(v);
        if (!wakes(v)) {
            ++it;
            continue;
        }
        it = sleepers.erase(it);
        const std::string_view why = end_wait(v);
        pcpu.runqueue.join(v);
        if (tracer_.enabled()) trace(v, TraceEvent::Kind::Wakeup, std::string(why), "vCPU runs again");
    }
}

// A blocked vCPU runs again: what woke it, for the trace.
std::string_view Monitor::end_wait(Vcpu& vcpu) {
    vcpu.state = VcpuState::Runnable;
    if (!vcpu.waits_for_event) return "an interrupt is pending";
    vcpu.waits_for_event = false;
    GlobalMonitor& monitor = vcpu.vm().exclusive_monitor();
    monitor.end_wait(vcpu.id());
    const bool stream = vcpu.clock_ns >= vcpu.event_stream_ns;
    vcpu.event_stream_ns = kNever;
    if (monitor.event_pending(vcpu.id())) return "an event is registered";
    if (!stream) return "an interrupt it takes is pending";
    monitor.set_event(vcpu.id(), true);  // the stream's event, as any, sets the register
    return "the event stream (CNTKCTL_EL1.EVNTEN) sent an event";
}

// The vCPUs waiting in WFE that an event reached while `vm`'s vCPUs ran (their interpreters
// were kicked to come here): they run again from the moment `now_ns`.
void Monitor::wake_event_waiters(Vm& vm, std::uint64_t now_ns) {
    for (std::uint32_t woken = vm.exclusive_monitor().take_woken(); woken; woken &= woken - 1) {
        const auto id = static_cast<unsigned>(__builtin_ctz(woken));
        if (id < vm.vcpus().size()) wake(vm.vcpu(id), now_ns);
    }
}

// With balancing, an idle pCPU has work when another pCPU's run queue holds a vCPU it may run.
bool Monitor::could_steal(const PhysicalCpu& pcpu) const {
    if (!options_.balance || !hooks_.balance || pcpu.current || gang_policy()) return false;
    for (const auto& p : pcpus_) {
        if (p.get() == &pcpu) continue;
        for (const Vcpu* v : p->runqueue.entries())
            if (v->vm().running() && v->vm().may_run_on(pcpu.id)) return true;
    }
    return false;
}

bool Monitor::wakes(const Vcpu& vcpu) const {
    const bool irq = vcpu.gic.irq_signalled(vcpu.vm().gicd().group1_enabled());
    if (!vcpu.waits_for_event) return irq;  // WFI wakes even with PSTATE.I set
    // WFE: an event (the event stream's too), or an interrupt the vCPU would take.
    return vcpu.vm().exclusive_monitor().event_pending(vcpu.id()) || vcpu.clock_ns >= vcpu.event_stream_ns ||
           (irq && !vcpu.irqs_masked());
}

void Monitor::wake(Vcpu& vcpu, std::uint64_t now_ns) {
    PhysicalCpu& home = *pcpus_.at(vcpu.home);
    if (vcpu.loaded() || home.runqueue.contains(vcpu) || !vcpu.vm().running()) return;
    if (vcpu.state == VcpuState::Blocked) {  // WFI ends only for an interrupt, WFE for an event too
        vcpu.clock_ns = std::max(vcpu.clock_ns, now_ns);
        update_interrupt_lines(vcpu);
        if (!wakes(vcpu)) return;
        std::erase(sleeping_[home.id], &vcpu);
        const std::string_view why = end_wait(vcpu);
        if (tracer_.enabled()) trace(vcpu, TraceEvent::Kind::Wakeup, std::string(why), "vCPU runs again");
    }
    if (vcpu.state != VcpuState::Runnable) return;  // still off: nothing asked it to start
    if (!home.current && home.runqueue.empty()) home.clock_ns = std::max(home.clock_ns, now_ns);
    vcpu.clock_ns = std::max(vcpu.clock_ns, now_ns);
    home.runqueue.join(vcpu);
}

bool Monitor::console_may_wake(const Vm& vm) const {
    return control_ && console_input_ && !vms_.empty() && vms_.front() == &vm && !console_input_->at_end() &&
           !console_input_->quit_requested();
}

int Monitor::console_wake_fd() const {
    if (!console_input_ || vms_.empty() || !vms_.front()->running() || console_input_->at_end()) return -1;
    const Pl011& uart = vms_.front()->uart();
    // A pipe gives a line when the guest listens (a receive interrupt unmasked) and has taken
    // the last one; a terminal what was typed, as a real one would.
    if (uart.rx_room() == 0 || (!console_input_->terminal() && (!uart.rx_empty() || !uart.rx_listening())))
        return -1;
    return console_input_->fd();
}

bool Monitor::console_quit() const { return console_input_ && console_input_->quit_requested(); }

void Monitor::stop_if_stuck() {
    for (Vm* vm : vms_) {
        if (vm->paused && !control_) vm->stop(VmStatus::Failed, "paused, with no control socket that could resume it");
        if (!vm->running() || console_may_wake(*vm)) continue;
        const Vcpu* blocked = nullptr;
        for (auto& v : vm->vcpus())
            if (v->state == VcpuState::Blocked) blocked = v.get();
        if (blocked && blocked->waits_for_event)
            vm->stop(VmStatus::Failed, fmt::format("vcpu{} waits in WFE {} but no event or interrupt can ever wake it",
                                                   blocked->id(), vm->location(blocked->pc() - 4)));
        else if (blocked)
            vm->stop(VmStatus::Failed, fmt::format("vcpu{} waits in WFI {} but no interrupt can ever wake it",
                                                   blocked->id(), vm->location(blocked->pc())));
        else
            vm->stop(VmStatus::Failed, "every vCPU is off: nothing can run");
    }
}

bool Monitor::pump_console(bool wait) {
    if (!console_input_ || vms_.empty() || !vms_.front()->running()) return false;
    Vm& vm = *vms_.front();
    const auto quit = [&] {
        for (Vm* v : vms_) v->stop(VmStatus::PoweredOff, "quit from the console (Ctrl-A x)");
        return false;
    };
    if (console_input_->quit_requested()) return quit();
    Pl011& uart = vm.uart();
    if (console_input_->terminal()) uart.show_partial_line();  // the prompt, the echo of what was typed
    if (console_wake_fd() < 0) return false;
    const std::string bytes = console_input_->take(uart.rx_room(), wait);
    if (console_input_->quit_requested()) return quit();
    if (bytes.empty()) return false;
    vm.receive_console(bytes);
    return true;
}

// ---- one slice of guest code ----

void Monitor::update_interrupt_lines(Vcpu& vcpu) {
    // Each EL1 timer's output is a level-sensitive PPI at the vCPU's redistributor.
    const auto drive = [&vcpu](unsigned intid, bool high) {
        if (high) vcpu.gic.level |= 1u << intid;
        else vcpu.gic.level &= ~(1u << intid);
    };
    drive(kVirtualTimerIntid, vcpu.timer.irq_line(vcpu.counter()));
    drive(kPhysicalTimerIntid, vcpu.ptimer.irq_line(vcpu.physical_counter()));
}

void Monitor::deliver_interrupts(Vcpu& vcpu) {
    if (!hooks_.deliver_irq || !vcpu.gic.irq_signalled(vcpu.vm().gicd().group1_enabled())) return;
    const std::uint64_t pc = vcpu.pc();
    bool injected = false;
    std::optional<RegisterSnapshot> before;
    if (tracer_.enabled()) before.emplace(vcpu);
    try {
        injected = hooks_.deliver_irq(vcpu);
    } catch (const std::exception& e) {
        vcpu.vm().stop(VmStatus::Failed, fmt::format("{}: delivering a vIRQ failed: {}", hooks_.version, e.what()));
        return;
    }
    if (injected) {
        ++vcpu.virqs_injected;
        vcpu.in_irq_handler = true;
        if (tracer_.enabled())
            trace(vcpu, TraceEvent::Kind::VirtualIrq,
                  fmt::format("vIRQ INTID {} taken {}", vcpu.gic.highest_pending(true), vcpu.vm().location(pc)),
                  fmt::format("entered the guest's vector at {:#x}", vcpu.pc()), nullptr, before->changes(vcpu));
    }
}

std::uint64_t Monitor::timer_deadline_ns(const Vcpu& vcpu) const {
    const std::uint64_t now = vcpu.loaded() ? vcpu.pcpu->clock_ns : vcpu.clock_ns;
    // The first moment one of the two timers' lines rises; a deadline already passed does
    // not count (the line is up, or never will be).
    const auto rises_at = [now](std::optional<std::uint64_t> deadline, std::uint64_t offset) {
        if (!deadline || *deadline >= kNever / kNanosecondsPerTick - offset) return kNever;
        const std::uint64_t deadline_ns = (*deadline + offset) * kNanosecondsPerTick;
        return deadline_ns <= now ? kNever : deadline_ns;
    };
    const std::uint64_t timers =
        std::min(rises_at(vcpu.timer.deadline(), vcpu.vm().counter_offset), rises_at(vcpu.ptimer.deadline(), 0));
    // A vCPU waiting in WFE also wakes at the event stream's next trigger.
    return vcpu.waits_for_event && vcpu.event_stream_ns > now ? std::min(timers, vcpu.event_stream_ns) : timers;
}

void Monitor::run_slice(PhysicalCpu& pcpu, Vcpu& vcpu) {
    Vm& vm = vcpu.vm();
    vcpu.requests &= ~kRequestsForRunLoop;  // the loop looks at the timer and the GIC now
    update_interrupt_lines(vcpu);
    std::uint64_t limit = kNever;
    if (debug_agent_) {
        limit = debug_agent_->before_slice(vcpu);  // may hold the run at a prompt, or stop the VM
        if (!vm.running() || pcpu.current != &vcpu) return;  // (or pause, reset or destroy it: the stepper's `vm`)
    }
    const std::uint64_t injected = vcpu.virqs_injected;
    deliver_interrupts(vcpu);
    if (debug_agent_ && vcpu.virqs_injected != injected) {
        limit = debug_agent_->before_slice(vcpu);  // the vIRQ moved the PC to the vectors: a stop there
        if (!vm.running()) return;
    }
    vcpu.sync_to_cpu();
    if (!vm.running()) return;
    const std::uint64_t deadline_ns = timer_deadline_ns(vcpu);
    const std::uint64_t until_timer = deadline_ns == kNever ? kNever : deadline_ns - pcpu.clock_ns;
    const std::uint64_t lockstep = pcpus_.size() > 1 ? options_.lockstep_slice : kNever;
    const std::uint64_t gang_left =
        !gang_policy() ? kNever : gang_end_ns_ > pcpu.clock_ns ? gang_end_ns_ - pcpu.clock_ns : 0;  // the turn's end
    const std::uint64_t slice = std::min({pcpu.quantum_left, vm.budget_left, until_timer, lockstep, limit, gang_left});
    running_ = {this, &pcpu, &vcpu, pcpu.clock_ns};
    pcpu.cpu.set_exit_hook(exit_fastpath, &running_);
    const RunResult& result = pcpu.cpu.run(slice);
    pcpu.cpu.set_exit_hook(nullptr, nullptr);
    // A reservation lives on across slices: another vCPU's store in between clears its mark in
    // the VM's global monitor (which sets its event register), as on hardware. A vCPU that
    // waits in WFE keeps its mark off the pCPU, for the store that ends its wait.
    pcpu.clock_ns = running_.slice_start_ns + result.retired;
    pcpu.busy_ns += result.retired;
    vcpu.retired += result.retired;
    charge(vcpu, result.retired);
    pcpu.quantum_left -= result.retired;
    vm.budget_left -= result.retired;

    if (result.exit.reason == ExitReason::Exception && !result.exit_handled) handle_exit(vcpu, result.exit);
    wake_event_waiters(vm, pcpu.clock_ns);
    if (!vm.running()) {
        if (debug_agent_) debug_agent_->after_slice(vcpu, result);
        return;
    }
    if (pcpu.quantum_left == 0) {
        pump_console(false);
        physical_timer_expired(pcpu, vcpu);
    }
    stop_if_over_budget(vcpu);
    if (debug_agent_) debug_agent_->after_slice(vcpu, result);
}

// The physical timer: the VMM gets the CPU back whatever the guest is doing (both loops).
void Monitor::physical_timer_expired(PhysicalCpu& pcpu, Vcpu& vcpu) {
    pcpu.quantum_left = options_.quantum;
    ++vcpu.physical_timer_exits;
    Action action = Action::resume_at(vcpu.pc(), "resumed the guest");
    if (hooks_.physical_timer) {
        try {
            action = hooks_.physical_timer(vcpu);
        } catch (const std::exception& e) {
            action = Action::stop(fmt::format("{}: the physical-timer handler failed: {}", hooks_.version, e.what()));
        }
    }
    if (tracer_.enabled()) trace(vcpu, TraceEvent::Kind::PhysicalTimer, "physical timer: the quantum expired", action.note);
    apply_after_timer(vcpu, action);
}

void Monitor::stop_if_over_budget(Vcpu& vcpu) {
    Vm& vm = vcpu.vm();
    if (vm.budget_left == 0 && vm.running())
        vm.stop(VmStatus::Failed, fmt::format("instruction budget of {} exhausted {}", vm.budget, vm.location(vcpu.pc())));
}

// The exit fast path: handle the exit while the interpreter is still running the slice, and
// let it go on unless the exit changed something the run loop must look at first: the vCPU
// blocked, stopped or yields, or a handler raised a request for the loop (a timer was
// reprogrammed, an interrupt may be deliverable). A new translation regime is pushed in place.
bool Monitor::exit_fastpath(void* context, const Exit& exit) {
    const Running& running = *static_cast<const Running*>(context);
    Monitor& monitor = *running.monitor;
    Vcpu& vcpu = *running.vcpu;
    running.pcpu->clock_ns = running.slice_start_ns + running.pcpu->cpu.retired_in_run();  // the time of the trap
    monitor.handle_exit(vcpu, exit);
    if (monitor.debug_agent_ && monitor.debug_agent_->exits_end_slices()) return false;
    return vcpu.state == VcpuState::Runnable && vcpu.vm().running() && !running.pcpu->reschedule &&
           !(vcpu.requests & kRequestsForRunLoop);
}

// ---- switching vCPUs: save(current) -> pick -> restore(next) ----

void Monitor::switch_out(PhysicalCpu& pcpu) {
    Vcpu& vcpu = *pcpu.current;
    try {
        if (hooks_.save_context) hooks_.save_context(pcpu, vcpu);
        else vcpu.saved_registers() = pcpu.cpu.regs;
    } catch (const std::exception& e) {
        vcpu.vm().stop(VmStatus::Failed, fmt::format("{}: saving the context of vcpu{} failed: {}", hooks_.version,
                                                     vcpu.id(), e.what()));
    }
    pcpu.put();
    if (!vcpu.vm().running()) return;
    if (vcpu.state == VcpuState::Runnable) pcpu.runqueue.push(vcpu);
    else if (vcpu.state == VcpuState::Blocked) sleeping_[pcpu.id].push_back(&vcpu);
    vcpu.home = pcpu.id;
}

// A directed yield (Action::yield_to): the vCPU it names runs next where it waits, as with
// KVM's yield_to. Waiting here, it is taken out now; waiting on another pCPU, it moves to the
// front of that pCPU's run queue, which switches at its next step. It never changes pCPU.
// With --threads the handler chose the target under the VMM lock, which was let go before
// this pCPU came here: meanwhile another pCPU may have loaded it, or it may wait or have
// stopped. So it is looked at again, under the lock that guards every run queue; one that is
// no longer preempted is no target. The pCPU whose queue it heads is kicked to switch now.
Vcpu* Monitor::take_yield_target(PhysicalCpu& pcpu) {
    Vcpu* target = std::exchange(pcpu.yield_target, nullptr);
    if (!target || !target->vm().running() || target->loaded() || target->state != VcpuState::Runnable) return nullptr;
    if (pcpu.runqueue.remove(*target)) return target;
    for (auto& p : pcpus_) {
        if (!p->runqueue.boost(*target) || !p->current) continue;
        p->reschedule = true;
        if (options_.threads && p.get() != &pcpu) p->cpu.kick();
    }
    return nullptr;
}

void Monitor::switch_in(PhysicalCpu& pcpu) {
    Vcpu* next = take_yield_target(pcpu);
    if (!next) next = pcpu.runqueue.pick(options_.policy, gang_);
    if (!next && options_.balance && hooks_.balance && !gang_policy()) {
        std::vector<PhysicalCpu*> all;
        for (auto& p : pcpus_) all.push_back(p.get());
        try {
            next = hooks_.balance(pcpu, all);
        } catch (const std::exception& e) {
            // A broken balancer costs the machine its balancing, never a VM.
            options_.balance = false;
            std::fprintf(stderr, "%s: the load balancer failed and is off: %s\n", std::string(hooks_.version).c_str(),
                         e.what());
        }
    }
    if (!next) return;
    const Vcpu* previous = pcpu.last;
    pcpu.load(*next);
    next->starting = false;
    next->home = pcpu.id;
    try {
        if (hooks_.restore_context) hooks_.restore_context(pcpu, *next);
        else pcpu.cpu.regs = next->saved_registers();
    } catch (const std::exception& e) {
        next->vm().stop(VmStatus::Failed, fmt::format("{}: restoring the context of vcpu{} failed: {}", hooks_.version,
                                                      next->id(), e.what()));
    }
    if (previous != next && previous && tracer_.enabled()) trace_switch(pcpu, previous, next);
}

// A VM stopped: its vCPUs leave this pCPU's run queue, and the one it runs is put away.
void Monitor::drop_stopped(PhysicalCpu& pcpu) {
    if (pcpu.current && !pcpu.current->vm().running()) switch_out(pcpu);
    std::vector<Vcpu*> stopped;
    for (Vcpu* v : pcpu.runqueue.entries())
        if (!v->vm().running()) stopped.push_back(v);
    for (Vcpu* v : stopped) pcpu.runqueue.remove(*v);
}

// ---- handlers and what their Actions mean ----

void Monitor::handle_exit(Vcpu& vcpu, const Exit& exit) {
    const auto ec = static_cast<std::size_t>(exit.ec());
    ++vcpu.exits_by_ec[ec];
    if (vcpu.in_irq_handler) [[unlikely]] {
        ++vcpu.irq_handler_exits;
        vcpu.in_irq_handler = exit.op != Op::ERET;
    }
    if (tracer_.enabled()) [[unlikely]] {
        handle_exit_traced(vcpu, exit);
    } else {
        Action action = dispatch(vcpu, exit);
        if (action.kind == Action::Kind::NotVirtualized)
            action = Action::stop(not_virtualized_message(vcpu, exit, hooks_));
        apply(vcpu, exit, action);
        vcpu.sync_to_cpu();
    }
    for (Vcpu* target : vcpu.vm().take_wakeups()) {
        // A target running on another host thread leaves its slice at once to look at its requests.
        if (options_.threads && target->loaded() && target->pcpu != vcpu.pcpu) target->pcpu->cpu.kick();
        wake(*target, vcpu.loaded() ? vcpu.pcpu->clock_ns : vcpu.clock_ns);
    }
}

// The same, told to the trace. The exit is described before its handler runs, since the
// handler changes the registers the description reads (PSCI_VERSION's x0 becomes the
// version); the registers it changed are found by comparing snapshots. Kept apart from
// handle_exit so that an untraced trap pays for none of it.
void Monitor::handle_exit_traced(Vcpu& vcpu, const Exit& exit) {
    std::string what = describe_exit(vcpu, exit);
    const RegisterSnapshot before(vcpu);
    Action action = dispatch(vcpu, exit);
    if (action.kind == Action::Kind::NotVirtualized) action = Action::stop(not_virtualized_message(vcpu, exit, hooks_));
    apply(vcpu, exit, action);
    trace(vcpu, TraceEvent::Kind::Exit, std::move(what), action.note, &exit, before.changes(vcpu));
    if (action.kind == Action::Kind::Forwarded) {
        const auto esr = static_cast<std::uint32_t>(vcpu.sysreg(SysregId::ESR_EL1));
        trace(vcpu, TraceEvent::Kind::Forward,
              fmt::format("{} forwarded to the guest kernel (ESR_EL1 {:#x})", exception_class_name(esr_ec(esr)), esr),
              fmt::format("entered the guest's vector at {:#x}", vcpu.pc()), nullptr, {}, esr);
    }
    vcpu.sync_to_cpu();
}

// dispatch and apply are on every trap's path: inlined into both handle_exit and its traced
// twin (with two callers the compiler would otherwise call them, a tenth of a trap's cost).
[[gnu::always_inline]] inline Action Monitor::dispatch(Vcpu& vcpu, const Exit& exit) {
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

[[gnu::always_inline]] inline void Monitor::apply(Vcpu& vcpu, const Exit& exit, Action& action) {
    switch (action.kind) {
        case Action::Kind::ResumeNext: vcpu.set_pc(exit.pc + 4); break;
        case Action::Kind::ResumeAt:
            vcpu.set_pc(action.pc);
            // An exception return sets the event register (a WFE after it completes at once).
            if (exit.op == Op::ERET) vcpu.vm().exclusive_monitor().send_event(vcpu.id(), GlobalMonitor::kMaxVcpus);
            break;
        case Action::Kind::Forwarded:
            count_forwarded(vcpu);
            // An exception raised by the very vector it enters would enter it again, forever,
            // without retiring an instruction: no guest can get out of that.
            if (vcpu.pc() == exit.pc)
                vcpu.vm().stop(VmStatus::Failed,
                               fmt::format("{}: the guest kernel's vector at {:#x} raises the exception it handles "
                                           "({}): no guest can get out of that",
                                           hooks_.version, exit.pc, exception_class_name(exit.ec())));
            break;
        case Action::Kind::Yield:
            vcpu.set_pc(exit.pc + 4);
            if (vcpu.loaded()) {
                vcpu.pcpu->reschedule = true;
                vcpu.pcpu->yield_target = action.yield_target;
            }
            break;
        case Action::Kind::Block:
            vcpu.set_pc(exit.pc + 4);
            vcpu.state = VcpuState::Blocked;
            break;
        case Action::Kind::WaitForEvent:
            vcpu.set_pc(exit.pc + 4);
            wait_for_event(vcpu);
            break;
        case Action::Kind::Stop:
        case Action::Kind::NotVirtualized: vcpu.vm().stop(VmStatus::Failed, action.stop_reason()); break;
        case Action::Kind::PowerOff: vcpu.vm().stop(VmStatus::PoweredOff, "the guest powered off (PSCI SYSTEM_OFF)"); break;
    }
}

// The WFE's wait: unless an event is registered already (then the WFE has completed), the
// vCPU blocks until one is, or until an interrupt it would take.
void Monitor::wait_for_event(Vcpu& vcpu) {
    // In lock-step, a vCPU whose pCPU has nothing else to run, while another vCPU of its VM
    // runs elsewhere (and may send the event), polls instead (KVM's halt polling): it keeps
    // its pCPU and its slice ends, so that the others catch up; its WFE completes and the
    // guest looks again. Giving the pCPU up would cost the host two vCPU switches per wait
    // and gain no guest anything. A host thread per pCPU would burn its host CPU so: with
    // --threads the vCPU always waits.
    const PhysicalCpu* pcpu = vcpu.pcpu;
    const auto others_run = [&vcpu] {
        return std::any_of(vcpu.vm().vcpus().begin(), vcpu.vm().vcpus().end(),
                           [&vcpu](const auto& v) { return v.get() != &vcpu && v->loaded(); });
    };
    if (!options_.threads && pcpu && pcpu->runqueue.empty() && !gang_policy() && others_run()) {
        vcpu.make_request(kRequestEndSlice);
        return;
    }
    if (!vcpu.vm().exclusive_monitor().begin_wait(vcpu.id())) return;
    vcpu.state = VcpuState::Blocked;
    vcpu.waits_for_event = true;
    // The event stream ends the wait too, at its next trigger. (One that came before this WFE
    // would have set the register; this loop does not keep it, so such a WFE waits up to a
    // period more, as if it had come just before the trigger.)
    const auto tick = next_event_stream_tick(vcpu.sysreg(SysregId::CNTKCTL_EL1), vcpu.counter());
    vcpu.event_stream_ns = tick && *tick < kNever / kNanosecondsPerTick - vcpu.vm().counter_offset
                               ? (*tick + vcpu.vm().counter_offset) * kNanosecondsPerTick
                               : kNever;
}

// The physical timer interrupted the guest between two instructions: "next" is where it was.
void Monitor::apply_after_timer(Vcpu& vcpu, Action& action) {
    switch (action.kind) {
        case Action::Kind::ResumeNext: break;
        case Action::Kind::ResumeAt: vcpu.set_pc(action.pc); break;
        case Action::Kind::Forwarded: count_forwarded(vcpu); break;
        case Action::Kind::Yield:
            if (vcpu.loaded()) vcpu.pcpu->reschedule = true;
            break;
        case Action::Kind::Block: vcpu.state = VcpuState::Blocked; break;
        case Action::Kind::WaitForEvent: wait_for_event(vcpu); break;
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

// ---- the trace ----

void Monitor::trace(const Vcpu& vcpu, TraceEvent::Kind kind, std::string what, std::string_view action,
                    const Exit* exit, std::vector<RegisterChange> changes, std::uint32_t forwarded_esr) {
    TraceEvent e;
    e.kind = kind;
    e.time_ns = vcpu.loaded() ? vcpu.pcpu->clock_ns : vcpu.clock_ns;
    e.pcpu = vcpu.loaded() ? vcpu.pcpu->id : vcpu.home;
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
    } else {
        e.esr = forwarded_esr;
    }
    e.what = std::move(what);
    e.action = std::string(action);
    e.changes = std::move(changes);
    e.blocked = vcpu.state == VcpuState::Blocked;
    tracer_.emit(e);
}

void Monitor::trace_switch(const PhysicalCpu& pcpu, const Vcpu* from, const Vcpu* to) {
    TraceEvent e;
    e.kind = &from->vm() == &to->vm() ? TraceEvent::Kind::VcpuSwitch : TraceEvent::Kind::VmSwitch;
    e.time_ns = pcpu.clock_ns;
    e.pcpu = pcpu.id;
    e.vm = to->vm().id();
    e.vcpu = to->id();
    e.pc = to->pc();
    e.symbol = to->vm().image().describe(e.pc);
    const bool same_vm = &from->vm() == &to->vm();
    e.what = fmt::format("{} {}/vcpu{} -> {}/vcpu{}", same_vm ? "vCPU switch" : "VM switch", from->vm().name(),
                         from->id(), to->vm().name(), to->id());
    e.action = "saved the context of the one, restored the other's";
    tracer_.emit(e);
}

}  // namespace trapeze
