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
    // A switch: said in the lecture's words where the run next stops in the vCPU switched to.
    if (event.kind == TraceEvent::Kind::VmSwitch || event.kind == TraceEvent::Kind::VcpuSwitch) {
        switched_to_ = {event.vm, event.vcpu};
        const std::string_view what = event.what;
        const std::size_t names = what.find(" switch ");
        switch_banner_ = fmt::format("{}: pCPU{} {}\n", what.substr(0, names + 7), event.pcpu,
                                     names == std::string_view::npos ? what : what.substr(names + 8));
    }
}

std::string Stepper::prompt() {
    if (!several_vcpus()) return kPrompt;
    const Vcpu& v = focus();
    return fmt::format("(trapeze {}/vcpu{}) ", v.vm().name(), v.id());
}

std::string Stepper::location(Vcpu& vcpu) {
    return several_vcpus() ? fmt::format("{} {}", describe(vcpu), show_location(vcpu)) : show_location(vcpu);
}

std::optional<std::string> Stepper::next_line() {
    if (!script_.empty()) {
        std::string line = script_.front();
        script_.pop_front();
        print(fmt::format("{}{}\n", prompt(), line));
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
            char* raw = readline(prompt().c_str());
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
        print(prompt());
        std::string line;
        if (!std::getline(std::cin, line)) {
            print("\n");
            return std::nullopt;
        }
        print(line + "\n");  // a piped session reads like a typed one
        return line;
    }
}

bool Stepper::execute(const std::string& typed) {
    std::string line = trim(typed);
    if (line.empty()) {
        if (last_repeatable_.empty()) return false;
        line = last_repeatable_;  // Enter repeats the last step
    }
    std::string out;
    CommandContext context{focus(), *this, out, trace_on_, [this] { wait_for_enter(); }, nullptr};
    const DebugCommand* command = nullptr;
    run_debug_command(context, line, &command);
    print(out);
    if (!command) return false;
    if (command->name == "quit") quit_ = true;
    if (command->repeats) last_repeatable_ = line;
    if (command->resumes) {
        if (finished_ || !machine_running()) {
            print(several_vms() ? "no VM is running\n" : fmt::format("the VM is not running: {}\n", vm().stop_reason));
            return false;
        }
        return true;
    }
    return !machine_running();  // quit
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
        print(fmt::format("{}: {} {} (help lists the commands)\n", options_.target,
                          several_vcpus() ? fmt::format("{}/vcpu{}", vcpu.vm().name(), vcpu.id()) : vm().name(), why));
    } else if (why != "stepped") {
        print(fmt::format("stopped: {}\n", why));
    }
    // Held in another vCPU than last time, which a switch brought in: say so.
    if (last_held_ && last_held_ != &vcpu && switched_to_ == std::pair{vcpu.vm().id(), vcpu.id()}) print(switch_banner_);
    last_held_ = &vcpu;
    shown_reason_ = why;
    print(location(vcpu));
    for (;;) {
        const auto line = next_line();
        if (!line) {
            if (options_.interactive) {
                stop_machine("quit from the debugger");
            } else {
                print("(the script is over: the run goes on)\n");
                detach();
            }
            return;
        }
        if (execute(*line)) return;
    }
}

void Stepper::finish() {
    finished_ = true;
    // A breakpoint on the trap that stopped the VM: the run ended before the prompt could say so.
    if (mode() == Mode::Held && stop_reason() != shown_reason_) print(fmt::format("stopped: {}\n", stop_reason()));
    bool quit = false;
    if (several_vms()) {
        print("the run is over:\n");
        for (const Vm* v : machine_vms())
            print(fmt::format("  {}: {}: {}\n", v->name(), vm_status_name(v->status), v->stop_reason));
    } else {
        print(fmt::format("the run is over: {}: {}\n", vm_status_name(vm().status), vm().stop_reason));
    }
    for (const Vm* v : machine_vms()) quit = quit || v->stop_reason == "quit from the debugger";
    if (quit) return;
    while (!quit_) {
        const auto line = next_line();
        if (!line) break;
        execute(*line);
    }
}

}  // namespace trapeze
