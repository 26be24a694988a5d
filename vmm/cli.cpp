// The shared command line of every target: the option table, and the run it starts.
#include "vmm/cli.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "emulator/trap_policy.h"
#include "vmm/boot/kernel_boot.h"
#include "vmm/console_input.h"
#include "vmm/control/control_server.h"
#include "vmm/debug/gdb_stub.h"
#include "vmm/debug/stepper.h"
#include "vmm/migration.h"
#include "vmm/monitor.h"
#include "vmm/progress.h"
#include "vmm/report.h"
#include "vmm/run_summary.h"
#include "vmm/scenario.h"
#include "vmm/settings.h"
#include "vmm/snapshot.h"
#include "vmm/sysreg.h"
#include "vmm/target_support.h"

#ifndef TRAPEZE_VERSION
#define TRAPEZE_VERSION "unknown"
#endif

namespace trapeze {
namespace {

constexpr int kExitPoweredOff = 0;
constexpr int kExitStopped = 1;
constexpr int kExitBadInput = 2;

std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        const std::size_t end = text.find('\n');
        lines.push_back(text.substr(0, end));
        if (end == std::string_view::npos) break;
        text.remove_prefix(end + 1);
    }
    return lines;
}

std::string program_name(const char* argv0) {
    const std::string_view path = argv0 ? argv0 : "trapeze";
    const std::size_t slash = path.rfind('/');
    return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

// A number option of the settings table: the same syntax and limits as the scenario key.
CLI::Option* add_number(CLI::App& app, const NumberSetting& setting, std::optional<std::uint64_t>& out, std::string help,
                        std::string_view value_name, std::string default_text) {
    help += fmt::format(", {}", setting_range(setting));
    if (!default_text.empty()) help += fmt::format(" (default {})", default_text);
    if (!setting.key.empty()) help += fmt::format("; scenario key \"{}\"", setting.key);
    return app.add_option_function<std::string>(
           std::string(setting.flag),
           [&out, &setting](const std::string& text) {
               try {
                   out = parse_setting(setting, text);
               } catch (const SettingError& e) {
                   throw CLI::ValidationError(std::string(setting.flag), e.what());
               }
           },
           help)
        ->type_name(std::string(value_name));
}

// An option naming a file: it must not be empty.
// A count of instructions on the command line (decimal, 0x hex or 0 octal), or the option's
// error naming what was given.
std::uint64_t parse_instruction_count(const std::string& flag, const std::string& n) {
    std::size_t used = 0;
    std::uint64_t value = 0;
    try {
        value = std::stoull(n, &used, 0);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != n.size() || n.empty() || n[0] == '-')
        throw CLI::ValidationError(flag, fmt::format("\"{}\" is not a number of instructions", n));
    return value;
}

CLI::Option* add_file(CLI::App& app, const std::string& flag, std::string& out, const std::string& help) {
    return app
        .add_option_function<std::string>(
            flag,
            [&out, flag](const std::string& text) {
                if (text.empty()) throw CLI::ValidationError(flag, "needs a file name, not an empty string");
                out = text;
            },
            help)
        ->type_name("FILE");
}

// The option table: every target's command line is declared here, once.
void declare_options(CLI::App& app, CommandLine& o, const TargetProfile& profile) {
    app.add_option("GUEST", o.input, "the guest ELF, or a scenario JSON naming the guests and settings")
        ->type_name("GUEST.elf|SCENARIO.json");

    const std::string boot = "Booting a kernel (as QEMU's -kernel, -initrd, -append, -dtb)";
    add_file(app, "--kernel", o.kernel,
             "boot FILE instead of a guest ELF: an arm64 Image, a raw image (at RAM + 0x80000) or an ELF; x0 = the "
             "device tree; scenario key \"kernel\"")
        ->group(boot);
    add_file(app, "--initrd", o.initrd, "load FILE (an initramfs) into RAM and name it in /chosen; scenario key \"initrd\"")
        ->group(boot)
        ->needs("--kernel");
    app.add_option("--append", o.append, "the kernel's command line (/chosen/bootargs); scenario key \"append\"")
        ->type_name("ARGS")
        ->group(boot)
        ->needs("--kernel");
    add_file(app, "--dtb", o.dtb, "hand the kernel the device tree in FILE instead of the one Trapeze makes; scenario key \"dtb\"")
        ->group(boot)
        ->needs("--kernel");
    add_file(app, "--dump-dtb", o.dump_dtb, "write the device tree the kernel would get to FILE, and stop")->group(boot);

    const std::string machine = "Machine";
    add_number(app, setting::kQuantum, o.quantum, "the physical timer: a VM exit every N retired instructions", "N",
               profile.quantum ? "none" : std::to_string(MonitorOptions{}.quantum));
    add_number(app, setting::kBudget, o.budget, "stop a VM after N instructions", "N",
               std::to_string(MonitorOptions{}.budget));
    add_number(app, setting::kMemoryMib, o.memory_mib, "guest RAM at 0x40000000", "MIB",
               std::to_string(kDefaultRamSize >> 20));
    add_number(app, setting::kPcpus, o.pcpus, "physical CPUs, each with its own VM_runqueue (v6 on)", "N",
               std::to_string(MonitorOptions{}.pcpus));
    std::string policies;
    for (const SchedulerPolicyInfo& p : scheduler_policies()) policies += fmt::format("; {}: {}", p.name, p.what);
    app.add_option_function<std::string>(
           "--scheduler",
           [&o](const std::string& name) {
               if (!scheduler_policy_by_name(name))
                   throw CLI::ValidationError("--scheduler", fmt::format("is {}, not \"{}\"", scheduler_policy_names(), name));
               o.scheduler = name;
           },
           fmt::format("how a pCPU picks the next vCPU (v5 on){} (default {}); scenario key \"scheduler\"", policies,
                       scheduler_policy_name(MonitorOptions{}.policy)))
        ->type_name("POLICY");
    app.add_flag("--balance", o.balance,
                 "a pCPU with nothing to run takes a ready vCPU from another pCPU's run queue (v6 on); scenario key "
                 "\"balance\"");
    app.add_flag("--threads", o.threads,
                 "run each physical CPU on its own host thread: faster on several cores, not deterministic");
    for (const auto* flag : {"--quantum", "--budget", "--mem", "--pcpus", "--scheduler", "--balance", "--threads"})
        app.get_option(flag)->group(machine);

    const std::string output = "Output";
    app.add_flag("--quiet", o.quiet, "no summary table at the end of the run")->group(output);
    app.add_flag("--trace", o.trace, "print one line per VM exit, virtual interrupt, wake-up and stop to stderr")
        ->group(output);
    add_file(app, "--trace-json", o.trace_json, "write the same events to FILE as JSON lines (docs/trace-schema.md)")
        ->group(output);
    add_file(app, "--timeline", o.timeline,
             "write the run's timeline to FILE.json in Chrome Trace Event format (Perfetto, chrome://tracing)")
        ->group(output);
    add_file(app, "--report", o.report,
             "write FILE.html: one page with the timeline, the VM exits by class and what each VM did")
        ->group(output);
    app.add_flag("--console-input", o.console_input,
                 "stdin feeds the guest's UART: a terminal in raw mode (Ctrl-A x quits), or piped lines, each "
                 "taken when the guest has read the last")
        ->group(output);
    app.add_flag("--list-traps", o.list_traps, "print which instructions trap and which registers this target virtualizes")
        ->group(output);

    const std::string debugging = "Debugging";
    app.add_flag("--step", o.step, "stop before the first instruction at the stepper's prompt (help lists its commands)")
        ->group(debugging);
    add_file(app, "--script", o.script, "run the stepper's commands from FILE (a demo), then go on (or prompt, with --step)")
        ->group(debugging);
    app.add_flag("--no-pause", o.no_pause, "the script's pause commands do not wait for Enter")
        ->group(debugging)
        ->needs("--script");
    CLI::Option* gdb = add_number(app, setting::kGdbPort, o.gdb_port,
                                  "let gdb-multiarch attach on 127.0.0.1:PORT ('target remote :PORT')", "PORT", "");
    gdb->group(debugging)->excludes("--step")->excludes("--script")->excludes("--threads");
    app.get_option("--step")->excludes("--threads");
    app.get_option("--script")->excludes("--threads");
    app.add_flag("--gdb-wait", o.gdb_wait, "hold the guest before its first instruction until GDB continues (QEMU's -S)")
        ->group(debugging)
        ->needs("--gdb");

    const std::string snapshots = "Snapshots";
    app.add_option_function<std::vector<std::string>>(
           "--snapshot-at",
           [&o](const std::vector<std::string>& args) {
               const std::uint64_t value = parse_instruction_count("--snapshot-at", args.at(0));
               if (args.at(1).empty()) throw CLI::ValidationError("--snapshot-at", "needs a file name, not an empty string");
               o.snapshot_at = value;
               o.snapshot_file = args[1];
           },
           "write the whole VM to FILE once N instructions have retired (at the next slice boundary), and run on")
        ->expected(2)
        ->type_name("N FILE")
        ->group(snapshots)
        ->excludes("--step")
        ->excludes("--script")
        ->excludes("--gdb");
    const std::string control = "Control";
    add_file(app, "--control", o.control,
             "serve a control socket at PATH (JSON lines, as QEMU's QMP; trapeze-ctl is its client): create, boot, "
             "pause, resume, shut down, reset, destroy and migrate VMs, and snapshot the machine, while it runs, until "
             "`quit`; GUEST is optional "
             "(its VMs boot at once). v1..v4 hold one VM at a time, v5 several, v6 on several pCPUs, v7 several "
             "vCPUs each. With --threads the VMs run on host threads (not deterministic)")
        ->type_name("PATH")
        ->group(control)
        ->excludes("--step")
        ->excludes("--script")
        ->excludes("--gdb")
        ->excludes("--snapshot-at");
    add_file(app, "--restore", o.restore,
             "continue the run saved in FILE (by --snapshot-at or the stepper's snapshot) instead of booting the guest; "
             "GUEST must be the same guest, with the same settings")
        ->group(snapshots);

    const std::string migration = "Live migration";
    const auto address_option = [&app, &migration](const std::string& flag, std::string& out, const std::string& help) {
        return app
            .add_option_function<std::string>(
                flag,
                [&out, flag](const std::string& text) {
                    try {
                        parse_migration_address(text);
                    } catch (const MigrationError& e) {
                        throw CLI::ValidationError(flag, e.what());
                    }
                    out = text;
                },
                help)
            ->type_name("ADDRESS")
            ->group(migration);
    };
    address_option("--migrate-to", o.migrate_to,
                   "move the running VM to a Trapeze waiting with --incoming at ADDRESS (unix:PATH or tcp:HOST:PORT) "
                   "by pre-copy; needs --migrate-at")
        ->excludes("--step")
        ->excludes("--script")
        ->excludes("--gdb")
        ->excludes("--threads")
        ->excludes("--snapshot-at");
    app.add_option_function<std::string>(
           "--migrate-at",
           [&o](const std::string& n) { o.migrate_at = parse_instruction_count("--migrate-at", n); },
           "start the migration once N instructions have retired (at the next slice boundary)")
        ->type_name("N")
        ->group(migration)
        ->needs("--migrate-to");
    app.get_option("--migrate-to")->needs("--migrate-at");
    app.add_option("--migrate-vm", o.migrate_vm,
                   "which VM of the scenario's to move (the others run on here); needed when it has several")
        ->type_name("NAME")
        ->group(migration)
        ->needs("--migrate-to");
    app.add_option("--migrate-bandwidth", o.migrate_bandwidth,
                   "the link's bandwidth in MiB per second of virtual time (default 128)")
        ->type_name("MIB")
        ->check(CLI::Range(1, 1 << 20))
        ->group(migration)
        ->needs("--migrate-to");
    app.add_option("--migrate-threshold", o.migrate_threshold,
                   "stop and copy once a round leaves at most PAGES dirty pages (default 64)")
        ->type_name("PAGES")
        ->group(migration)
        ->needs("--migrate-to");
    app.add_option("--migrate-max-rounds", o.migrate_max_rounds,
                   "give the migration up after N rounds that leave too many dirty pages; the VM runs on (default 30)")
        ->type_name("N")
        ->check(CLI::Range(1, 1000))
        ->group(migration)
        ->needs("--migrate-to");
    app.add_option("--migrate-max-throttle", o.migrate_max_throttle,
                   "auto-converge: cut the VM's share by up to PERCENT when it dirties faster than the link drains "
                   "(default 90; 0: never)")
        ->type_name("PERCENT")
        ->check(CLI::Range(0, 99))
        ->group(migration)
        ->needs("--migrate-to");
    address_option("--incoming", o.incoming,
                   "wait at ADDRESS for a VM migrated by another Trapeze started with the same guest and settings, "
                   "then run it")
        ->excludes("--migrate-to")
        ->excludes("--restore")
        ->excludes("--step")
        ->excludes("--script")
        ->excludes("--gdb")
        ->excludes("--threads");
    app.add_option("--incoming-timeout", o.incoming_timeout, "how long --incoming waits for a source (default 60)")
        ->type_name("SECONDS")
        ->check(CLI::Range(1, 86400))
        ->group(migration)
        ->needs("--incoming");
    app.get_option("--migrate-to")->excludes("--control");
    app.get_option("--incoming")->excludes("--control");
}

void list_traps(const VersionHooks& hooks) {
    std::cout << "Instructions the interpreter hands to the VMM (guest kernel at EL0):\n";
    for (const std::string& row : render_trap_policy()) std::cout << "  " << row << '\n';
    std::cout << fmt::format("\nSystem registers, and whether {} virtualizes them:\n", hooks.version);
    std::cout << fmt::format("  {:<18} {:<22} {:<12} {}\n", "register", "op0 op1 CRn CRm op2", "group", "virtualized");
    for (const SysregInfo& r : sysreg_table()) {
        std::string by;
        if (r.group == SysregGroup::Native) by = "runs natively at EL0";
        else if (hooks.by_ec[static_cast<std::size_t>(ExceptionClass::SysRegister)])
            by = r.id == SysregId::SCTLR_EL1 ? "yes (the MMU stays off)" : "yes";
        else by = "no";
        std::cout << fmt::format("  {:<18} {:>3} {:>3} {:>3} {:>3} {:>3}    {:<12} {}\n", r.name, r.op0, r.op1, r.crn,
                                 r.crm, r.op2, sysreg_group_name(r.group), by);
    }
}

// The scenario the command line asks for: a scenario file, or one VM around a guest ELF,
// with the command line's settings over the file's.
Scenario make_scenario(const CommandLine& o, const TargetProfile& profile, const VersionHooks& hooks) {
    Scenario scenario;
    if (profile.quantum) scenario.monitor.quantum = *profile.quantum;
    const bool is_json = o.input.size() > 5 && o.input.ends_with(".json");
    if (o.input.empty() && o.kernel.empty()) {
        // --control alone: a machine with no VMs yet (vm-create makes them).
    } else if (is_json) {
        scenario = load_scenario(o.input);
        if (profile.quantum && !scenario.quantum_given) scenario.monitor.quantum = *profile.quantum;
    } else {
        VmConfig config;
        config.guest = o.input;
        scenario.vms.push_back(config);
    }
    if (!o.kernel.empty()) {
        VmConfig& vm = scenario.vms.front();
        vm.guest.clear();
        vm.kernel = o.kernel;
        vm.initrd = o.initrd;
        vm.append = o.append;
        vm.dtb = o.dtb;
    }
    if (o.quantum) scenario.monitor.quantum = *o.quantum;
    if (o.budget) {
        scenario.monitor.budget = *o.budget;
        for (VmConfig& vm : scenario.vms) vm.budget = 0;  // every VM's, over the file's
    }
    if (o.memory_mib)
        for (VmConfig& vm : scenario.vms) vm.ram_size = *o.memory_mib << 20;
    if (o.pcpus) {
        scenario.monitor.pcpus = static_cast<unsigned>(*o.pcpus);
        scenario.pcpus_from = "--pcpus";
    }
    if (o.scheduler) {
        scenario.monitor.policy = *scheduler_policy_by_name(*o.scheduler);
        scenario.scheduler_from = "--scheduler";
    }
    if (o.balance) {
        scenario.monitor.balance = true;
        scenario.balance_from = "--balance";
    }
    if (o.threads) scenario.monitor.threads = true;
    check_placement(scenario);
    check_supported(scenario, hooks);
    // Several VMs share the terminal: each console line says whose it is.
    if (scenario.vms.size() > 1)
        for (VmConfig& vm : scenario.vms)
            if (vm.console_prefix.empty()) vm.console_prefix = "[" + vm.name + "] ";
    return scenario;
}

// --dump-dtb: the tree the VM's kernel would be handed, written to a file (QEMU's dumpdtb).
int dump_device_tree(const VmConfig& config, const std::string& path, const std::string& name) {
    if (config.kernel.empty())
        throw ScenarioError("--dump-dtb: the VM boots a guest ELF, which is handed no device tree; boot a --kernel");
    const KernelBoot boot = prepare_kernel_boot(config);
    std::FILE* out = std::fopen(path.c_str(), "wb");
    if (!out) throw ScenarioError(fmt::format("--dump-dtb: cannot write {}", path));
    const bool written = std::fwrite(boot.device_tree.data(), 1, boot.device_tree.size(), out) == boot.device_tree.size();
    if (std::fclose(out) != 0 || !written) throw ScenarioError(fmt::format("--dump-dtb: cannot write {}", path));
    std::fprintf(stderr, "%s: wrote the device tree (%zu bytes, at %#llx in the guest) to %s\n", name.c_str(),
                 boot.device_tree.size(), static_cast<unsigned long long>(boot.layout.dtb_start), path.c_str());
    return kExitPoweredOff;
}

void write_console(const std::string& text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    // A partial line (a prompt) is shown now.
    if (text.empty() || text.back() != '\n') std::fflush(stdout);
}
// With a control socket the run has no end to wait for: each console line goes out at once.
void write_console_now(const std::string& text) {
    write_console(text);
    std::fflush(stdout);
}

// --restore FILE (none if empty): the machine continues from the snapshot. False, after
// saying why, if it cannot.
bool restore_from_file(Monitor& monitor, const std::string& file, const std::string& name) {
    if (file.empty()) return true;
    try {
        restore_snapshot(monitor, read_snapshot_file(file));
        return true;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: --restore %s: %s\n", name.c_str(), file.c_str(), e.what());
        return false;
    }
}

// --control: the machine runs the command line's VMs (if any) and the ones the control socket
// creates, until `quit` or a signal; then the summary of the VMs that are left.
int run_with_control(const std::string& name, const VersionHooks& hooks, const Scenario& scenario,
                     const CommandLine& options, Tracer& tracer, std::vector<std::unique_ptr<Vm>> vms) {
    Monitor monitor(hooks, tracer, scenario.monitor);
    // vm-create: the VM's entry, checked against the machine with every VM that exists.
    const auto make_vm = [&](unsigned id, const VmConfig& config, const std::vector<const ManagedVm*>& others) {
        Scenario machine = scenario;
        machine.name = "the machine";
        machine.vms.clear();
        for (const ManagedVm* m : others) machine.vms.push_back(m->config);
        machine.vms.push_back(config);
        check_placement(machine);
        check_supported(machine, hooks);
        return std::make_unique<Vm>(id, config, load_boot_image(config), write_console_now);
    };
    std::unique_ptr<ControlServer> server;
    try {
        server = std::make_unique<ControlServer>(options.control, monitor, make_vm, name);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s\n", name.c_str(), e.what());
        return kExitBadInput;
    }
    ControlServer::handle_signals();
    for (auto& vm : vms) monitor.add(*vm);
    // --restore: the command line's machine continues from the snapshot, and is then managed.
    if (!restore_from_file(monitor, options.restore, name)) return kExitBadInput;
    for (std::size_t i = 0; i < vms.size(); ++i) {
        Vm& vm = *vms[i];
        server->lifecycle().adopt(vm, scenario.vms[i], std::move(vms[i]), true);
    }
    // --console-input: stdin goes to the first VM's console, as without --control.
    std::unique_ptr<ConsoleInput> console_input;
    if (options.console_input) {
        console_input = std::make_unique<ConsoleInput>(STDIN_FILENO);
        monitor.set_console_input(console_input.get());
    }
    if (!options.quiet) std::fprintf(stderr, "%s: the control socket is %s\n", name.c_str(), options.control.c_str());
    if (options.threads)
        std::fprintf(stderr, "%s: --threads: each physical CPU runs on its own host thread; this run is not deterministic\n",
                     name.c_str());
    monitor.run();
    monitor.set_console_input(nullptr);
    console_input.reset();  // the terminal back as it was
    std::fflush(stdout);

    RunSummary summary;
    summary.target = name;
    summary.version = std::string(hooks.version);
    for (const auto& m : server->lifecycle().vms())
        if (m->booted) summary.vms.push_back(summarize_vm(*m->vm, boot_file(m->config)));
    summarize_machine(summary, monitor);
    try {
        tracer.finish(summary);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s\n", name.c_str(), e.what());
        return kExitBadInput;
    }
    if (!options.quiet && !summary.vms.empty()) std::fputs(format_summary_table(summary).c_str(), stderr);
    return kExitPoweredOff;
}

}  // namespace

