// The --threads mode: one host thread per pCPU, guest code outside the VMM lock.
#include "vmm/threaded_runner.h"

#include <pthread.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <exception>
#include <limits>
#include <thread>

#include <fmt/format.h>

#include "vmm/console_input.h"
#include "vmm/monitor.h"

namespace trapeze {
namespace {

constexpr std::uint64_t kNever = std::numeric_limits<std::uint64_t>::max();
// How long an idle pCPU sleeps before it looks at the clocks of the busy ones again.
constexpr std::chrono::microseconds kIdlePoll{200};
// How long a pCPU waits, with a control socket, when nothing can run until a command comes.
constexpr std::chrono::milliseconds kCommandPoll{50};

}  // namespace

void ThreadedRunner::FairLock::lock() {
    const std::uint32_t ticket = next_.fetch_add(1, std::memory_order_relaxed);
    for (std::uint32_t serving; (serving = serving_.load(std::memory_order_acquire)) != ticket;)
        serving_.wait(serving, std::memory_order_acquire);
}

void ThreadedRunner::FairLock::unlock() {
    serving_.fetch_add(1, std::memory_order_release);
    serving_.notify_all();
}

ThreadedRunner::ThreadedRunner(Monitor& monitor)
    : monitor_(monitor), control_(monitor.control_), running_(monitor.pcpu_count()) {}

void ThreadedRunner::run() {
    std::exception_ptr failure;
    std::mutex failure_lock;
    const auto fail = [this, &failure, &failure_lock] {
        // The handlers' own failures stop their VM; anything else ends the whole run.
        {
            const std::lock_guard first(failure_lock);
            if (!failure) failure = std::current_exception();
        }
        const std::lock_guard vmm(lock_);
        end_run();
    };
    // With a control socket, SIGINT and SIGTERM go to the control's thread (this one): its
    // wait for the socket ends at once.
    sigset_t signals, previous;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    if (control_) pthread_sigmask(SIG_BLOCK, &signals, &previous);
    std::vector<std::thread> threads;
    for (auto& p : monitor_.pcpus_) {
        threads.emplace_back([this, &p, &fail] {
            try {
                pcpu_loop(*p);
            } catch (...) {
                fail();
            }
        });
    }
    if (control_) {
        pthread_sigmask(SIG_SETMASK, &previous, nullptr);
        try {
            control_loop(*control_);
        } catch (...) {
            fail();
        }
    }
    for (std::thread& t : threads) t.join();
    if (failure) std::rethrow_exception(failure);
}

void ThreadedRunner::end_run() {
    done_ = true;
    for (auto& p : monitor_.pcpus_) p->cpu.kick();
    changed_.notify_all();
}

bool ThreadedRunner::any_vm_running() const {
    return std::any_of(monitor_.vms_.begin(), monitor_.vms_.end(), [](const Vm* vm) { return vm->running(); });
}

void ThreadedRunner::pcpu_loop(PhysicalCpu& pcpu) {
    Guard guard(lock_);
    while (!done_) {
        if (holding_) {  // the control applies commands: wait until it is done
            changed_.wait(guard);
            continue;
        }
        if (!any_vm_running()) {
            if (control_) {  // a command may start more
                changed_.wait_for(guard, kCommandPoll);
                continue;
            }
            done_ = true;
            changed_.notify_all();
            break;
        }
        monitor_.drop_stopped(pcpu);
        monitor_.wake_sleepers(pcpu);
        if (!pcpu.current) monitor_.switch_in(pcpu);
        if (!pcpu.current) {
            idle(pcpu, guard);
            continue;
        }
        Vcpu& vcpu = *pcpu.current;
        Running& running = running_[pcpu.id];
        running.in_slice = true;
        run_slice(pcpu, vcpu, guard);
        if (control_) control_->after_slice();  // a forced power-off, the events of VMs that stopped
        if (!vcpu.vm().running()) {
            kick_stopped(&pcpu);  // drop_stopped puts it away
        } else if (vcpu.state != VcpuState::Runnable || pcpu.reschedule) {
            pcpu.reschedule = false;
            monitor_.switch_out(pcpu);
        }
        if (control_) kick_stopped(&pcpu);
        running.in_slice = false;
        changed_.notify_all();  // a handler may have woken vCPUs queued on other pCPUs; the control may wait
    }
}

// Monitor::run_slice without the debug agent and the lock-step grain: the VMM lock is let go
// while the guest runs, and taken again by the exit hook and after the slice.
void ThreadedRunner::run_slice(PhysicalCpu& pcpu, Vcpu& vcpu, Guard& guard) {
    Vm& vm = vcpu.vm();
    vcpu.requests &= ~kRequestsForRunLoop;
    monitor_.update_interrupt_lines(vcpu);
    monitor_.deliver_interrupts(vcpu);
    vcpu.sync_to_cpu();
    if (!vm.running()) return;
    const std::uint64_t deadline_ns = monitor_.timer_deadline_ns(vcpu);
    const std::uint64_t until_timer = deadline_ns == kNever ? kNever : deadline_ns - pcpu.clock_ns;
    const std::uint64_t slice = std::min({pcpu.quantum_left, vm.budget_left, until_timer});
    Running& running = running_[pcpu.id];
    running = {this, &pcpu, &vcpu, pcpu.clock_ns, true};  // (in the slice pcpu_loop began)
    pcpu.cpu.set_exit_hook(exit_hook, &running);
    guard.unlock();
    const RunResult& result = pcpu.cpu.run(slice);
    guard.lock();
    pcpu.cpu.set_exit_hook(nullptr, nullptr);
    pcpu.clock_ns = running.slice_start_ns + result.retired;
    pcpu.busy_ns += result.retired;
    vcpu.retired += result.retired;
    charge(vcpu, result.retired);
    pcpu.quantum_left -= result.retired;
    // The VM's other vCPUs ran meanwhile on their own threads: together they may overrun its
    // budget by up to a slice each.
    vm.budget_left -= std::min(vm.budget_left, result.retired);

    if (result.exit.reason == ExitReason::Exception && !result.exit_handled) monitor_.handle_exit(vcpu, result.exit);
    monitor_.wake_event_waiters(vm, pcpu.clock_ns);
    if (!vm.running()) return;
    if (pcpu.quantum_left == 0) monitor_.physical_timer_expired(pcpu, vcpu);
    monitor_.stop_if_over_budget(vcpu);
}

// An exception exit, handled while the interpreter is still on the stack (Monitor::exit_fastpath
// under the VMM lock).
bool ThreadedRunner::exit_hook(void* context, const Exit& exit) {
    const Running& running = *static_cast<const Running*>(context);
    ThreadedRunner& runner = *running.runner;
    Vcpu& vcpu = *running.vcpu;
    const std::lock_guard hold(runner.lock_);
    running.pcpu->clock_ns = running.slice_start_ns + running.pcpu->cpu.retired_in_run();
    runner.monitor_.handle_exit(vcpu, exit);
    runner.changed_.notify_all();
    if (!vcpu.vm().running()) {
        runner.kick_stopped(running.pcpu);
        return false;
    }
    return vcpu.state == VcpuState::Runnable && !running.pcpu->reschedule && !(vcpu.requests & kRequestsForRunLoop);
}

void ThreadedRunner::kick_stopped(const PhysicalCpu* self) {
    for (auto& p : monitor_.pcpus_)
        if (p.get() != self && p->current && !p->current->vm().running()) p->cpu.kick();
}

void ThreadedRunner::idle(PhysicalCpu& pcpu, Guard& guard) {
    // The earliest timer of the vCPUs that sleep here, and of those that sleep anywhere.
    auto earliest_timer = [this](unsigned pcpu_id) {
        std::uint64_t next = kNever;
        for (const Vcpu* v : monitor_.sleeping_[pcpu_id])
            if (v->vm().running()) next = std::min(next, monitor_.timer_deadline_ns(*v));
        return next;
    };
    const std::uint64_t mine = earliest_timer(pcpu.id);
    std::uint64_t busy_clock = kNever;  // the clock of the slowest pCPU that runs a vCPU
    bool all_idle = true;
    for (auto& p : monitor_.pcpus_) {
        if (p.get() == &pcpu) continue;
        if (p->current) busy_clock = std::min(busy_clock, p->clock_ns);
        if (p->current || !p->runqueue.empty()) all_idle = false;
    }
    auto move_clock_to = [&pcpu](std::uint64_t t) {
        if (t <= pcpu.clock_ns) return;
        pcpu.idle_ns += t - pcpu.clock_ns;
        pcpu.clock_ns = t;
    };
    if (all_idle && idle_ + 1 == monitor_.pcpu_count()) {
        // Nothing runs anywhere: only a timer can bring anything back.
        std::uint64_t first = kNever;
        for (auto& p : monitor_.pcpus_) first = std::min(first, earliest_timer(p->id));
        if (first == kNever) {
            monitor_.stop_if_stuck();
            if (control_) {  // a command may start more
                control_->after_slice();  // (the events of the VMs that stopped)
                changed_.wait_for(guard, kCommandPoll);
                return;
            }
            end_run();
            return;
        }
        if (mine == first) {
            move_clock_to(mine);  // the next event of the whole machine is here
            return;
        }
    } else if (busy_clock != kNever) {
        move_clock_to(std::min(mine, busy_clock));  // time goes on while the others run
        if (mine != kNever && pcpu.clock_ns >= mine) return;
    }
    ++idle_;
    changed_.wait_for(guard, kIdlePoll);
    --idle_;
}

// ---- the control's thread ----

void ThreadedRunner::control_loop(MachineControl& control) {
    Guard guard(lock_);
    control_guard_ = &guard;
    while (!done_) {
        control.serve(*this);
        if (console_may_go_in()) monitor_.pump_console(false);  // the first VM's console input
        holding_ = false;
        kick_stopped(nullptr);  // a command (or a forced power-off) stopped a VM whose vCPUs run
        changed_.notify_all();  // a VM booted, resumed or reset; the held pCPUs go on
        if (control.quit_requested() || monitor_.console_quit()) end_run();
    }
    control_guard_ = nullptr;
}

// Piped input goes in only while the first VM waits (none of its vCPUs on a pCPU): a line
// that came while its receive handler runs -- after it read the FIFO empty, before it wrote
// UARTICR -- would have its interrupts cleared unseen. (The lock-step loop gives input at
// moments of virtual time, which a run repeats.) Typed input goes in at once.
bool ThreadedRunner::console_may_go_in() const {
    const ConsoleInput* input = monitor_.console_input_;
    if (!input || monitor_.vms_.empty()) return false;
    if (input->terminal()) return true;
    for (auto& v : monitor_.vms_.front()->vcpus())
        if (v->loaded()) return false;
    return true;
}

void ThreadedRunner::hold(const Vm* vm) {
    holding_ = true;
    const auto runs_it = [this, vm](const PhysicalCpu& p) {
        return running_[p.id].in_slice && p.current && (!vm || &p.current->vm() == vm);
    };
    for (auto& p : monitor_.pcpus_)
        if (runs_it(*p)) p->cpu.kick();
    changed_.wait(*control_guard_, [&] {
        return done_ || std::none_of(monitor_.pcpus_.begin(), monitor_.pcpus_.end(),
                                     [&](const auto& p) { return runs_it(*p); });
    });
}

}  // namespace trapeze
