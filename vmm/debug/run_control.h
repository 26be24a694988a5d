// What stops a run under a debugger, shared by the stepper and the GDB stub: single steps,
// "until the next trap", breakpoints on addresses and symbols, on kinds of trap, on switches,
// and watchpoints. The interpreter has no breakpoint slot yet, so an armed breakpoint or
// watchpoint makes every slice one instruction long and the check happens after each one:
// correct, and slow (see README "What is partial").
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vmm/debug_agent.h"
#include "vmm/migration.h"
#include "vmm/trace.h"

namespace trapeze {

class Monitor;
class Vm;
class Vcpu;

struct Breakpoint {
    enum class Kind : std::uint8_t { Address, Trap, Switch, Watch };
    unsigned id = 0;
    Kind kind = Kind::Address;
    std::uint64_t address = 0;  // Address, Watch (a virtual address)
    std::uint64_t length = 0;   // Watch: bytes compared
    std::string trap;           // Trap: svc, hvc, wfi, eret, msr, mrs, abort, irq, undef, timer
    std::string reg;            // Trap msr/mrs: the system register, or "" for any
    std::string text;           // how it reads: "main+0x10", "trap msr VBAR_EL1", "watch 0x40080000 8"
    std::vector<std::uint8_t> contents;  // Watch: the bytes last seen
    // The VM (its id) it stops in, or any. Addresses are per VM: two VMs often run the same
    // guest at the same addresses. A watchpoint always has one, and reads memory through the
    // translation of `vcpu` of that VM.
    std::optional<unsigned> vm;
    unsigned vcpu = 0;
    bool in_vm(unsigned id) const { return !vm || *vm == id; }
};

// The trap kinds `break trap KIND` knows, with a line of help each.
struct TrapKind {
    std::string_view name;
    std::string_view help;
};
extern const std::vector<TrapKind> kTrapKinds;

class VmLifecycle;

class RunControl : public DebugAgent {
public:
    RunControl(Vm& vm, std::string_view version);

    // ---- what the front end asks for (between slices, while the run is held)
    // Run `count` steps: an instruction retired, or a trap handled; with `only`, steps of that
    // vCPU (the others run meanwhile as the monitor runs them: GDB's step of one thread).
    void step(std::uint64_t count, const Vcpu* only = nullptr);
    void next_trap();                // run until the next VM exit (a trap, or the physical timer)
    void resume();                   // run until something stops it
    void stop(std::string why);      // hold the run at the next boundary
    void detach();                   // forget every breakpoint; never stop again
    bool held() const { return mode_ == Mode::Held; }

    // ---- reverse execution (vmm/debug/reverse.cpp). While the run goes forward, the machine
    // is checkpointed (an in-memory snapshot) every so many steps; going back restores the
    // nearest checkpoint before the target and replays to it, which the deterministic mode
    // makes exact. Each throws std::invalid_argument when there is no history to use.
    void attach_monitor(Monitor& monitor) { monitor_ = &monitor; }
    // The VMs' lifecycle (vmm/control/lifecycle.h), for the `vm` command's verbs.
    void attach_lifecycle(VmLifecycle& lifecycle) { lifecycle_ = &lifecycle; }
    VmLifecycle* lifecycle() const { return lifecycle_; }
    // Steps so far: instructions retired, traps handled and vIRQs taken (what `step` counts).
    std::uint64_t position() const;
    void reverse_step(std::uint64_t count);
    void reverse_continue();   // back to the last point where a breakpoint stopped the run
    void reverse_next_trap();  // back to just after the last trap (VM exit)
    void go_to(std::uint64_t position);
    // A register or memory was written by hand: the history before now cannot be replayed.
    void state_changed();
    void set_checkpoint_interval(std::uint64_t steps) { checkpoint_interval_ = steps; }
    std::size_t checkpoint_count() const { return checkpoints_.size(); }
    // The earliest step going back can reach (the first checkpoint), if any.
    std::optional<std::uint64_t> history_start() const;
    bool at_history_start() const { return at_history_start_; }
    // `snapshot FILE`: the whole machine to a file; returns its size in bytes.
    std::uint64_t save_snapshot_to(const std::string& path);

