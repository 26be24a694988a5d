// The stepper (--step) and scripted demos (--script FILE): a prompt with line editing and
// history (libedit) between slices of the run, whose commands are the debugger's table.
// Enter repeats the last step; Ctrl-C stops a `continue`. A script's lines run first, each
// shown after the prompt as if typed; `pause` waits for Enter unless --no-pause; at the end
// of the script the run goes on by itself, or the prompt takes over with --step.
#pragma once

#include <cstdio>
#include <deque>
#include <string>
#include <utility>

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
    void finish();

protected:
    void on_hold(Vcpu& vcpu) override;
    void on_event(const TraceEvent& event) override;
    bool interrupt_requested() override;

private:
    // The next command line: the script's, then the person's; nullopt at the end of both.
    std::optional<std::string> next_line();
    // Run one line on the focused vCPU; true if it resumed the run.
    bool execute(const std::string& line);
    // "(trapeze) "; with several VMs or vCPUs, the focused one's name: "(trapeze web/vcpu1) ".
    std::string prompt();
    // Where the vCPU is; with several, which VM, vCPU and pCPU first.
    std::string location(Vcpu& vcpu);
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
    std::string switch_banner_;  // the last switch: "VM switch: pCPU0 web/vcpu0 -> db/vcpu0"
    std::pair<unsigned, unsigned> switched_to_{~0u, ~0u};  // its VM and vCPU
    const Vcpu* last_held_ = nullptr;
};

}  // namespace trapeze
