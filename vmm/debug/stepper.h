// The stepper (--step) and scripted demos (--script FILE): a prompt with line editing and
// history (libedit) between slices of the run, whose commands are the debugger's table.
// Enter repeats the last step; Ctrl-C stops a `continue`. A script's lines run first, each
// shown after the prompt as if typed; `pause` waits for Enter unless --no-pause; at the end
// of the script the run goes on by itself, or the prompt takes over with --step.
#pragma once

#include <cstdio>
#include <deque>
#include <string>

#include "vmm/debug/run_control.h"

namespace trapeze {

struct StepperOptions {
    std::string target;      // "trapeze-v2", for messages
    std::string script;      // a file of commands, or ""
    bool interactive = false;  // --step: a prompt (after the script, if any)
    bool pause = true;       // `pause` waits for Enter
};

class Stepper final : public RunControl {
public:
    // Throws std::runtime_error if the script cannot be read.
    Stepper(Vm& vm, std::string_view version, StepperOptions options);
    ~Stepper() override;

    // The run is over: say how it ended, and keep the prompt (inspection only) until quit.
    void finish(Vcpu& vcpu);

protected:
    void on_hold(Vcpu& vcpu) override;
    void on_event(const TraceEvent& event) override;
    bool interrupt_requested() override;

private:
    // The next command line: the script's, then the person's; nullopt at the end of both.
    std::optional<std::string> next_line();
    // Run one line; true if it resumed the run.
    bool execute(Vcpu& vcpu, const std::string& line);
    void wait_for_enter();
    void print(const std::string& text);

    StepperOptions options_;
    std::deque<std::string> script_;
    bool script_done_ = false;
    bool tty_ = false;
    bool trace_on_ = false;
    bool finished_ = false;
    bool quit_ = false;  // the person typed quit
    std::string last_repeatable_;
    bool prompt_ready_ = false;
    std::string shown_reason_;  // the last stop reason printed
};

}  // namespace trapeze
