// The control socket's command table and each command.
#include "vmm/control/control_commands.h"

#include <algorithm>

#include <fmt/format.h>

#include "vmm/control/lifecycle.h"
#include "vmm/control/migration_control.h"
#include "vmm/monitor.h"
#include "vmm/run_summary.h"
#include "vmm/scenario.h"
#include "vmm/snapshot.h"

namespace trapeze {
namespace {

std::string_view type_name(ArgumentType type) {
    switch (type) {
        case ArgumentType::String: return "string";
        case ArgumentType::Count: return "number";
        case ArgumentType::EventNames: return "array of event names";
    }
    return "?";
}

const std::string& name_of(const Json& arguments) { return arguments.at("name").get_ref<const std::string&>(); }

Json vm_answer(ControlContext& c, const std::string& name) {
    const ManagedVm& m = c.lifecycle.find(name);
    return {{"name", name}, {"state", vm_state_name(c.lifecycle.state(m))}};
}

// vm-boot, vm-pause...: one verb of the lifecycle's table on the VM `name`.
template <VmVerb verb>
Json run_verb(ControlContext& c, const Json& arguments) {
    const std::string name = name_of(arguments);
    if ((verb == VmVerb::Reset || verb == VmVerb::Destroy) && c.migrations.moving(name))
        throw ControlError{"MigrationActive", fmt::format("vm-{}: cannot {} VM \"{}\": it is being migrated "
                                                          "(migrate-cancel first)",
                                                          vm_verb_rule(verb).name, vm_verb_rule(verb).phrase, name)};
    c.lifecycle.apply(name, verb);
    if (verb == VmVerb::Destroy) return {{"name", name}, {"state", "destroyed"}};
    return vm_answer(c, name);
}

VmConfig vm_entry(const Json& arguments) {
    VmConfig config;
    try {
        config = parse_vm_entry(nlohmann::json::parse(arguments.dump()), ".", "arguments", "vm0");
    } catch (const ScenarioError& e) {
        throw ControlError{"InvalidArguments", e.what()};
    }
    config.console_prefix = "[" + config.name + "] ";
    return config;
}

Json run_create(ControlContext& c, const Json& arguments) {
    const ManagedVm& m = c.lifecycle.create(vm_entry(arguments));
    return vm_answer(c, m.vm->name());
}

// A Count argument within [low, high], or its default.
std::uint64_t count_in(const Json& arguments, std::string_view key, std::uint64_t fallback, std::uint64_t low,
                       std::uint64_t high) {
    const std::uint64_t n = arguments.value(std::string(key), fallback);
    if (n < low || n > high)
        throw ControlError{"InvalidArguments", fmt::format("migrate: \"{}\" must be from {} to {}, not {}", key, low, high, n)};
    return n;
}

Json run_migrate(ControlContext& c, const Json& arguments) {
    const std::string name = name_of(arguments);
    MigrationOptions options;  // the command line's defaults
    options.to = arguments.at("to").get<std::string>();
    options.bandwidth_mib = count_in(arguments, "bandwidth", options.bandwidth_mib, 1, 1 << 20);
    options.threshold_pages = count_in(arguments, "threshold", options.threshold_pages, 0, ~0ull);
    options.max_rounds = static_cast<unsigned>(count_in(arguments, "max-rounds", options.max_rounds, 1, 1000));
    options.max_throttle = static_cast<unsigned>(count_in(arguments, "max-throttle", options.max_throttle, 0, 99));
    c.migrations.migrate(name, options);
    return {{"name", name}, {"to", options.to}, {"status", "active"}};
}

Json run_migrate_incoming(ControlContext& c, const Json& arguments) {
    if (!arguments.contains("address") || !arguments["address"].is_string())
        throw ControlError{"InvalidArguments", "migrate-incoming: \"address\" (where the source connects: unix:PATH or "
                                               "tcp:HOST:PORT) is required, a string"};
    Json entry = arguments;
    entry.erase("address");
    const VmConfig config = vm_entry(entry);
    c.migrations.incoming(config, arguments["address"].get<std::string>());
    return vm_answer(c, config.name);
}

Json run_query_migrate(ControlContext& c, const Json&) { return c.migrations.query(); }

Json run_migrate_cancel(ControlContext& c, const Json&) { return c.migrations.cancel(); }

Json run_snapshot(ControlContext& c, const Json& arguments) {
    const std::string file = arguments.at("file").get<std::string>();
    // Each pCPU thread keeps its own clock: a snapshot is of the lock-step machine only.
    if (c.monitor.options().threads)
        throw ControlError{"GenericError", "snapshot: needs the deterministic mode (no --threads)"};
    try {
        const std::vector<std::uint8_t> bytes = save_snapshot(c.monitor);
        write_snapshot_file(file, bytes);
        return {{"file", file}, {"bytes", bytes.size()}, {"instructions", machine_instructions(c.monitor)}};
    } catch (const SnapshotError& e) {
        throw ControlError{"GenericError", fmt::format("snapshot: {}", e.what())};
    }
}

Json run_shutdown(ControlContext& c, const Json& arguments) {
    const std::string name = name_of(arguments);
    c.lifecycle.apply(name, VmVerb::Shutdown, arguments.value("grace", kDefaultShutdownGrace));
    return vm_answer(c, name);
}

std::string_view vcpu_state_name(VcpuState state) {
    switch (state) {
        case VcpuState::Runnable: return "runnable";
        case VcpuState::Blocked: return "blocked";
        case VcpuState::Off: return "off";
        case VcpuState::Stopped: return "stopped";
    }
    return "?";
}

Json run_query_vms(ControlContext& c, const Json&) {
    Json vms = Json::array();
    for (const auto& m : c.lifecycle.vms()) {
        const VmSummary s = summarize_vm(*m->vm, "");
        const VmState state = c.lifecycle.state(*m);
        Json vm = {{"name", s.name},
                   {"state", vm_state_name(state)},
                   {"vcpus", s.vcpus},
                   {"memory_mib", s.ram_mib},
                   {"instructions", s.retired},
                   {"exits", s.exits()},
                   {"physical_timer_exits", s.physical_timer_exits}};
        if (state == VmState::PoweredOff || state == VmState::Stopped) vm["reason"] = s.stop_reason;
        vms.push_back(std::move(vm));
    }
    return vms;
}

Json run_query_vcpus(ControlContext& c, const Json& arguments) {
    Json vcpus = Json::array();
    if (arguments.contains("name")) c.lifecycle.find(name_of(arguments));  // VmNotFound
    for (const auto& m : c.lifecycle.vms()) {
        if (arguments.contains("name") && m->vm->name() != name_of(arguments)) continue;
        // A VM not on the machine (created, migrated away, waiting for its state) has no pCPU.
        const auto& on_machine = c.monitor.vms();
        const bool placed = std::find(on_machine.begin(), on_machine.end(), m->vm) != on_machine.end();
        for (auto& v : m->vm->vcpus()) {
            std::uint64_t exits = 0;
            for (const std::uint64_t n : v->exits_by_ec) exits += n;
            vcpus.push_back({{"vm", m->vm->name()},
                             {"vcpu", v->id()},
                             {"state", vcpu_state_name(v->state)},
                             {"pc", fmt::format("{:#x}", v->pc())},
                             {"el", v->el()},
                             {"pcpu", placed ? Json(v->home) : Json(nullptr)},
                             {"instructions", v->retired},
                             {"exits", exits}});
        }
    }
    return vcpus;
}

std::set<std::string> event_names(const Json& arguments) {
    std::set<std::string> names;
    if (!arguments.contains("events")) {
        for (const ControlEvent& e : control_events()) names.emplace(e.name);
        return names;
    }
    for (const Json& n : arguments.at("events")) {
        const std::string& name = n.get_ref<const std::string&>();
        bool known = false;
        for (const ControlEvent& e : control_events()) known = known || e.name == name;
        if (!known) {
            std::vector<std::string_view> all;
            for (const ControlEvent& e : control_events()) all.push_back(e.name);
            throw ControlError{"InvalidArguments", fmt::format("\"events\": no event is named \"{}\" (there are {})", name,
                                                               fmt::join(all, ", "))};
        }
        names.insert(name);
    }
    return names;
}

Json subscribed(const ControlContext& c) {
    Json names = Json::array();
    for (const ControlEvent& e : control_events())  // in the table's order
        if (c.subscriptions.contains(std::string(e.name))) names.push_back(e.name);
    return {{"events", names}};
}

Json run_subscribe(ControlContext& c, const Json& arguments) {
    for (const std::string& n : event_names(arguments)) c.subscriptions.insert(n);
    return subscribed(c);
}

Json run_unsubscribe(ControlContext& c, const Json& arguments) {
    for (const std::string& n : event_names(arguments)) c.subscriptions.erase(n);
    return subscribed(c);
}

Json run_query_commands(ControlContext&, const Json&) {
    Json commands = Json::array();
    for (const ControlCommand& cmd : control_commands()) {
        Json arguments = Json::array();
        if (cmd.takes_vm_entry) arguments.push_back({{"key", "*"}, {"type", "a scenario's VM entry"}, {"required", true}});
        for (const ControlArgument& a : cmd.arguments)
            arguments.push_back({{"key", a.key}, {"type", type_name(a.type)}, {"required", a.required}, {"help", a.help}});
        commands.push_back({{"name", cmd.name}, {"arguments", arguments}, {"help", cmd.help}});
    }
    return commands;
}

Json run_query_events(ControlContext&, const Json&) {
    Json events = Json::array();
    for (const ControlEvent& e : control_events()) events.push_back({{"name", e.name}, {"help", e.help}});
    return events;
}

Json run_quit(ControlContext& c, const Json&) {
    c.quit = true;
    return Json::object();
}

const ControlArgument kNameArgument[] = {{"name", ArgumentType::String, true, "the VM's name"}};
const ControlArgument kMaybeNameArgument[] = {{"name", ArgumentType::String, false, "only this VM's"}};
const ControlArgument kShutdownArguments[] = {
    {"name", ArgumentType::String, true, "the VM's name"},
    {"grace", ArgumentType::Count, false, "guest instructions before it is powered off anyway (default 10000000)"}};
const ControlArgument kMigrateArguments[] = {
    {"name", ArgumentType::String, true, "the VM's name"},
    {"to", ArgumentType::String, true, "the destination: unix:PATH or tcp:HOST:PORT"},
    {"bandwidth", ArgumentType::Count, false, "the link in MiB per second of virtual time (default 128)"},
    {"threshold", ArgumentType::Count, false, "stop and copy once a round leaves this few dirty pages (default 64)"},
    {"max-rounds", ArgumentType::Count, false, "give up after this many rounds; the VM runs on here (default 30)"},
    {"max-throttle", ArgumentType::Count, false, "auto-converge: the largest cut of the VM's share in % (default 90; 0: off)"}};
const ControlArgument kIncomingArguments[] = {
    {"address", ArgumentType::String, true, "where the source connects: unix:PATH or tcp:HOST:PORT"}};
const ControlArgument kFileArgument[] = {{"file", ArgumentType::String, true, "the file to write"}};
const ControlArgument kEventsArgument[] = {{"events", ArgumentType::EventNames, false, "which events (default: all)"}};

// The commands, in the order query-commands lists them. A handler gets its arguments checked
// against its row's schema, returns the answer's "return" value, and throws ControlError or
// LifecycleError for an error answer.
const ControlCommand kCommands[] = {
    {"vm-create", {}, true, "make a VM from a scenario's VM entry (name, guest, vcpus, memory_mib...): created, not booted",
     run_create},
    {"vm-boot", kNameArgument, false, "start a created VM at its entry", run_verb<VmVerb::Boot>},
    {"vm-pause", kNameArgument, false, "take a running VM's vCPUs off the run queues", run_verb<VmVerb::Pause>},
    {"vm-resume", kNameArgument, false, "put a paused VM's vCPUs back on the run queues", run_verb<VmVerb::Resume>},
    {"vm-shutdown", kShutdownArguments, false,
     "ask the guest to power off (the power button, SPI INTID 39); power it off after the grace period if it does not",
     run_shutdown},
    {"vm-reset", kNameArgument, false, "reload the image and restart at the entry (a paused VM stays paused)",
     run_verb<VmVerb::Reset>},
    {"vm-destroy", kNameArgument, false, "take the VM off the machine and free it, in any state", run_verb<VmVerb::Destroy>},
    {"migrate", kMigrateArguments, false,
     "move a running VM to another Trapeze (migrate-incoming there) by pre-copy, from the next slice boundary; its rounds "
     "and end are events",
     run_migrate},
    {"migrate-incoming", kIncomingArguments, true,
     "make a VM from a scenario's VM entry that waits at an address for its state from a migrate, then runs on",
     run_migrate_incoming},
    {"query-migrate", {}, false, "the last migration out and in: status, rounds, pages, downtime", run_query_migrate},
    {"migrate-cancel", {}, false, "end the running migrations: out, the VM runs on here; in, the waiting VM goes",
     run_migrate_cancel},
    {"snapshot", kFileArgument, false, "write the machine (the VMs on its pCPUs) to a snapshot file, as the stepper's snapshot does", run_snapshot},
    {"query-vms", {}, false, "every VM: name, state, vCPUs, memory, instructions, exits", run_query_vms},
    {"query-vcpus", kMaybeNameArgument, false, "every vCPU: its VM, state, PC, virtual EL, pCPU, instructions, exits",
     run_query_vcpus},
    {"subscribe", kEventsArgument, false, "send these events to this client", run_subscribe},
    {"unsubscribe", kEventsArgument, false, "stop sending these events to this client", run_unsubscribe},
    {"query-commands", {}, false, "this table: every command and its arguments", run_query_commands},
    {"query-events", {}, false, "the events a client can subscribe to", run_query_events},
    {"quit", {}, false, "end the process (every VM with it)", run_quit},
};

// The events a client may subscribe to; a handler emits its own with ControlContext::emit.
const ControlEvent kEvents[] = {
    {"vm-created", "vm-create made a VM"},
    {"vm-booted", "a VM started at its entry"},
    {"vm-paused", "a VM was paused"},
    {"vm-resumed", "a VM was resumed"},
    {"vm-shutdown-requested", "a VM's power button was pressed (grace: its instructions to power off)"},
    {"vm-reset", "a VM was reset"},
    {"vm-powered-off", "a VM powered off (shutdown: \"by the guest\" or \"forced\", after a shutdown request)"},
    {"vm-stopped", "a VM stopped (reason: a fault, its budget, nothing can wake it)"},
    {"vm-destroyed", "a VM was destroyed"},
    {"migration-progress", "a migration's round ended: pages sent, pages the guest dirtied meanwhile, throttle (%)"},
    {"migration-completed", "a VM moved out: its downtime in guest instructions and host ms; it runs on there"},
    {"migration-received", "a VM moved in: it runs on here"},
    {"migration-gave-up", "a migration stopped after its last round (the guest dirtied too fast); the VM runs on here"},
    {"migration-failed", "a migration failed (the destination refused it or went, a corrupt stream); the source's VM runs on"},
    {"migration-cancelled", "migrate-cancel ended a migration"},
};

}  // namespace

std::span<const ControlCommand> control_commands() { return kCommands; }

const ControlCommand* find_control_command(std::string_view name) {
    for (const ControlCommand& c : kCommands)
        if (c.name == name) return &c;
    return nullptr;
}

std::span<const ControlEvent> control_events() { return kEvents; }

void check_arguments(const ControlCommand& command, const Json& arguments) {
    const auto bad = [&](const std::string& what) {
        return ControlError{"InvalidArguments", fmt::format("{}: {}", command.name, what)};
    };
    if (command.takes_vm_entry) return;  // the scenario's parser checks it, key by key
    for (const auto& [key, value] : arguments.items()) {
        bool known = false;
        for (const ControlArgument& a : command.arguments) known = known || a.key == key;
        if (!known) {
            if (command.arguments.empty()) throw bad(fmt::format("takes no arguments, not \"{}\"", key));
            std::vector<std::string> keys;
            for (const ControlArgument& a : command.arguments) keys.push_back(fmt::format("\"{}\"", a.key));
            throw bad(fmt::format("unknown argument \"{}\" (it takes {})", key, fmt::join(keys, ", ")));
        }
    }
    for (const ControlArgument& a : command.arguments) {
        if (!arguments.contains(a.key)) {
            if (a.required) throw bad(fmt::format("\"{}\" ({}) is required", a.key, a.help));
            continue;
        }
        const Json& v = arguments.at(a.key);
        bool ok = false;
        switch (a.type) {
            case ArgumentType::String: ok = v.is_string() && !v.get_ref<const std::string&>().empty(); break;
            case ArgumentType::Count: ok = v.is_number_unsigned(); break;
            case ArgumentType::EventNames:
                ok = v.is_array();
                for (const Json& n : v) ok = ok && n.is_string();
                break;
        }
        if (!ok)
            throw bad(fmt::format("\"{}\" must be {}, not {}",
                                  a.key, a.type == ArgumentType::String ? "a non-empty string" :
                                         a.type == ArgumentType::Count  ? "a whole number from 0" :
                                                                          "an array of event names",
                                  v.dump()));
    }
}

}  // namespace trapeze
