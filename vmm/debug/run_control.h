// What stops a run under a debugger, shared by the stepper and the GDB stub: single steps,
// "until the next trap", breakpoints on addresses and symbols, on kinds of trap, on switches,
// and watchpoints. The interpreter has no breakpoint slot yet, so an armed breakpoint or
// watchpoint makes every slice one instruction long and the check happens after each one:
// correct, and slow (see README "What is partial").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vmm/debug_agent.h"
#include "vmm/trace.h"

namespace trapeze {

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
};

// The trap kinds `break trap KIND` knows, with a line of help each.
struct TrapKind {
    std::string_view name;
    std::string_view help;
};
extern const std::vector<TrapKind> kTrapKinds;

class RunControl : public DebugAgent {
public:
    RunControl(Vm& vm, std::string_view version);

    // ---- what the front end asks for (between slices, while the run is held)
    void step(std::uint64_t count);  // run `count` steps: an instruction retired, or a trap handled
    void next_trap();                // run until the next VM exit (a trap, or the physical timer)
    void resume();                   // run until something stops it
    void stop(std::string why);      // hold the run at the next boundary
    void detach();                   // forget every breakpoint; never stop again
    bool held() const { return mode_ == Mode::Held; }

    // Returns the new breakpoint's description, or throws std::invalid_argument.
    const Breakpoint& add_address(std::uint64_t address, std::string text);
    const Breakpoint& add_trap(std::string_view kind, std::string_view reg);
    const Breakpoint& add_switch();
    const Breakpoint& add_watch(Vcpu& vcpu, std::uint64_t address, std::uint64_t length);
    bool remove(unsigned id);
    bool remove_address(std::uint64_t address);  // GDB's z0/z1
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

    // Every trace event, as it happens (the front end adds a sink that calls this).
    void observe(const TraceEvent& event);

    // ---- DebugAgent
    std::uint64_t before_slice(Vcpu& vcpu) override;
    void after_slice(Vcpu& vcpu, const RunResult& result) override;
    // Until the debugger lets go, each exit ends its slice so that every stop sees the state
    // right after the trap; once detached, the run goes at full speed.
    bool exits_end_slices() const override { return mode_ != Mode::Detached; }

protected:
    // The run is held: talk to the person (or GDB) until they resume it, quit or stop the VM.
    virtual void on_hold(Vcpu& vcpu) = 0;
    // An event happened while running: the stepper prints it during a step.
    virtual void on_event(const TraceEvent&) {}
    // Should a running run stop now (Ctrl-C, GDB's interrupt)? Polled between slices.
    virtual bool interrupt_requested() { return false; }

    enum class Mode : std::uint8_t { Held, Step, NextTrap, Running, Detached };
    Mode mode() const { return mode_; }

private:
    bool check_breakpoints(Vcpu& vcpu);
    bool trap_matches(const Breakpoint& b, const TraceEvent& e) const;
    static bool class_matches(std::string_view trap, std::string_view reg, const TraceEvent& e);
    Breakpoint& add(Breakpoint b);

    Vm& vm_;
    std::string version_;
    Mode mode_ = Mode::Held;
    std::uint64_t steps_left_ = 0;
    std::vector<Breakpoint> breakpoints_;
    unsigned next_id_ = 1;
    std::optional<TraceEvent> last_trap_;
    std::string pending_stop_;  // a trap breakpoint or next-trap matched during the slice
    std::string stop_reason_ = "stopped before the first instruction";
    std::optional<std::uint64_t> watch_hit_;
    bool breakpoint_hit_ = false;
    std::uint64_t pc_after_slice_ = ~0ull;
};

// The sink that hands every event to a RunControl.
class RunControlSink final : public TraceSink {
public:
    explicit RunControlSink(RunControl& control) : control_(control) {}
    void write(const TraceEvent& event) override { control_.observe(event); }

private:
    RunControl& control_;
};

}  // namespace trapeze
