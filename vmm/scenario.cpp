// Reading scenario files, with a clear error for every malformed one.
#include "vmm/scenario.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "vmm/settings.h"

namespace trapeze {
namespace {

using nlohmann::json;

// A number from the settings table: a JSON integer, or a string in the command line's
// syntax ("0x4e20", "20_000"), within the same limits as the command line's.
std::uint64_t number(const json& object, const NumberSetting& setting, std::uint64_t fallback, const std::string& where) {
    const std::string key(setting.key);
    if (!object.contains(key)) return fallback;
    const json& v = object.at(key);
    try {
        if (v.is_number_unsigned()) return check_setting(setting, v.get<std::uint64_t>());
        if (v.is_string()) return parse_setting(setting, v.get<std::string>());
        if (v.is_number_integer() || v.is_number_float())
            throw SettingError(fmt::format("must be {}, not {}", setting_range(setting), v.dump()));
        throw SettingError(fmt::format("must be a number {}, not {}", setting_range(setting), v.dump()));
    } catch (const SettingError& e) {
        throw ScenarioError(fmt::format("{}: \"{}\" {}", where, setting.key, e.what()));
    }
}

void check_keys(const json& object, std::initializer_list<const char*> allowed, const std::string& where) {
    for (const auto& [key, value] : object.items()) {
        bool known = false;
        for (const char* a : allowed) known = known || key == a;
        if (!known) throw ScenarioError(fmt::format("{}: unknown key \"{}\"", where, key));
    }
}

// A path key: a non-empty string, relative to the scenario's folder.
std::string file_key(const json& vm, const char* key, const std::string& base_dir, const std::string& where) {
    if (!vm[key].is_string() || vm[key].get<std::string>().empty())
        throw ScenarioError(fmt::format("{}: \"{}\" must be a file name (a non-empty string)", where, key));
    std::filesystem::path path = vm[key].get<std::string>();
    if (path.is_relative()) path = std::filesystem::path(base_dir) / path;
    return path.string();
}

// A VM that boots a real kernel: "kernel", and maybe "initrd", "append", "dtb" (as --kernel...).
void read_kernel_keys(const json& vm, const std::string& base_dir, const std::string& where, VmConfig& config) {
    if (vm.contains("guest")) throw ScenarioError(where + ": \"guest\" and \"kernel\" exclude each other; give one");
    config.kernel = file_key(vm, "kernel", base_dir, where);
    if (vm.contains("initrd")) config.initrd = file_key(vm, "initrd", base_dir, where);
    if (vm.contains("dtb")) config.dtb = file_key(vm, "dtb", base_dir, where);
    if (vm.contains("append")) {
        if (!vm["append"].is_string()) throw ScenarioError(where + ": \"append\" (the kernel's command line) must be a string");
        config.append = vm["append"].get<std::string>();
    }
}

// A flag: JSON true or false.
bool boolean(const json& object, const char* key, bool fallback, const std::string& where) {
    if (!object.contains(key)) return fallback;
    const json& v = object.at(key);
    if (!v.is_boolean()) throw ScenarioError(fmt::format("{}: \"{}\" must be true or false, not {}", where, key, v.dump()));
    return v.get<bool>();
}

// "scheduler": one of the names of the scheduler's policy table.
SchedulerPolicy policy(const json& object, SchedulerPolicy fallback, const std::string& where) {
    if (!object.contains("scheduler")) return fallback;
    const json& v = object.at("scheduler");
    if (v.is_string())
        if (const auto p = scheduler_policy_by_name(v.get<std::string>())) return *p;
    throw ScenarioError(fmt::format("{}: \"scheduler\" is {}, not {}", where, scheduler_policy_names(), v.dump()));
}

// "affinity": a non-empty array of pCPU numbers, each once (checked against the pCPU count
// by check_placement, once the command line has had its say).
std::vector<unsigned> affinity(const json& vm, const std::string& where) {
    std::vector<unsigned> pcpus;
    if (!vm.contains("affinity")) return pcpus;
    const json& v = vm.at("affinity");
    const auto refuse = [&] {
        return ScenarioError(fmt::format("{}: \"affinity\" must be a non-empty array of pCPU numbers, like [0, 1], not {}",
                                         where, v.dump()));
    };
    if (!v.is_array() || v.empty()) throw refuse();
    for (const json& p : v) {
        if (!p.is_number_unsigned() || p.get<std::uint64_t>() >= setting::kPcpus.max) throw refuse();
        const auto pcpu = p.get<unsigned>();
        if (std::find(pcpus.begin(), pcpus.end(), pcpu) != pcpus.end())
            throw ScenarioError(fmt::format("{}: \"affinity\" names pCPU {} twice", where, pcpu));
        pcpus.push_back(pcpu);
    }
    return pcpus;
}

}  // namespace

void check_placement(const Scenario& s) {
    const unsigned pcpus = s.monitor.pcpus;
    for (std::size_t i = 0; i < s.vms.size(); ++i)
        for (const unsigned p : s.vms[i].affinity)
            if (p >= pcpus)
                throw ScenarioError(fmt::format("{}: vms[{}] (\"{}\"): \"affinity\" names pCPU {}, but {} gives {} pCPU{} ({})",
                                                s.name, i, s.vms[i].name, p, s.pcpus_from, pcpus, pcpus == 1 ? "" : "s",
                                                pcpus == 1 ? "pCPU 0" : fmt::format("pCPUs 0..{}", pcpus - 1)));
    // The gang policy runs a VM's vCPUs all at once, each on a pCPU of its own.
    if (s.monitor.policy != SchedulerPolicy::Gang) return;
    for (std::size_t i = 0; i < s.vms.size(); ++i) {
        const VmConfig& vm = s.vms[i];
        const auto room = vm.affinity.empty() ? pcpus : static_cast<unsigned>(vm.affinity.size());
        if (vm.vcpus > room)
            throw ScenarioError(fmt::format(
                "{}: vms[{}] (\"{}\"): the gang scheduler ({}) runs a VM's {} vCPUs at once, one per pCPU, but {} {} pCPU{}",
                s.name, i, vm.name, s.scheduler_from, vm.vcpus, vm.affinity.empty() ? s.pcpus_from + " gives" : "its \"affinity\" names",
                room, room == 1 ? "" : "s"));
    }
}

VmConfig parse_vm_entry(const json& vm, const std::string& base_dir, const std::string& where,
                        const std::string& default_name) {
    if (!vm.is_object()) throw ScenarioError(where + " must be an object");
    check_keys(vm, {"name", "guest", "vcpus", "memory_mib", "affinity", "weight", "budget", "kernel", "initrd",
                    "append", "dtb"},
               where);
    VmConfig config;
    if (vm.contains("name") && (!vm["name"].is_string() || vm["name"].get<std::string>().empty()))
        throw ScenarioError(where + ": \"name\" must be a non-empty string");
    config.name = vm.value("name", default_name);
    if (vm.contains("kernel")) {
        read_kernel_keys(vm, base_dir, where, config);
    } else {
        if (!vm.contains("guest") || !vm["guest"].is_string() || vm["guest"].get<std::string>().empty())
            throw ScenarioError(where + ": \"guest\" (the path of a guest ELF) is required");
        for (const char* key : {"initrd", "append", "dtb"})
            if (vm.contains(key)) throw ScenarioError(fmt::format("{}: \"{}\" needs \"kernel\"", where, key));
        config.guest = file_key(vm, "guest", base_dir, where);
    }
    config.ram_size = number(vm, setting::kMemoryMib, kDefaultRamSize >> 20, where) << 20;
    config.vcpus = static_cast<unsigned>(number(vm, setting::kVcpus, 1, where));
    config.affinity = affinity(vm, where);
    config.weight = static_cast<unsigned>(number(vm, setting::kWeight, 1, where));
    config.budget = number(vm, setting::kBudget, 0, where);
    return config;
}

Scenario parse_scenario(const std::string& text, const std::string& base_dir, const std::string& name) {
    json root;
    try {
        root = json::parse(text);
    } catch (const json::parse_error& e) {
        throw ScenarioError(fmt::format("{}: not valid JSON: {}", name, e.what()));
    }
    if (!root.is_object()) throw ScenarioError(name + ": the scenario must be a JSON object");
    check_keys(root, {"description", "pcpus", "quantum", "budget", "scheduler", "balance", "vms"}, name);
    if (root.contains("description") && !root["description"].is_string())
        throw ScenarioError(name + ": \"description\" must be a string");
    Scenario s;
    s.name = name;
    s.monitor.pcpus = static_cast<unsigned>(number(root, setting::kPcpus, s.monitor.pcpus, name));
    s.monitor.quantum = number(root, setting::kQuantum, s.monitor.quantum, name);
    s.quantum_given = root.contains("quantum");
    s.monitor.budget = number(root, setting::kBudget, s.monitor.budget, name);
    s.monitor.policy = policy(root, s.monitor.policy, name);
    s.monitor.balance = boolean(root, "balance", s.monitor.balance, name);
    if (!root.contains("vms") || !root["vms"].is_array() || root["vms"].empty())
        throw ScenarioError(name + ": \"vms\" must be a non-empty array of VMs");
    unsigned index = 0;
    for (const json& vm : root["vms"]) {
        const std::string where = fmt::format("{}: vms[{}]", name, index);
        VmConfig config = parse_vm_entry(vm, base_dir, where, fmt::format("vm{}", index));
        for (std::size_t other = 0; other < s.vms.size(); ++other)
            if (s.vms[other].name == config.name)
                throw ScenarioError(fmt::format("{}: the name \"{}\" is taken by vms[{}]", where, config.name, other));
        s.vms.push_back(std::move(config));
        ++index;
    }
    check_placement(s);
    return s;
}

Scenario load_scenario(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw ScenarioError("cannot read scenario " + path);
    std::stringstream text;
    text << in.rdbuf();
    return parse_scenario(text.str(), std::filesystem::path(path).parent_path().string(), path);
}

}  // namespace trapeze