ParsedCommandLine parse_command_line(const TargetProfile& profile, std::string_view version, int argc, char** argv) {
    const std::string name = program_name(argc > 0 ? argv[0] : nullptr);
    CommandLine o;
    const std::string description =
        profile.description.empty()
            ? fmt::format("Runs a guest kernel on the Trapeze VMM with the trap handlers of lecture version {}.", version)
            : std::string(profile.description);
    CLI::App app(description, name);
    app.get_formatter()->column_width(34);
    const bool lecture_version = version.size() >= 2 && version[0] == 'v';
    app.set_version_flag("--version", fmt::format("{}: Trapeze {}, {}{}", name, TRAPEZE_VERSION,
                                                   lecture_version ? "the VMM of lecture version " : "", version));
    declare_options(app, o, profile);
    try {
        app.parse(argc, argv);
        if (o.input.empty() && o.kernel.empty() && !o.list_traps && o.control.empty())
            throw CLI::RequiredError("GUEST (a guest ELF or a scenario JSON)");
        if (!o.input.empty() && !o.kernel.empty())
            throw CLI::ValidationError("--kernel", "boots instead of a guest or scenario; give one or the other, not both (" +
                                                       o.input + " was given)");
    } catch (const CLI::CallForHelp& e) {
        std::cout << app.help();
        return {std::nullopt, kExitPoweredOff};
    } catch (const CLI::CallForVersion& e) {
        std::cout << e.what() << '\n';
        return {std::nullopt, kExitPoweredOff};
    } catch (const CLI::ParseError& e) {
        std::string message = e.what();
        if (dynamic_cast<const CLI::ArgumentMismatch*>(&e)) message = message.substr(0, message.find(':')) + ": needs a value";
        const auto* extra = dynamic_cast<const CLI::ExtrasError*>(&e);
        if (extra && !o.input.empty() && message.find(": -") == std::string::npos)
            message = fmt::format("one guest or scenario at a time ({} was given first); {}", o.input, message);
        std::fprintf(stderr, "%s: %s\nRun %s --help for the options.\n", name.c_str(), message.c_str(), name.c_str());
        return {std::nullopt, kExitBadInput};
    }
    return {o, 0};
}

