// The stepper's prompt, script reading and Ctrl-C.
#include "vmm/debug/stepper.h"

#include <signal.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <iostream>
#include <stdexcept>

#include <editline/readline.h>
#include <fmt/format.h>

#include "vmm/debug/commands.h"
#include "vmm/debug/inspect.h"
#include "vmm/run_summary.h"
#include "vmm/vm.h"

namespace trapeze {
namespace {

constexpr const char* kPrompt = "(trapeze) ";

volatile std::sig_atomic_t g_interrupted = 0;
struct sigaction g_previous_sigint {};

void on_sigint(int) { g_interrupted = 1; }

std::string trim(const std::string& s) {
    const std::size_t a = s.find_first_not_of(" \t\r\n");
    if (a == std::string::npos) return "";
    const std::size_t b = s.find_last_not_of(" \t\r\n");
    return s.substr(a, b - a + 1);
}

}  // namespace

Stepper::Stepper(Vm& vm, std::string_view version, StepperOptions options)
    : RunControl(vm, version), options_(std::move(options)) {
    if (!options_.script.empty()) {
        std::ifstream in(options_.script);
        if (!in) throw std::runtime_error("cannot read the script " + options_.script);
        for (std::string line; std::getline(in, line);) {
            line = trim(line);
            if (!line.empty() && line[0] != '#') script_.push_back(line);
        }
    } else {
        script_done_ = true;
    }
    tty_ = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
    if (options_.interactive) {
        // Ctrl-C stops a `continue` (and clears the line at the prompt) instead of ending the run.
        struct sigaction action {};
        action.sa_handler = on_sigint;
        sigemptyset(&action.sa_mask);
        action.sa_flags = 0;  // no SA_RESTART: a read at the prompt returns
        sigaction(SIGINT, &action, &g_previous_sigint);
    }
}

Stepper::~Stepper() {
    if (options_.interactive) sigaction(SIGINT, &g_previous_sigint, nullptr);
}

void Stepper::print(const std::string& text) {
    std::fputs(text.c_str(), stdout);
    std::fflush(stdout);
}

bool Stepper::interrupt_requested() {
    if (!g_interrupted) return false;
    g_interrupted = 0;
    return true;
}

void Stepper::on_event(const TraceEvent& event) {
    if (trace_on_ || mode() == Mode::Step || mode() == Mode::NextTrap || mode() == Mode::Held)
        print(format_trace_text(event) + "\n");
}

std::optional<std::string> Stepper::next_line() {
    if (!script_.empty()) {
        std::string line = script_.front();
        script_.pop_front();
        print(fmt::format("{}{}\n", kPrompt, line));
        return line;
    }
    if (!script_done_) {
        script_done_ = true;
        if (!options_.interactive) return std::nullopt;
    }
    if (!options_.interactive) return std::nullopt;
    for (;;) {
        if (tty_) {
            g_interrupted = 0;
            char* raw = readline(kPrompt);
            if (!raw) {
                if (g_interrupted) {  // Ctrl-C at the prompt: a fresh line, as a shell does
                    g_interrupted = 0;
                    print("\n");
                    continue;
                }
                print("\n");
                return std::nullopt;  // Ctrl-D
            }
            std::string line = raw;
            std::free(raw);
            if (!trim(line).empty()) add_history(line.c_str());
            return line;
        }
        print(kPrompt);
        std::string line;
        if (!std::getline(std::cin, line)) {
            print("\n");
            return std::nullopt;
        }
        print(line + "\n");  // a piped session reads like a typed one
        return line;
    }
}

bool Stepper::execute(Vcpu& vcpu, const std::string& typed) {
    std::string line = trim(typed);
    if (line.empty()) {
        if (last_repeatable_.empty()) return false;
        line = last_repeatable_;  // Enter repeats the last step
    }
    std::string out;
    CommandContext context{vcpu, *this, out, trace_on_, [this] { wait_for_enter(); }, nullptr};
    const DebugCommand* command = nullptr;
    run_debug_command(context, line, &command);
    print(out);
    if (!command) return false;
    if (command->name == "quit") quit_ = true;
    if (command->repeats) last_repeatable_ = line;
    if (command->resumes) {
        if (finished_ || !vm().running()) {
            print(fmt::format("the VM is not running: {}\n", vm().stop_reason));
            return false;
        }
        return true;
    }
    return !vm().running();  // quit
}

void Stepper::wait_for_enter() {
    if (!options_.pause) return;
    print("-- press Enter to go on --");
    std::string ignored;
    if (tty_) {
        char* raw = readline("");
        std::free(raw);
    } else if (!std::getline(std::cin, ignored)) {
        print("\n");
    }
}

void Stepper::on_hold(Vcpu& vcpu) {
    const std::string& why = stop_reason();
    if (!prompt_ready_) {
        prompt_ready_ = true;
        print(fmt::format("{}: {} {} (help lists the commands)\n", options_.target, vm().name(), why));
    } else if (why != "stepped") {
        print(fmt::format("stopped: {}\n", why));
    }
    shown_reason_ = why;
    print(show_location(vcpu));
    for (;;) {
        const auto line = next_line();
        if (!line) {
            if (options_.interactive) {
                vm().stop(VmStatus::Failed, "quit from the debugger");
            } else {
                print("(the script is over: the run goes on)\n");
                detach();
            }
            return;
        }
        if (execute(vcpu, *line)) return;
    }
}

void Stepper::finish(Vcpu& vcpu) {
    finished_ = true;
    // A breakpoint on the trap that stopped the VM: the run ended before the prompt could say so.
    if (mode() == Mode::Held && stop_reason() != shown_reason_) print(fmt::format("stopped: {}\n", stop_reason()));
    print(fmt::format("the run is over: {}: {}\n", vm_status_name(vm().status), vm().stop_reason));
    if (vm().stop_reason == "quit from the debugger") return;
    while (!quit_) {
        const auto line = next_line();
        if (!line) break;
        execute(vcpu, *line);
    }
}

}  // namespace trapeze