    // `migrate ADDRESS`: a live migration of the VM starts now, and the run's slices drive its
    // rounds from then on (vmm/migration.h). Throws std::invalid_argument if one is going.
    const Migration& start_migration(MigrationOptions options, MigrationEvents events);

    // Returns the new breakpoint's description, or throws std::invalid_argument.
    // `only_in`: the VM it is limited to (Breakpoint::vm); a watchpoint is in `vcpu`'s VM.
    const Breakpoint& add_address(std::uint64_t address, std::string text, const Vm* only_in = nullptr);
    const Breakpoint& add_trap(std::string_view kind, std::string_view reg, const Vm* only_in = nullptr);
    // `which`: "" any switch, "vm" a VM switch, "vcpu" a vCPU switch (within one VM).
    const Breakpoint& add_switch(std::string_view which = "", const Vm* only_in = nullptr);
    const Breakpoint& add_watch(Vcpu& vcpu, std::uint64_t address, std::uint64_t length);
    bool remove(unsigned id);
    bool remove_address(std::uint64_t address, std::optional<unsigned> vm = std::nullopt);  // GDB's z0/z1
    bool remove_watch(std::uint64_t address, std::uint64_t length);
    void remove_all() { breakpoints_.clear(); }
    const std::vector<Breakpoint>& breakpoints() const { return breakpoints_; }
    std::vector<std::uint64_t> breakpoint_addresses() const;

    const TraceEvent* last_trap() const { return last_trap_ ? &*last_trap_ : nullptr; }
    const std::string& stop_reason() const { return stop_reason_; }
    // A watchpoint stop: the watched address that changed (GDB reports it).
    std::optional<std::uint64_t> watch_hit() const { return watch_hit_; }
    bool stopped_at_breakpoint() const { return breakpoint_hit_; }
    std::string_view version() const { return version_; }
    Vm& vm() { return vm_; }

    // ---- the whole machine: every VM and vCPU the monitor runs (one VM before it is attached)
    const std::vector<Vm*>& machine_vms() const;
    bool machine_running() const;  // some VM still runs
    // Several VMs, vCPUs or pCPUs: the stepper names the VM and vCPU of what it shows.
    bool several_vcpus() const;
    bool several_vms() const { return machine_vms().size() > 1; }
    // End the whole run (quit, GDB's kill): every VM stops with `why`.
    void stop_machine(const std::string& why);
    // The vCPU the inspection commands look at: where the run was held last, or the one
    // `focus` chose since. `spec` names it: "web", "web.1", "web/vcpu1", "1" (index), "1.0".
    Vcpu& focus();
    void set_focus(Vcpu& vcpu) { focus_ = &vcpu; }
    Vcpu& find_vcpu(std::string_view spec) const;
    Vm& find_vm(std::string_view spec) const;
    // A vCPU by its VM's id and its own, if the machine still has it.
    Vcpu* vcpu_by_id(unsigned vm, unsigned vcpu) const;
    // "kernel/vcpu0 on pCPU0", the words the trace uses.
    static std::string describe(const Vcpu& vcpu);

    // Every trace event, as it happens (the front end adds a sink that calls this).
    void observe(const TraceEvent& event);

    // ---- DebugAgent
    std::uint64_t before_slice(Vcpu& vcpu) override;
    void after_slice(Vcpu& vcpu, const RunResult& result) override;
    // Until the debugger lets go, each exit ends its slice so that every stop sees the state
    // right after the trap; once detached, the run goes at full speed.
    bool exits_end_slices() const override { return mode_ != Mode::Detached || quiet_; }

protected:
    // The run is held: talk to the person (or GDB) until they resume it, quit or stop the VM.
    virtual void on_hold(Vcpu& vcpu) = 0;
    // An event happened while running: the stepper prints it during a step.
    virtual void on_event(const TraceEvent&) {}
    // Should a running run stop now (Ctrl-C, GDB's interrupt)? Polled between slices.
    virtual bool interrupt_requested() { return false; }

