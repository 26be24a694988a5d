// The monitor's run loop: runs the vCPUs of every VM on the physical CPUs, dispatches their
// exits by exception class to the version's handlers, switches vCPUs when a handler asks
// (saving and restoring their contexts through the version's hooks), keeps virtual time, and
// delivers virtual interrupts.
//
// The default mode is deterministic: every pCPU runs in this one host thread, and the pCPU
// whose next event comes first runs next, for at most one lock-step slice at a time, so the
// same scenario gives the same trace on every run. With MonitorOptions::threads each pCPU
// runs on its own host thread instead (vmm/threaded_runner.h): faster, not deterministic.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <string_view>
#include <vector>

#include "vmm/debug_agent.h"
#include "vmm/exit_handlers.h"
#include "vmm/physical_cpu.h"
#include "vmm/scheduler.h"
#include "vmm/trace.h"
#include "vmm/vm.h"

namespace trapeze {

class ConsoleInput;

// What the control's own thread gets from the --threads runner: the VMM lock (held when
// MachineControl::serve is called) and a way to take a VM's vCPUs off their host threads.
class ThreadedMachine {
public:
    virtual ~ThreadedMachine() = default;
    // Let the VMM lock go (to wait for the socket), and take it again.
    virtual void unlock() = 0;
    virtual void lock() = 0;
    // Until serve() returns, no pCPU runs a vCPU of `vm` (null: of any VM): those in a slice
    // are kicked and waited for; the others start no slice.
    virtual void hold(const Vm* vm) = 0;
};

// What may change the machine's VMs while it runs (the control socket, vmm/control/): the
// monitor's loop lets it act between two slices, and waits on it when nothing can run.
class MachineControl {
public:
    virtual ~MachineControl() = default;
    // Between two slices (no interpreter on the stack): apply what was asked, without waiting.
    virtual void between_slices() = 0;
    // Nothing can run now: wait until something is asked. False: the run is over (quit).
    virtual bool wait_while_idle() = 0;
    virtual bool quit_requested() const = 0;

    // ---- --threads: the control runs on a host thread of its own
    // A pCPU's thread after each of its slices, under the VMM lock: what the VMs did by
    // themselves (no waiting, no I/O).
    virtual void after_slice() {}
    // One round of the control's thread, called under the VMM lock: wait a little for
    // requests (with the lock let go), then apply them. The run ends once quit_requested().
    virtual void serve(ThreadedMachine& machine) {
        machine.unlock();
        machine.lock();
    }
};

struct MonitorOptions {
    std::uint64_t quantum = 20'000;            // the physical timer: instructions per time slice
    std::uint64_t budget = 5'000'000'000ull;   // instructions before a runaway VM is stopped (per VM)
    unsigned pcpus = 1;                        // physical CPUs
    SchedulerPolicy policy = SchedulerPolicy::RoundRobin;
    // With several pCPUs: how many instructions one runs before the one whose clock is
    // furthest behind gets its turn (the grain at which vCPUs of one VM interleave).
    std::uint64_t lockstep_slice = 1'000;
    bool balance = false;  // an idle pCPU takes a ready vCPU from another pCPU's run queue
    bool threads = false;  // each pCPU on its own host thread (not deterministic; no debug agent)
};

class Monitor {
public:
    Monitor(const VersionHooks& hooks, Tracer& tracer, MonitorOptions options);
    Monitor(const Monitor&) = delete;
    Monitor& operator=(const Monitor&) = delete;

    // Put a VM on the machine: its boot vCPU joins a pCPU's run queue (by the VM's
    // placement), its other vCPUs wait for PSCI CPU_ON.
    void add(Vm& vm);
    // Run until every VM has stopped (with a MachineControl: until it says quit).
    void run();
    // Run one VM alone (v1..v4).
    void run(Vm& vm) {
        add(vm);
        run();
    }

    const VersionHooks& hooks() const { return hooks_; }
    Tracer& tracer() { return tracer_; }
    // A debugger or progress display to consult before and after each slice (null: none).
    void set_debug_agent(DebugAgent* agent) { debug_agent_ = agent; }
    // The host's console input for the first VM's PL011 (null: none). It is taken at moments
    // the guest's virtual time decides -- when the VM idles, at each expiry of the quantum, and
    // when nothing else could ever run -- so piped input gives the same run every time.
    void set_console_input(ConsoleInput* input) { console_input_ = input; }
    // The console input's file while the first VM can take some now (-1: no input, or not now),
    // for a control socket to wait on beside its own.
    int console_wake_fd() const;
    const MonitorOptions& options() const { return options_; }
    PhysicalCpu& pcpu(unsigned i) { return *pcpus_.at(i); }
    unsigned pcpu_count() const { return static_cast<unsigned>(pcpus_.size()); }
    const std::vector<Vm*>& vms() const { return vms_; }

    // ---- VMs that come, pause and go while the machine runs (between slices only)
    void set_control(MachineControl* control) { control_ = control; }
    // Its vCPUs leave the run queues, the sleepers and the pCPU running them (context saved).
    void pause(Vm& vm);
    // Each of its vCPUs comes back as it was: ready (to its home pCPU's run queue), or
    // waiting in WFI; a vCPU that is off stays off.
    void resume(Vm& vm);
    // The VM leaves the machine (to be destroyed, or reset and added again): no pCPU, run
    // queue or interpreter keeps a pointer into it.
    void remove(Vm& vm);
    // The machine's virtual time now: where the lock-step loop is (the earliest pCPU with
    // something to run; when nothing runs, the latest clock).
    std::uint64_t now_ns() const;
    // A VM's virtual time now: the latest clock of its vCPUs (with --threads each pCPU keeps
    // its own time, and a VM's events are stamped with the VM's).
    std::uint64_t vm_now_ns(Vm& vm) const;

