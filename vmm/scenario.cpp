// Reading scenario files, with a clear error for every malformed one.
#include "vmm/scenario.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace trapeze {
namespace {

using nlohmann::json;

std::uint64_t positive(const json& object, const char* key, std::uint64_t fallback, const std::string& where) {
    if (!object.contains(key)) return fallback;
    const json& v = object.at(key);
    if (!v.is_number_unsigned() || v.get<std::uint64_t>() == 0)
        throw ScenarioError(fmt::format("{}: \"{}\" must be a positive integer", where, key));
    return v.get<std::uint64_t>();
}

void check_keys(const json& object, std::initializer_list<const char*> allowed, const std::string& where) {
    for (const auto& [key, value] : object.items()) {
        bool known = false;
        for (const char* a : allowed) known = known || key == a;
        if (!known) throw ScenarioError(fmt::format("{}: unknown key \"{}\"", where, key));
    }
}

}  // namespace

Scenario parse_scenario(const std::string& text, const std::string& base_dir, const std::string& name) {
    json root;
    try {
        root = json::parse(text);
    } catch (const json::parse_error& e) {
        throw ScenarioError(fmt::format("{}: not valid JSON: {}", name, e.what()));
    }
    if (!root.is_object()) throw ScenarioError(name + ": the scenario must be a JSON object");
    check_keys(root, {"quantum", "budget", "vms", "description"}, name);
    Scenario s;
    s.monitor.quantum = positive(root, "quantum", s.monitor.quantum, name);
    s.monitor.budget = positive(root, "budget", s.monitor.budget, name);
    if (!root.contains("vms") || !root["vms"].is_array() || root["vms"].empty())
        throw ScenarioError(name + ": \"vms\" must be a non-empty array of VMs");
    unsigned index = 0;
    for (const json& vm : root["vms"]) {
        const std::string where = fmt::format("{}: vms[{}]", name, index);
        if (!vm.is_object()) throw ScenarioError(where + " must be an object");
        check_keys(vm, {"name", "guest", "memory_mib", "vcpus"}, where);
        VmConfig config;
        config.name = vm.value("name", fmt::format("vm{}", index));
        if (!vm.contains("guest") || !vm["guest"].is_string())
            throw ScenarioError(where + ": \"guest\" (the path of a guest ELF) is required");
        std::filesystem::path guest = vm["guest"].get<std::string>();
        if (guest.is_relative()) guest = std::filesystem::path(base_dir) / guest;
        config.guest = guest.string();
        const std::uint64_t mib = positive(vm, "memory_mib", kDefaultRamSize >> 20, where);
        if (mib > 2048) throw ScenarioError(where + ": \"memory_mib\" is at most 2048");
        config.ram_size = mib << 20;
        config.vcpus = static_cast<unsigned>(positive(vm, "vcpus", 1, where));
        if (config.vcpus > 8) throw ScenarioError(where + ": \"vcpus\" is at most 8");
        s.vms.push_back(std::move(config));
        ++index;
    }
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