int run_target(const TargetProfile& profile, int argc, char** argv) {
    VersionHooks hooks;
    profile.install(hooks);
    const std::string name = program_name(argc > 0 ? argv[0] : nullptr);
    const ParsedCommandLine parsed = parse_command_line(profile, hooks.version, argc, argv);
    if (!parsed.line) return parsed.status;
    const CommandLine& options = *parsed.line;
    if (options.list_traps) {
        list_traps(hooks);
        return kExitPoweredOff;
    }

    Scenario scenario;
    Tracer tracer;
    std::vector<std::unique_ptr<Vm>> vms;
    try {
        scenario = make_scenario(options, profile, hooks);
        if (options.trace) tracer.add(std::make_unique<TextTraceSink>(stderr));
        if (!options.trace_json.empty()) tracer.add(std::make_unique<JsonLinesTraceSink>(options.trace_json));
        if (!options.timeline.empty()) tracer.add(std::make_unique<ChromeTraceSink>(options.timeline));
        if (!options.report.empty()) tracer.add(std::make_unique<HtmlReportSink>(options.report));
        if (!options.dump_dtb.empty()) return dump_device_tree(scenario.vms.front(), options.dump_dtb, name);
        if (!options.control.empty())
            for (VmConfig& config : scenario.vms) config.console_prefix = "[" + config.name + "] ";
        for (const VmConfig& config : scenario.vms)
            vms.push_back(std::make_unique<Vm>(static_cast<unsigned>(vms.size()), config, load_boot_image(config),
                                               options.control.empty() ? write_console : write_console_now));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s\n", name.c_str(), e.what());
        return kExitBadInput;
    }
    if (!options.control.empty()) return run_with_control(name, hooks, scenario, options, tracer, std::move(vms));
    Vm& vm = *vms.front();

    Monitor monitor(hooks, tracer, scenario.monitor);
    std::unique_ptr<Stepper> stepper;
    if (options.step || !options.script.empty()) {
        StepperOptions stepping;
        stepping.target = name;
        stepping.script = options.script;
        stepping.interactive = options.step;
        stepping.pause = !options.no_pause;
        try {
            stepper = std::make_unique<Stepper>(vm, hooks.version, stepping);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "%s: %s\n", name.c_str(), e.what());
            return kExitBadInput;
        }
        tracer.add(std::make_unique<RunControlSink>(*stepper));
        monitor.set_debug_agent(stepper.get());
    }
    std::unique_ptr<GdbStub> gdb;
    if (options.gdb_port) {
        try {
            gdb = std::make_unique<GdbStub>(vm, hooks.version, name, static_cast<unsigned>(*options.gdb_port),
                                            options.gdb_wait);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "%s: %s\n", name.c_str(), e.what());
            return kExitBadInput;
        }
        tracer.add(std::make_unique<RunControlSink>(*gdb));
        monitor.set_debug_agent(gdb.get());
    }
    if (options.threads)
        std::fprintf(stderr, "%s: --threads: each physical CPU runs on its own host thread; this run is not deterministic\n",
                     name.c_str());
    std::unique_ptr<ProgressLine> progress;
    if (!stepper && !gdb && !options.threads && !options.quiet && !options.trace && isatty(STDERR_FILENO)) {
        progress = std::make_unique<ProgressLine>(name, stderr);
        monitor.set_debug_agent(progress.get());
    }
    if (stepper) stepper->attach_monitor(monitor);
    if (gdb) gdb->attach_monitor(monitor);
    std::unique_ptr<SnapshotAtAgent> snapshot_at;
    if (options.snapshot_at) {
        snapshot_at = std::make_unique<SnapshotAtAgent>(monitor, *options.snapshot_at, options.snapshot_file);
        progress.reset();
        monitor.set_debug_agent(snapshot_at.get());
    }
    std::unique_ptr<MigrateAtAgent> migrate_at;
    if (options.migrate_at) {
        MigrationOptions migration;
        migration.to = options.migrate_to;
        migration.bandwidth_mib = options.migrate_bandwidth;
        migration.threshold_pages = options.migrate_threshold;
        migration.max_rounds = options.migrate_max_rounds;
        migration.max_throttle = options.migrate_max_throttle;
        MigrationEvents events;
        events.round = [name](const MigrationRound& round) {
            std::fprintf(stderr, "%s: migrate: %s\n", name.c_str(), describe_migration_round(round).c_str());
        };
        events.note = [name](std::string_view note) {
            std::fprintf(stderr, "%s: migrate: %.*s\n", name.c_str(), static_cast<int>(note.size()), note.data());
        };
        events.finished = [name](const MigrationResult& result) {
            const std::string text = describe_migration_result(result);
            for (const std::string_view line : split_lines(text))
                std::fprintf(stderr, "%s: migrate: %.*s\n", name.c_str(), static_cast<int>(line.size()), line.data());
        };
        if (options.migrate_vm.empty() && scenario.vms.size() != 1) {
            std::fprintf(stderr, "%s: --migrate-to: the scenario has %zu VMs; --migrate-vm NAME says which to move\n",
                         name.c_str(), scenario.vms.size());
            return kExitBadInput;
        }
        if (!options.migrate_vm.empty() &&
            std::none_of(scenario.vms.begin(), scenario.vms.end(),
                         [&options](const VmConfig& c) { return c.name == options.migrate_vm; })) {
            std::vector<std::string> names;
            for (const VmConfig& c : scenario.vms) names.push_back(fmt::format("\"{}\"", c.name));
            std::fprintf(stderr, "%s: --migrate-vm: no VM is named \"%s\" (there %s %s)\n", name.c_str(),
                         options.migrate_vm.c_str(), names.size() == 1 ? "is" : "are", fmt::format("{}", fmt::join(names, ", ")).c_str());
            return kExitBadInput;
        }
        std::fprintf(stderr,
                     "%s: migrate: to %s once %llu instructions have retired; link %llu MiB/s of virtual time; stop and "
                     "copy at %llu dirty pages\n",
                     name.c_str(), options.migrate_to.c_str(), static_cast<unsigned long long>(*options.migrate_at),
                     static_cast<unsigned long long>(options.migrate_bandwidth),
                     static_cast<unsigned long long>(options.migrate_threshold));
        migrate_at = std::make_unique<MigrateAtAgent>(monitor, *options.migrate_at, options.migrate_vm, migration, events);
        progress.reset();
        monitor.set_debug_agent(migrate_at.get());
    }
    std::unique_ptr<ConsoleInput> console_input;
    if (options.console_input && !stepper && !gdb) {
        console_input = std::make_unique<ConsoleInput>(STDIN_FILENO);
        monitor.set_console_input(console_input.get());
    }
    for (auto& v : vms) monitor.add(*v);
    // The stepper's `vm` verbs go through the same lifecycle as the control socket's.
    VmLifecycle lifecycle(monitor, nullptr, nullptr);
    for (std::size_t i = 0; i < vms.size(); ++i) lifecycle.adopt(*vms[i], scenario.vms[i], nullptr, true);
    if (stepper) stepper->attach_lifecycle(lifecycle);
    if (!restore_from_file(monitor, options.restore, name)) return kExitBadInput;
    if (!options.incoming.empty()) {
        try {
            std::fprintf(stderr, "%s: incoming: waiting at %s\n", name.c_str(), options.incoming.c_str());
            std::vector<Vm*> candidates;
            for (auto& v : vms) candidates.push_back(v.get());
            const IncomingMigration in = receive_migration(monitor, candidates, parse_migration_address(options.incoming),
                                                           static_cast<int>(options.incoming_timeout) * 1000);
            if (vms.size() == 1)
                std::fprintf(stderr, "%s: incoming: %llu pages in %u page messages, then the vCPUs and devices; the VM runs "
                                     "here from instruction %llu\n",
                             name.c_str(), static_cast<unsigned long long>(in.pages), in.rounds,
                             static_cast<unsigned long long>(in.at_instruction));
            else
                std::fprintf(stderr, "%s: incoming: %s: %llu pages in %u page messages, then the vCPUs and devices; it runs "
                                     "here from its instruction %llu beside the others\n",
                             name.c_str(), in.vm.c_str(), static_cast<unsigned long long>(in.pages), in.rounds,
                             static_cast<unsigned long long>(in.at_instruction));
        } catch (const std::exception& e) {
            std::fprintf(stderr, "%s: --incoming %s: %s\n", name.c_str(), options.incoming.c_str(), e.what());
            return kExitBadInput;
        }
    }
    const auto start = std::chrono::steady_clock::now();
    monitor.run();
    if (migrate_at) migrate_at->finish();
    console_input.reset();  // the terminal back as it was
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fflush(stdout);
    if (progress) progress->erase();
    if (stepper) stepper->finish();
    if (gdb) gdb->finish();

    int status_if_unmigrated = kExitPoweredOff;
    RunSummary summary;
    summary.target = name;
    summary.version = std::string(hooks.version);
    for (std::size_t i = 0; i < vms.size(); ++i) summary.vms.push_back(summarize_vm(*vms[i], boot_file(scenario.vms[i])));
    // One VM on one pCPU: the table as it always was; more: shares and the pCPUs too.
    if (vms.size() > 1 || monitor.pcpu_count() > 1 || vm.vcpus().size() > 1) summarize_machine(summary, monitor);
    if (profile.report_speed) summary.host_seconds = seconds;
    try {
        RunSummary deterministic = summary;
        deterministic.host_seconds.reset();  // the files of a run are the same on every run
        tracer.finish(deterministic);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s\n", name.c_str(), e.what());
        return kExitBadInput;
    }
    if (!options.quiet) std::fputs(format_summary_table(summary).c_str(), stderr);
    if (migrate_at) {
        if (!migrate_at->migration()) {
            std::fprintf(stderr, "%s: --migrate-at: the run ended after %llu instructions, before %llu: no migration\n",
                         name.c_str(), static_cast<unsigned long long>(machine_instructions(monitor)),
                         static_cast<unsigned long long>(*options.migrate_at));
            status_if_unmigrated = kExitStopped;
        }
    }
    if (snapshot_at && snapshot_at->written())
        std::fprintf(stderr, "%s: the snapshot taken after %llu instructions is in %s\n", name.c_str(),
                     static_cast<unsigned long long>(snapshot_at->taken_at()), options.snapshot_file.c_str());
    if (snapshot_at && !snapshot_at->written()) {
        std::fprintf(stderr, "%s: --snapshot-at: %s\n", name.c_str(),
                     snapshot_at->error.empty()
                         ? fmt::format("the run ended after {} instructions, before {}: no snapshot was written",
                                       machine_instructions(monitor), *options.snapshot_at)
                               .c_str()
                         : snapshot_at->error.c_str());
        return kExitStopped;
    }
    int status = status_if_unmigrated;
    for (const auto& v : vms) {
        if (v->status == VmStatus::PoweredOff) continue;
        if (v->status == VmStatus::Migrated) continue;  // it runs on at the destination
        if (vms.size() == 1) std::fprintf(stderr, "%s: %s\n", name.c_str(), v->stop_reason.c_str());
        else std::fprintf(stderr, "%s: %s: %s\n", name.c_str(), v->name().c_str(), v->stop_reason.c_str());
        status = kExitStopped;
    }
    return status;
}

int run_target(InstallHandlers install, int argc, char** argv) {
    TargetProfile profile;
    profile.install = install;
    return run_target(profile, argc, argv);
}

}  // namespace trapeze
