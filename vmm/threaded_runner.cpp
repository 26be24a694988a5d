// The --threads mode: one host thread per pCPU, guest code outside the VMM lock.
#include "vmm/threaded_runner.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <limits>
#include <thread>

#include <fmt/format.h>

#include "vmm/monitor.h"

namespace trapeze {
namespace {

constexpr std::uint64_t kNever = std::numeric_limits<std::uint64_t>::max();
// How long an idle pCPU sleeps before it looks at the clocks of the busy ones again.
constexpr std::chrono::microseconds kIdlePoll{200};

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

ThreadedRunner::ThreadedRunner(Monitor& monitor) : monitor_(monitor), running_(monitor.pcpu_count()) {}

void ThreadedRunner::run() {
    std::exception_ptr failure;
    std::mutex failure_lock;
    std::vector<std::thread> threads;
    for (auto& p : monitor_.pcpus_) {
        threads.emplace_back([this, &p, &failure, &failure_lock] {
            try {
                pcpu_loop(*p);
            } catch (...) {
                // The handlers' own failures stop their VM; anything else ends the whole run.
                {
                    const std::lock_guard hold(failure_lock);
                    if (!failure) failure = std::current_exception();
                }
                const std::lock_guard hold(lock_);
                done_ = true;
                for (auto& other : monitor_.pcpus_) other->cpu.kick();
                changed_.notify_all();
            }
        });
    }
    for (std::thread& t : threads) t.join();
    if (failure) std::rethrow_exception(failure);
}

bool ThreadedRunner::any_vm_running() const {
    return std::any_of(monitor_.vms_.begin(), monitor_.vms_.end(), [](const Vm* vm) { return vm->running(); });
}

void ThreadedRunner::pcpu_loop(PhysicalCpu& pcpu) {
    Guard guard(lock_);
    while (!done_) {
        if (!any_vm_running()) {
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
        run_slice(pcpu, vcpu, guard);
        changed_.notify_all();  // a handler may have woken vCPUs queued on other pCPUs
        if (!vcpu.vm().running()) {
            kick_stopped(&pcpu);
            continue;  // drop_stopped puts it away
        }
        if (vcpu.state != VcpuState::Runnable || pcpu.reschedule) {
            pcpu.reschedule = false;
            monitor_.switch_out(pcpu);
        }
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
    running = {this, &pcpu, &vcpu, pcpu.clock_ns};
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
            done_ = true;
            for (auto& p : monitor_.pcpus_) p->cpu.kick();
            changed_.notify_all();
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

}  // namespace trapeze
