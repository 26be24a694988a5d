// The monitor's run loop: runs vCPUs on physical CPUs, dispatches their exits by exception
// class to the version's handlers, keeps virtual time, and delivers virtual interrupts.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "vmm/exit_handlers.h"
#include "vmm/physical_cpu.h"
#include "vmm/trace.h"
#include "vmm/vm.h"

namespace trapeze {

struct MonitorOptions {
    std::uint64_t quantum = 20'000;            // the physical timer: instructions per time slice
    std::uint64_t budget = 5'000'000'000ull;   // instructions before a runaway VM is stopped
};

class Monitor {
public:
    Monitor(const VersionHooks& hooks, Tracer& tracer, MonitorOptions options);

    // Run one VM on one physical CPU until it stops (v1..v4).
    void run(Vm& vm);

    const VersionHooks& hooks() const { return hooks_; }
    PhysicalCpu& pcpu(unsigned i) { return pcpus_.at(i); }

    // Dispatch one exit to the version's handler and apply its Action (public for tests).
    void handle_exit(Vcpu& vcpu, const Exit& exit);
    // Deliver a pending virtual interrupt, if the GIC signals one (public for tests).
    void deliver_interrupts(Vcpu& vcpu);

private:
    void run_slice(Vcpu& vcpu, std::uint64_t& quantum_left);
    static bool exit_fastpath(void* context, const Exit& exit);
    bool idle(Vcpu& vcpu);  // a blocked vCPU: wake it or skip time ahead; false if it never wakes
    void update_interrupt_lines(Vcpu& vcpu);
    std::uint64_t instructions_until_timer(const Vcpu& vcpu) const;
    Action dispatch(Vcpu& vcpu, const Exit& exit);  // the version's handler for the exit's EC
    void apply(Vcpu& vcpu, const Exit& exit, Action& action);
    void apply_after_timer(Vcpu& vcpu, Action& action);
    static void count_forwarded(Vcpu& vcpu);
    void trace(const Vcpu& vcpu, TraceEvent::Kind kind, std::string what, std::string_view action,
               const Exit* exit = nullptr);

    VersionHooks hooks_;
    Tracer& tracer_;
    MonitorOptions options_;
    std::vector<PhysicalCpu> pcpus_;
    std::uint64_t budget_left_;

    // What the exit fast path needs to know about the slice running now.
    struct Running {
        Monitor* monitor = nullptr;
        Vcpu* vcpu = nullptr;
        std::uint64_t slice_start_ns = 0;
    };
    Running running_;
};

}  // namespace trapeze