    enum class Mode : std::uint8_t { Held, Step, NextTrap, Running, Detached, Replay };
    Mode mode() const { return mode_; }

private:
    bool check_breakpoints(Vcpu& vcpu);
    void refresh_watches();
    bool trap_matches(const Breakpoint& b, const TraceEvent& e) const;
    static bool class_matches(std::string_view trap, std::string_view reg, const TraceEvent& e);
    Breakpoint& add(Breakpoint b);
    // Reverse execution: replay towards the target (a slice limit), or nullopt once it holds
    // or must look again (a scan moved to an earlier checkpoint).
    std::optional<std::uint64_t> replay();
    void begin_replay(std::uint64_t target, std::string reason);
    void record_checkpoint(std::uint64_t now);  // `now`: position(), which sums every vCPU's counts
    void restore_checkpoint(std::size_t index);
    Monitor& reverse_monitor() const;
    bool replayable() const;
    bool checks_breakpoints() const;  // not while replaying, unless scanning for them
    std::uint64_t quiet_until_furthest(std::uint64_t limit, std::uint64_t now);

    Vm& vm_;
    std::vector<Vm*> lone_vm_;  // {&vm_}: the machine until the monitor is attached
    Vcpu* focus_ = nullptr;
    const Vcpu* last_vcpu_ = nullptr;  // the vCPU of the last slice (pc_after_slice_ is its PC)
    std::string version_;
    Mode mode_ = Mode::Held;
    std::uint64_t steps_left_ = 0;
    const Vcpu* step_only_ = nullptr;  // step(): count only this vCPU's steps
    std::vector<Breakpoint> breakpoints_;
    unsigned next_id_ = 1;
    std::optional<TraceEvent> last_trap_;
    std::string pending_stop_;  // a trap breakpoint or next-trap matched during the slice
    std::string stop_reason_ = "stopped before the first instruction";
    std::optional<std::uint64_t> watch_hit_;
    bool breakpoint_hit_ = false;
    std::uint64_t pc_after_slice_ = ~0ull;

    struct Checkpoint {
        std::uint64_t position = 0;
        std::vector<std::uint8_t> snapshot;
        std::optional<TraceEvent> last_trap;
    };
    enum class Scan : std::uint8_t { None, Breakpoints, Traps };
    Monitor* monitor_ = nullptr;
    VmLifecycle* lifecycle_ = nullptr;
    std::vector<Checkpoint> checkpoints_;
    std::uint64_t checkpoint_interval_ = 0;  // 0: by the VM's RAM (see record_checkpoint)
    std::uint64_t replay_target_ = 0;
    std::optional<std::size_t> replay_from_;  // the checkpoint to restore first
    std::string replay_reason_;
    Scan scan_ = Scan::None;
    std::size_t scan_checkpoint_ = 0;  // the segment being scanned starts here...
    std::uint64_t scan_end_ = 0;       // ...and is replayed to here
    std::uint64_t scan_last_ = 0;      // the latest step a stop found in it may be at
    bool scan_any_ = false;
    std::vector<std::pair<std::uint64_t, std::string>> scan_hits_;
    bool at_history_start_ = false;
    std::uint64_t furthest_ = 0;  // the furthest step the run has reached
    bool quiet_ = false;          // short of it: the trace is quiet, and slices end exactly there
    std::unique_ptr<Migration> migration_;  // `migrate`: polled before each slice
};

// The sink that hands every event to a RunControl.
class RunControlSink final : public TraceSink {
public:
    explicit RunControlSink(RunControl& control) : control_(control) {}
    void write(const TraceEvent& event) override { control_.observe(event); }
    bool follows_replays() const override { return true; }

private:
    RunControl& control_;
};

}  // namespace trapeze
