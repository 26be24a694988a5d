// The debugger's commands: one table, each row a name, its arguments, its help and what it
// does (Spike's interactive.cc is the model: the table is the documentation). The stepper
// reads them from a person or a script; the GDB stub offers the ones that only look as
// `monitor` commands.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <string_view>

namespace trapeze {

class RunControl;
class Vcpu;

// What a command works on, and where its words go.
struct CommandContext {
    Vcpu& vcpu;
    RunControl& control;
    std::string& out;
    bool& trace_on;                       // `trace on|off`: print every event as it happens
    std::function<void()> pause;          // `pause` (scripts): wait for Enter
    std::string* last_disassembly_end;    // unused unless set: where `disas` stopped
};

struct DebugCommand {
    std::string_view name;
    std::string_view alias;  // "" or a short form
    std::string_view args;   // "[N]", "ADDR|SYMBOL|trap KIND|switch"
    std::string_view help;
    bool resumes;            // step, next-trap, continue: the run goes on after it
    bool repeats;            // Enter repeats it
    bool inspects_only;      // safe as a GDB `monitor` command
    void (*run)(CommandContext& context, std::string_view args);
};

std::span<const DebugCommand> debug_commands();
const DebugCommand* find_debug_command(std::string_view name);

// Run one command line; false if the line names no command (the message is in `out`). A
// command's own error ("unknown name 'mian'") is reported in `out` and returns true.
bool run_debug_command(CommandContext& context, std::string_view line, const DebugCommand** which = nullptr);

}  // namespace trapeze
