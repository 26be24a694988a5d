// The shared command line of the trapeze-vN targets.
#include "vmm/cli.h"

#include <cstdio>
#include <iostream>
#include <string>

#include <fmt/format.h>

#include "emulator/trap_policy.h"
#include "vmm/monitor.h"
#include "vmm/scenario.h"
#include "vmm/sysreg.h"

namespace trapeze {
namespace {

struct Options {
    std::string input;  // guest ELF or scenario JSON
    bool trace = false;
    std::string trace_json;
    bool list_traps = false;
    bool quiet = false;
    std::uint64_t quantum = 0, budget = 0, memory_mib = 0;  // 0: from the scenario or the default
};

constexpr const char* kUsage =
    "usage: {0} [options] GUEST.elf | SCENARIO.json\n"
    "  --trace              print one line per VM exit, virtual interrupt and stop to stderr\n"
    "  --trace-json FILE    write the same events as JSON lines to FILE\n"
    "  --list-traps         print which instructions trap and which registers {1} virtualizes\n"
    "  --quantum N          physical timer: a VM exit every N instructions (default 20000)\n"
    "  --budget N           stop a VM after N instructions (default 5000000000)\n"
    "  --mem MIB            guest RAM in MiB (default 128)\n"
    "  --quiet              no summary at the end\n";

std::uint64_t number(const std::string& flag, const char* text) {
    try {
        std::size_t used = 0;
        const std::uint64_t v = std::stoull(text, &used, 0);
        if (used == std::string(text).size() && v > 0) return v;
    } catch (const std::exception&) {
    }
    throw ScenarioError(fmt::format("{} needs a positive number, not \"{}\"", flag, text));
}

Options parse(int argc, char** argv, std::string_view version) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> const char* {
            if (i + 1 >= argc) throw ScenarioError(arg + " needs a value");
            return argv[++i];
        };
        if (arg == "--trace") o.trace = true;
        else if (arg == "--trace-json") o.trace_json = value();
        else if (arg == "--list-traps") o.list_traps = true;
        else if (arg == "--quiet") o.quiet = true;
        else if (arg == "--quantum") o.quantum = number(arg, value());
        else if (arg == "--budget") o.budget = number(arg, value());
        else if (arg == "--mem") o.memory_mib = number(arg, value());
        else if (arg == "--help" || arg == "-h") {
            std::cout << fmt::format(kUsage, argv[0], version);
            std::exit(0);
        } else if (!arg.empty() && arg[0] == '-') throw ScenarioError("unknown option " + arg);
        else if (o.input.empty()) o.input = arg;
        else throw ScenarioError("one guest or scenario at a time (got " + o.input + " and " + arg + ")");
    }
    if (o.input.empty() && !o.list_traps) throw ScenarioError("no guest ELF or scenario given");
    return o;
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

void print_summary(Vm& vm, const Monitor& monitor, std::string_view version) {
    std::uint64_t retired = 0, timer_exits = 0, virqs = 0;
    std::array<std::uint64_t, kExceptionClassCount> exits{}, forwarded{};
    for (auto& v : vm.vcpus()) {
        retired += v->retired;
        timer_exits += v->physical_timer_exits;
        virqs += v->virqs_injected;
        for (std::size_t i = 0; i < exits.size(); ++i) {
            exits[i] += v->exits_by_ec[i];
            forwarded[i] += v->forwarded_by_ec[i];
        }
    }
    const auto by_class_of = [](const std::array<std::uint64_t, kExceptionClassCount>& counts) {
        std::string text;
        for (const auto& info : kExceptionClasses)
            if (const std::uint64_t n = counts[static_cast<std::size_t>(info.ec)]) text += fmt::format(" {} {}", info.name, n);
        return text;
    };
    const std::string by_class = by_class_of(exits);
    const std::string forwarded_by_class = by_class_of(forwarded);
    std::fprintf(stderr, "--- %s: %s: %s\n", std::string(version).c_str(), vm.name().c_str(), vm.stop_reason.c_str());
    std::fprintf(stderr, "instructions retired: %llu\n", static_cast<unsigned long long>(retired));
    std::fprintf(stderr, "VM exits:%s physical-timer %llu\n", by_class.c_str(),
                 static_cast<unsigned long long>(timer_exits));
    std::fprintf(stderr, "virtual interrupts injected: %llu\n", static_cast<unsigned long long>(virqs));
    if (!forwarded_by_class.empty())
        std::fprintf(stderr, "exceptions forwarded to the guest kernel:%s\n", forwarded_by_class.c_str());
}

}  // namespace

int run_target(InstallHandlers install, int argc, char** argv) {
    VersionHooks hooks;
    install(hooks);
    Options options;
    Scenario scenario;
    try {
        options = parse(argc, argv, hooks.version);
        if (options.list_traps) {
            list_traps(hooks);
            return 0;
        }
        const bool is_json = options.input.size() > 5 && options.input.ends_with(".json");
        if (is_json) {
            scenario = load_scenario(options.input);
        } else {
            VmConfig config;
            config.guest = options.input;
            scenario.vms.push_back(config);
        }
        if (options.quantum) scenario.monitor.quantum = options.quantum;
        if (options.budget) scenario.monitor.budget = options.budget;
        if (options.memory_mib) scenario.vms.front().ram_size = options.memory_mib << 20;
        if (scenario.vms.size() != 1 || scenario.vms.front().vcpus != 1)
            throw ScenarioError(fmt::format("{} runs one VM with one vCPU; the scenario asks for {} VMs and {} vCPUs",
                                            hooks.version, scenario.vms.size(), scenario.vms.front().vcpus));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s\n", argv[0], e.what());
        return 2;
    }

    Tracer tracer;
    std::unique_ptr<Vm> vm;
    try {
        if (options.trace) tracer.add(std::make_unique<TextTraceSink>(stderr));
        if (!options.trace_json.empty()) tracer.add(std::make_unique<JsonLinesTraceSink>(options.trace_json));
        const VmConfig& config = scenario.vms.front();
        vm = std::make_unique<Vm>(0, config, ElfImage::read_file(config.guest),
                                  [](const std::string& line) { std::printf("%s\n", line.c_str()); });
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s\n", argv[0], e.what());
        return 2;
    }

    Monitor monitor(hooks, tracer, scenario.monitor);
    monitor.run(*vm);
    std::fflush(stdout);
    if (!options.quiet) print_summary(*vm, monitor, hooks.version);
    if (vm->status == VmStatus::PoweredOff) return 0;
    std::fprintf(stderr, "%s: %s\n", argv[0], vm->stop_reason.c_str());
    return 1;
}

}  // namespace trapeze