    // Dispatch one exit to the version's handler and apply its Action (public for tests).
    void handle_exit(Vcpu& vcpu, const Exit& exit);
    // Deliver a pending virtual interrupt, if the GIC signals one (public for tests).
    void deliver_interrupts(Vcpu& vcpu);
    // `vcpu` may run again (an interrupt, PSCI CPU_ON, an event): if it waits, it joins the
    // run queue of the pCPU it waits on, whose clock catches up with `now_ns`.
    void wake(Vcpu& vcpu, std::uint64_t now_ns);

private:
    friend class SnapshotAccess;  // vmm/snapshot.cpp saves and restores the pCPUs and run queues
    friend class ThreadedRunner;  // the --threads loop: the same steps, one host thread per pCPU

    // ---- the loop
    PhysicalCpu* next_pcpu();                  // the pCPU whose next event comes first
    std::uint64_t next_event_ns(const PhysicalCpu& pcpu) const;
    void step(PhysicalCpu& pcpu);              // one slice (or one idle step) of one pCPU
    void run_slice(PhysicalCpu& pcpu, Vcpu& vcpu);
    static bool exit_fastpath(void* context, const Exit& exit);
    void wake_sleepers(PhysicalCpu& pcpu);     // blocked vCPUs whose interrupt or timer came
    bool wakes(const Vcpu& vcpu) const;
    std::string_view end_wait(Vcpu& vcpu);      // a blocked vCPU is runnable again; why, for the trace
    void wake_event_waiters(Vm& vm, std::uint64_t now_ns);  // those waiting in WFE an event reached
    bool could_steal(const PhysicalCpu& pcpu) const;
    void update_interrupt_lines(Vcpu& vcpu);
    std::uint64_t timer_deadline_ns(const Vcpu& vcpu) const;  // max(): never
    void stop_if_stuck();                       // nothing can ever run again: say why
    bool pump_console(bool wait);               // console input into the PL011; true if some went in
    // With a control socket the run waits for commands, not for the console: the first VM,
    // which input may still wake, is not stuck; Ctrl-A x ends the run as `quit` does.
    bool console_may_wake(const Vm& vm) const;
    bool console_quit() const;

    // ---- switching vCPUs (save -> pick -> restore)
    void switch_out(PhysicalCpu& pcpu);
    void switch_in(PhysicalCpu& pcpu);
    Vcpu* take_yield_target(PhysicalCpu& pcpu);  // a directed yield's target, if it may run here
    void drop_stopped(PhysicalCpu& pcpu);
    void take_out(Vm& vm);  // pause and remove: no pCPU, run queue or sleeper holds its vCPUs

    // ---- handlers and their Actions
    Action dispatch(Vcpu& vcpu, const Exit& exit);  // the version's handler for the exit's EC
    void apply(Vcpu& vcpu, const Exit& exit, Action& action);
    void apply_after_timer(Vcpu& vcpu, Action& action);
    void wait_for_event(Vcpu& vcpu);
    // The end of a slice, in both loops: the physical timer's exit, and a VM's budget.
    void physical_timer_expired(PhysicalCpu& pcpu, Vcpu& vcpu);
    void stop_if_over_budget(Vcpu& vcpu);
    static void count_forwarded(Vcpu& vcpu);
    void handle_exit_traced(Vcpu& vcpu, const Exit& exit);
    void trace(const Vcpu& vcpu, TraceEvent::Kind kind, std::string what, std::string_view action,
               const Exit* exit = nullptr, std::vector<RegisterChange> changes = {},
               std::uint32_t forwarded_esr = 0);
    void trace_switch(const PhysicalCpu& pcpu, const Vcpu* from, const Vcpu* to);

    // ---- the gang policy (vmm/monitor_gang.cpp; the design is in vmm/scheduler.h)
    bool gang_policy() const { return options_.policy == SchedulerPolicy::Gang; }
    std::uint64_t gang_next_event_ns(const PhysicalCpu& pcpu) const;  // the turn's end: done for the turn
    bool rotate_gang_if_over();  // false: no VM can ever run again

    VersionHooks hooks_;
    Tracer& tracer_;
    MonitorOptions options_;
    std::vector<std::unique_ptr<PhysicalCpu>> pcpus_;
    std::vector<Vm*> vms_;
    DebugAgent* debug_agent_ = nullptr;
    ConsoleInput* console_input_ = nullptr;
    MachineControl* control_ = nullptr;
    // What an interpreter is attached to once the VM it ran has left the machine.
    GuestMemory no_memory_{kRamBase, 4096};

    // Blocked vCPUs, each waiting on the pCPU it last ran on.
    std::vector<std::vector<Vcpu*>> sleeping_;

    // What the exit fast path needs to know about the slice running now.
    struct Running {
        Monitor* monitor = nullptr;
        PhysicalCpu* pcpu = nullptr;
        Vcpu* vcpu = nullptr;
        std::uint64_t slice_start_ns = 0;
    };
    Running running_;

    const Vm* gang_ = nullptr;       // the VM whose turn it is (gang policy)
    std::uint64_t gang_end_ns_ = 0;  // when its turn ends, on every pCPU
};

}  // namespace trapeze
