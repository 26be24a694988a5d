// The --threads mode of the monitor: each pCPU on its own host thread, with its own
// VM_runqueue. Faster than the lock-step loop on a host with several cores, and not
// deterministic: which vCPU gets a lock first, and so the trace, changes from run to run.
//
// Guest code runs without any lock. Everything else -- exit handlers, run queues, the GIC,
// devices, the trace -- runs under one VMM lock (as QEMU's big lock around device emulation
// in its multi-threaded TCG), so the handlers of the lock-step mode run unchanged. What
// crosses threads while guest code runs is atomic: guest RAM through the interpreter's
// atomics and its VM's global exclusive monitor, and kicks. A request for another vCPU (an
// SGI, PSCI CPU_ON, its VM stopping) is made under the lock, then the target's interpreter
// is kicked: it leaves its slice at the next instruction boundary it checks (within 1024
// instructions, Cpu::kAttentionInterval) and its pCPU's thread looks at the request.
//
// Virtual time: each pCPU's clock counts its own retired instructions; an idle pCPU catches
// up with the busy ones (never past its sleepers' next timer), and when every pCPU is idle
// the one with the earliest timer jumps to it.
//
// With a MachineControl (--control) the calling thread serves it: it waits for the socket
// without the lock, then applies the commands under it. A command on a VM first holds the
// pCPUs that run its vCPUs (kicked, they finish their slice and start no other); the other
// pCPUs run on, and only those whose slice ends meanwhile wait for the commands to be done.
// The run ends at `quit` (or a signal), not when no VM is left.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <vector>

#include "emulator/exit.h"
#include "vmm/monitor.h"

namespace trapeze {

class Vcpu;
struct PhysicalCpu;

class ThreadedRunner final : private ThreadedMachine {
public:
    explicit ThreadedRunner(Monitor& monitor);
    ThreadedRunner(const ThreadedRunner&) = delete;
    ThreadedRunner& operator=(const ThreadedRunner&) = delete;

    // Run every pCPU on its own thread until every VM has stopped (or nothing can run again).
    void run();

private:
    // The VMM lock is first come, first served: a pCPU whose vCPUs trap all the time (a
    // spinning waiter that yields at each WFE) would otherwise take it again and again while
    // the pCPU that runs the lock holder waits for it in vain.
    class FairLock {
    public:
        void lock();
        void unlock();

    private:
        std::atomic<std::uint32_t> next_{0};
        std::atomic<std::uint32_t> serving_{0};
    };
    using Guard = std::unique_lock<FairLock>;
    void pcpu_loop(PhysicalCpu& pcpu);
    void run_slice(PhysicalCpu& pcpu, Vcpu& vcpu, Guard& guard);
    // Nothing to run here: wait for a wake-up, or move the clock on (or end a run that is stuck).
    void idle(PhysicalCpu& pcpu, Guard& guard);
    // Every pCPU running a vCPU of a VM that stopped leaves its slice.
    void kick_stopped(const PhysicalCpu* self);
    bool any_vm_running() const;
    static bool exit_hook(void* context, const Exit& exit);

    // ---- the control's thread (ThreadedMachine)
    void control_loop(MachineControl& control);
    void unlock() override { control_guard_->unlock(); }
    void lock() override { control_guard_->lock(); }
    void hold(const Vm* vm) override;
    void end_run();  // every thread leaves its loop
    bool console_may_go_in() const;

    Monitor& monitor_;
    FairLock lock_;                          // the VMM lock: held by everything but guest code
    std::condition_variable_any changed_;   // a run queue, a sleeper or the end of the run changed
    unsigned idle_ = 0;                  // pCPUs waiting in idle()
    bool done_ = false;
    MachineControl* control_ = nullptr;  // the monitor's, if any
    Guard* control_guard_ = nullptr;     // the control thread's hold on the VMM lock
    bool holding_ = false;               // the control applies commands: no pCPU starts a slice

    // What a pCPU's exit hook needs to know about the slice it runs now.
    struct Running {
        ThreadedRunner* runner = nullptr;
        PhysicalCpu* pcpu = nullptr;
        Vcpu* vcpu = nullptr;
        std::uint64_t slice_start_ns = 0;
        bool in_slice = false;  // from the slice's start until its vCPU is put away or goes on
    };
    std::vector<Running> running_;  // by pCPU
};

}  // namespace trapeze
