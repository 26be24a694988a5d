// The command table and each command.
#include "vmm/debug/commands.h"

#include <cstdio>
#include <sstream>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

#include "vmm/control/lifecycle.h"
#include "vmm/debug/expression.h"
#include "vmm/debug/inspect.h"
#include "vmm/debug/run_control.h"
#include "vmm/vm.h"

namespace trapeze {
namespace {

std::vector<std::string> words(std::string_view text) {
    std::vector<std::string> out;
    std::istringstream in{std::string(text)};
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

void need(bool ok, std::string_view usage) {
    if (!ok) throw std::invalid_argument(fmt::format("usage: {}", usage));
}

std::uint64_t count_of(const CommandContext& c, const std::string& text, std::uint64_t max, std::string_view what) {
    const std::uint64_t n = evaluate(c.vcpu, text);
    if (n == 0 || n > max) throw std::invalid_argument(fmt::format("{} must be from 1 to {}, not {}", what, max, n));
    return n;
}

std::string where(const Vcpu& vcpu, std::uint64_t address) {
    const std::string symbol = vcpu.vm().image().describe(address);
    return symbol.empty() ? fmt::format("{:#x}", address) : fmt::format("{:#x} {}", address, symbol);
}

// Listed by `help` only on a machine of several VMs or vCPUs (`help focus` always answers).
bool machine_command(std::string_view name) { return name == "focus" || name == "where" || name == "info"; }

void cmd_help(CommandContext& c, std::string_view args) {
    const auto w = words(args);
    if (!w.empty()) {
        const DebugCommand* cmd = find_debug_command(w[0]);
        if (!cmd) throw std::invalid_argument(fmt::format("no command '{}'", w[0]));
        c.out += fmt::format("{} {}\n  {}\n", cmd->name, cmd->args, cmd->help);
        if (!cmd->alias.empty()) c.out += fmt::format("  short form: {}\n", cmd->alias);
        if (cmd->name == "break")
            for (const TrapKind& t : kTrapKinds) c.out += fmt::format("  break trap {:<7} {}\n", t.name, t.help);
        if (cmd->name == "break" && c.control.several_vcpus())
            c.out += "  break switch vm|vcpu   only a VM switch, or only a vCPU switch\n"
                     "  ... in VM              only in that VM (by name or number): break main in web\n";
        return;
    }
    c.out += "Commands (Enter repeats the last step, next-trap or continue; addresses take expressions "
             "such as sp+16, vectors+0x280, x0):\n";
    for (const DebugCommand& cmd : debug_commands()) {
        if (machine_command(cmd.name) && !c.control.several_vcpus()) continue;
        const std::string name = cmd.alias.empty() ? std::string(cmd.name) : fmt::format("{} ({})", cmd.name, cmd.alias);
        c.out += fmt::format("  {:<22} {:<22} {}\n", name, cmd.args, cmd.help);
    }
}

void cmd_step(CommandContext& c, std::string_view args) {
    const auto w = words(args);
    need(w.size() <= 1, "step [N]");
    c.control.step(w.empty() ? 1 : count_of(c, w[0], 1'000'000'000'000ull, "the number of steps"));
}
void cmd_next_trap(CommandContext& c, std::string_view args) {
    need(words(args).empty(), "next-trap");
    c.control.next_trap();
}
void cmd_continue(CommandContext& c, std::string_view args) {
    need(words(args).empty(), "continue");
    c.control.resume();
}

void list_breakpoints(CommandContext& c) {
    if (c.control.breakpoints().empty()) {
        c.out += "no breakpoints or watchpoints\n";
        return;
    }
    for (const Breakpoint& b : c.control.breakpoints())
        c.out += fmt::format("{:>3}  {}\n", b.id, b.kind == Breakpoint::Kind::Watch ? b.text : "break " + b.text);
}

// A trailing "in VM" limits a breakpoint to one VM (addresses are per VM); it is taken off `w`.
Vm* take_vm_limit(CommandContext& c, std::vector<std::string>& w) {
    if (w.size() < 2 || w[w.size() - 2] != "in") return nullptr;
    Vm& vm = c.control.find_vm(w.back());
    w.resize(w.size() - 2);
    return &vm;
}

void cmd_break(CommandContext& c, std::string_view args) {
    auto w = words(args);
    if (w.empty()) return list_breakpoints(c);
    Vm* only_in = take_vm_limit(c, w);
    need(!w.empty(), "break ADDR|SYMBOL|trap KIND [REGISTER]|switch [vm|vcpu] [in VM]");
    const Breakpoint* b = nullptr;
    if (w[0] == "trap") {
        need(w.size() == 2 || w.size() == 3, "break trap KIND [REGISTER]  (help break lists the kinds)");
        b = &c.control.add_trap(w[1], w.size() == 3 ? w[2] : "", only_in);
    } else if (w[0] == "switch") {
        need(w.size() <= 2, "break switch [vm|vcpu]");
        b = &c.control.add_switch(w.size() == 2 ? w[1] : "", only_in);
    } else {
        need(w.size() == 1, "break ADDR|SYMBOL|trap KIND [REGISTER]|switch");
        // A symbol is the limiting VM's (its guest may differ from the focused one's).
        Vcpu& named = !only_in || &c.vcpu.vm() == only_in ? c.vcpu : only_in->vcpu(0);
        const std::uint64_t address = evaluate(named, w[0]);
        b = &c.control.add_address(address, where(named, address), only_in);
    }
    c.out += fmt::format("breakpoint {}: {}\n", b->id, b->text);
}

void cmd_watch(CommandContext& c, std::string_view args) {
    auto w = words(args);
    Vm* only_in = take_vm_limit(c, w);
    need(w.size() == 1 || w.size() == 2, "watch ADDR [LEN] [in VM]");
    // Memory is per VM: the watch reads it through the focused vCPU, or vCPU 0 of the VM named.
    Vcpu& vcpu = !only_in || &c.vcpu.vm() == only_in ? c.vcpu : only_in->vcpu(0);
    const std::uint64_t address = evaluate(vcpu, w[0]);
    const std::uint64_t length = w.size() == 2 ? count_of(c, w[1], 4096, "the length") : 8;
    const Breakpoint& b = c.control.add_watch(vcpu, address, length);
    c.out += fmt::format("watchpoint {}: {} bytes at {}{}\n", b.id, length, where(vcpu, address),
                         c.control.several_vms() ? " in " + vcpu.vm().name() : "");
}

void cmd_delete(CommandContext& c, std::string_view args) {
    const auto w = words(args);
    need(w.size() <= 1, "delete [N]");
    if (w.empty()) {
        c.control.remove_all();
        c.out += "deleted every breakpoint and watchpoint\n";
        return;
    }
    const std::uint64_t id = evaluate(c.vcpu, w[0]);
    if (!c.control.remove(static_cast<unsigned>(id))) throw std::invalid_argument(fmt::format("no breakpoint {}", id));
    c.out += fmt::format("deleted breakpoint {}\n", id);
}

void cmd_regs(CommandContext& c, std::string_view args) {
    need(words(args).empty(), "regs");
    c.out += show_registers(c.vcpu);
}
void cmd_sysregs(CommandContext& c, std::string_view args) {
    need(words(args).empty(), "sysregs");
    c.out += show_system_registers(c.vcpu);
}
void cmd_mem(CommandContext& c, std::string_view args) {
    const auto w = words(args);
    need(w.size() == 1 || w.size() == 2, "mem ADDR [LEN]");
    const std::uint64_t length = w.size() == 2 ? count_of(c, w[1], 65536, "the length") : 64;
    c.out += show_memory(c.vcpu, evaluate(c.vcpu, w[0]), length);
}
void cmd_disas(CommandContext& c, std::string_view args) {
    const auto w = words(args);
    need(w.size() <= 2, "disas [ADDR] [N]");
    const std::uint64_t address = w.empty() ? c.vcpu.pc() : evaluate(c.vcpu, w[0]);
    const std::uint64_t count = w.size() == 2 ? count_of(c, w[1], 4096, "the number of instructions") : 8;
    if (address & 3) throw std::invalid_argument(fmt::format("{:#x} is not a multiple of 4", address));
    c.out += show_disassembly(c.vcpu, address, static_cast<unsigned>(count), c.control.breakpoint_addresses());
}
void cmd_pt(CommandContext& c, std::string_view args) {
    const auto w = words(args);
    need(w.size() == 1, "pt VA");
    c.out += show_translation(c.vcpu, evaluate(c.vcpu, w[0]), c.control.version());
}
void cmd_vms(CommandContext& c, std::string_view args) {
    need(words(args).empty(), "vms");
    c.out += show_vms(c.vcpu.vm());
}
void cmd_vcpus(CommandContext& c, std::string_view args) {
    need(words(args).empty(), "vcpus");
    c.out += show_vcpus(c.vcpu.vm());
}
void cmd_runq(CommandContext& c, std::string_view args) {
    need(words(args).empty(), "runq");
    c.out += show_run_queues(c.vcpu.vm(), c.control.version());
}
void cmd_explain(CommandContext& c, std::string_view args) {
    need(words(args).empty(), "explain");
    c.out += explain_trap(c.control.last_trap());
}
void cmd_set(CommandContext& c, std::string_view args) {
    const auto w = words(args);
    need(w.size() == 2, "set REGISTER VALUE");
    const std::uint64_t value = evaluate(c.vcpu, w[1]);
    const std::string error = set_register(c.vcpu, w[0], value);
    if (!error.empty()) throw std::invalid_argument(error);
    c.control.state_changed();
    const auto now = register_value(c.vcpu, w[0]);
    c.out += now ? fmt::format("{} = {:#x}\n", w[0], *now) : fmt::format("wrote {:#x} to {}\n", value, w[0]);
}
void cmd_print(CommandContext& c, std::string_view args) {
    const std::size_t start = args.find_first_not_of(" \t");
    need(start != std::string_view::npos, "print EXPRESSION");
    const std::uint64_t v = evaluate(c.vcpu, args);
    const std::string symbol = c.vcpu.vm().image().describe(v);
    c.out += fmt::format("{} = {:#x} ({}){}\n", args.substr(start), v, v, symbol.empty() ? "" : " " + symbol);
}
void cmd_trace(CommandContext& c, std::string_view args) {
    const auto w = words(args);
    need(w.size() == 1 && (w[0] == "on" || w[0] == "off"), "trace on|off");
    c.trace_on = w[0] == "on";
    c.out += fmt::format("trace {}: {}\n", w[0], c.trace_on ? "every event is printed as it happens" : "events are printed during steps only");
}
void cmd_echo(CommandContext& c, std::string_view args) {
    const std::size_t start = args.find_first_not_of(" \t");
    c.out += std::string(start == std::string_view::npos ? std::string_view() : args.substr(start)) + "\n";
}
void cmd_pause(CommandContext& c, std::string_view args) {
    need(words(args).empty(), "pause");
    if (c.pause) c.pause();
}
// ---- snapshots and reverse execution (vmm/snapshot.h, vmm/debug/reverse.cpp)
void cmd_snapshot(CommandContext& c, std::string_view args) {
    const auto w = words(args);
    need(w.size() == 1, "snapshot FILE");
    const std::uint64_t size = c.control.save_snapshot_to(w[0]);
    c.out += fmt::format("wrote the whole VM to {} ({} bytes) at step {}\n", w[0], size, c.control.position());
}
// ---- live migration (vmm/migration.h): its rounds go on while the guest runs
void cmd_migrate(CommandContext& c, std::string_view args) {
    const auto w = words(args);
    need(w.size() == 1 || w.size() == 2, "migrate ADDRESS [MIB_PER_S]");
    MigrationOptions options;
    options.to = w[0];
    if (w.size() == 2) options.bandwidth_mib = count_of(c, w[1], 1u << 20, "the link's MiB per second");
    MigrationEvents events;
    events.round = [](const MigrationRound& r) { std::fprintf(stderr, "migrate: %s\n", describe_migration_round(r).c_str()); };
    events.note = [](std::string_view note) {
        std::fprintf(stderr, "migrate: %.*s\n", static_cast<int>(note.size()), note.data());
    };
    events.finished = [](const MigrationResult& r) {
        std::string text = describe_migration_result(r);
        for (std::size_t at = 0; (at = text.find('\n', at)) != std::string::npos; at += 10) text.replace(at, 1, "\nmigrate: ");
        std::fprintf(stderr, "migrate: %s\n", text.c_str());
    };
    const Migration& m = c.control.start_migration(options, events);
    if (m.finished()) return;  // it failed at once, and said why
    c.out += fmt::format("migrating to {} at {} MiB/s: round 0 is on the link; the rounds go on while the guest runs "
                         "(continue)\n",
                         options.to, options.bandwidth_mib);
}
void cmd_reverse_step(CommandContext& c, std::string_view args) {
    const auto w = words(args);
    need(w.size() <= 1, "reverse-step [N]");
    c.control.reverse_step(w.empty() ? 1 : count_of(c, w[0], 1'000'000'000'000ull, "the number of steps"));
}
void cmd_reverse_continue(CommandContext& c, std::string_view args) {
    need(words(args).empty(), "reverse-continue");
    c.control.reverse_continue();
}
void cmd_reverse_next_trap(CommandContext& c, std::string_view args) {
    need(words(args).empty(), "reverse-next-trap");
    c.control.reverse_next_trap();
}
void cmd_goto(CommandContext& c, std::string_view args) {
    const auto w = words(args);
    need(w.size() == 1, "goto STEP");
    c.control.go_to(evaluate(c.vcpu, w[0]));
}
void cmd_when(CommandContext& c, std::string_view args) {
    need(words(args).empty(), "when");
    // The machine's steps: every vCPU of every VM counts.
    std::uint64_t retired = 0, traps = 0, virqs = 0;
    for (Vm* vm : c.control.machine_vms()) {
        for (const auto& v : vm->vcpus()) {
            retired += v->retired;
            virqs += v->virqs_injected;
            for (std::uint64_t n : v->exits_by_ec) traps += n;
        }
    }
    c.out += fmt::format("step {}: {} instructions retired, {} traps handled, {} vIRQs taken{}\n", c.control.position(),
                         retired, traps, virqs, c.control.several_vcpus() ? " (every vCPU of every VM)" : "");
    if (const auto start = c.control.history_start())
        c.out += fmt::format("going back reaches step {} ({} checkpoint{})\n", *start, c.control.checkpoint_count(),
                             c.control.checkpoint_count() == 1 ? "" : "s");
}

// `vm`: the control socket's verbs, through the same lifecycle (vmm/control/lifecycle.h).
void cmd_vm(CommandContext& c, std::string_view args) {
    const auto w = words(args);
    VmLifecycle* lifecycle = c.control.lifecycle();
    if (!lifecycle) throw std::invalid_argument("this run has no VM lifecycle to drive");
    if (w.empty()) {
        for (const auto& m : lifecycle->vms())
            c.out += fmt::format("{:<12} {}\n", m->vm->name(), vm_state_name(lifecycle->state(*m)));
        return;
    }
    const VmVerbRule* rule = vm_verb_by_name(w[0]);
    need(rule && w.size() == 2, "vm [boot|pause|resume|shutdown|reset|destroy NAME]");
    try {
        lifecycle->apply(w[1], rule->verb);
    } catch (const LifecycleError& e) {
        throw std::invalid_argument(e.what());
    }
    if (rule->verb == VmVerb::Destroy) c.out += fmt::format("{}: destroyed\n", w[1]);
    else c.out += fmt::format("{}: {}\n", w[1], vm_state_name(lifecycle->state(lifecycle->find(w[1]))));
}

void cmd_quit(CommandContext& c, std::string_view args) {
    need(words(args).empty(), "quit");
    c.control.stop_machine("quit from the debugger");
}

// ---- several VMs and vCPUs: which one the inspection commands look at, and the whole machine
void cmd_focus(CommandContext& c, std::string_view args) {
    const auto w = words(args);
    need(w.size() <= 1, "focus [VM[.VCPU]]  (a VM by name or number: focus web, focus web.1, focus 1.0)");
    if (w.size() == 1) c.control.set_focus(c.control.find_vcpu(w[0]));
    Vcpu& v = c.control.focus();
    c.out += fmt::format("focus: {}\n{}", RunControl::describe(v), show_location(v));
}
void cmd_where(CommandContext& c, std::string_view args) {
    need(words(args).empty(), "where");
    c.out += fmt::format("{}, step {} of the machine\n{}", RunControl::describe(c.vcpu), c.control.position(),
                         show_location(c.vcpu));
}
void cmd_info(CommandContext& c, std::string_view args) {
    const auto w = words(args);
    need(w.size() == 1 && (w[0] == "vms" || w[0] == "vcpus"), "info vms|vcpus");
    if (w[0] == "vms") c.out += show_machine_vms(c.control.machine_vms(), c.control.lifecycle(), c.vcpu);
    else c.out += show_machine_vcpus(c.control.machine_vms(), c.vcpu);
}


const DebugCommand kCommands[] = {
    {"help", "", "[COMMAND]", "list the commands, or say more about one", false, false, true, cmd_help},
    {"step", "s", "[N]", "run N steps (default 1): an instruction, or a trap and what the VMM did", true, true, false, cmd_step},
    {"next-trap", "n", "", "run until the next VM exit (a trap, or the physical timer)", true, true, false, cmd_next_trap},
    {"continue", "c", "", "run until a breakpoint, a watchpoint or Ctrl-C", true, true, false, cmd_continue},
    {"break", "b", "[ADDR|SYMBOL|trap KIND [REG]|switch]", "stop at an address, at a kind of trap, at a switch; alone: list them",
     false, false, false, cmd_break},
    {"watch", "", "ADDR [LEN]", "stop when the LEN bytes at ADDR change (default 8)", false, false, false, cmd_watch},
    {"delete", "d", "[N]", "delete breakpoint N, or all of them", false, false, false, cmd_delete},
    {"regs", "r", "", "the general registers, SP, PC and the virtual PSTATE", false, false, true, cmd_regs},
    {"sysregs", "", "", "the virtual EL1 state: system registers (and what the interpreter holds, where it differs)",
     false, false, true, cmd_sysregs},
    {"mem", "x", "ADDR [LEN]", "guest memory at ADDR, through the guest's translation (default 64 bytes)", false, false,
     true, cmd_mem},
    {"disas", "", "[ADDR] [N]", "disassemble N instructions (default 8) from ADDR (default the PC)", false, false, true,
     cmd_disas},
    {"pt", "", "VA", "the guest's translation of VA, level by level (its stage-1 MMU arrives with v3)", false, false, true,
     cmd_pt},
    {"vms", "", "", "the VMs: state, memory, vCPUs", false, false, true, cmd_vms},
    {"vcpus", "", "", "the vCPUs: state, PC, virtual EL, pCPU", false, false, true, cmd_vcpus},
    {"runq", "", "", "what each pCPU runs and its VM_runqueue (v5 on)", false, false, true, cmd_runq},
    {"explain", "", "", "the last trap: ESR field by field, and what the VMM did", false, false, true, cmd_explain},
    {"print", "p", "EXPRESSION", "the value of an expression: print elr_el1, print sp+16", false, false, true, cmd_print},
    {"set", "", "REG VALUE", "set a general or virtual system register (x0, pc, sp, ELR_EL1, DAIF...)", false, false,
     false, cmd_set},
    {"trace", "", "on|off", "print every event as it happens, or only during steps", false, false, true, cmd_trace},
    {"echo", "", "TEXT", "print TEXT (for scripts)", false, false, false, cmd_echo},
    {"pause", "", "", "wait for Enter (for scripts; --no-pause skips it)", false, false, false, cmd_pause},
    {"snapshot", "", "FILE", "write the whole VM to FILE (--restore FILE continues from there)", false, false, false,
     cmd_snapshot},
    {"migrate", "", "ADDRESS [MIB]", "move the VM to a Trapeze waiting with --incoming ADDRESS (unix:PATH, tcp:HOST:PORT)",
     false, false, false, cmd_migrate},
    {"reverse-step", "rs", "[N]", "go back N steps (default 1), replaying from a checkpoint", true, true, false,
     cmd_reverse_step},
    {"reverse-continue", "rc", "", "go back to the last point where a breakpoint stopped the run", true, false, false,
     cmd_reverse_continue},
    {"reverse-next-trap", "rn", "", "go back to just after the last trap (VM exit)", true, false, false,
     cmd_reverse_next_trap},
    {"goto", "", "STEP", "go to step STEP (as `when` counts them), back or forward", true, false, false, cmd_goto},
    {"when", "", "", "the step the run is at (instructions + traps + vIRQs), and how far back it can go", false, false,
     true, cmd_when},
    {"vm", "", "[VERB NAME]", "the VMs' states; or pause, resume, shutdown, reset, destroy (or boot) VM NAME, as the control "
     "socket does", false, false, false, cmd_vm},
    {"focus", "", "[VM[.VCPU]]",
     "the VM (name or number) and vCPU the inspection commands look at (default: where the run stopped); "
     "break and watch take `in VM`",
     false, false, true, cmd_focus},
    {"where", "", "", "which VM, vCPU and pCPU the shown state belongs to, and the machine's step", false, false, true,
     cmd_where},
    {"info", "", "vms|vcpus", "every VM (state, vCPUs, instructions, exits) or every vCPU (state, pCPU, PC)", false,
     false, true, cmd_info},
    {"quit", "q", "", "stop the VM and end the run", false, false, false, cmd_quit},
};

}  // namespace

std::span<const DebugCommand> debug_commands() { return kCommands; }

const DebugCommand* find_debug_command(std::string_view name) {
    for (const DebugCommand& c : kCommands)
        if (c.name == name || (!c.alias.empty() && c.alias == name)) return &c;
    return nullptr;
}

bool run_debug_command(CommandContext& context, std::string_view line, const DebugCommand** which) {
    const std::size_t start = line.find_first_not_of(" \t");
    if (start == std::string_view::npos) return false;
    line = line.substr(start);
    const std::size_t end = line.find_first_of(" \t");
    const std::string_view name = line.substr(0, end);
    const std::string_view args = end == std::string_view::npos ? std::string_view() : line.substr(end);
    const DebugCommand* cmd = find_debug_command(name);
    if (which) *which = cmd;
    if (!cmd) {
        context.out += fmt::format("no command '{}' (help lists them)\n", name);
        return false;
    }
    try {
        cmd->run(context, args);
    } catch (const std::exception& e) {
        context.out += fmt::format("{}: {}\n", cmd->name, e.what());
        if (which) *which = nullptr;  // a failed command neither resumes nor repeats
    }
    return true;
}

}  // namespace trapeze
