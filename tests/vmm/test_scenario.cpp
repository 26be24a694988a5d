// Scenario files: defaults, relative guest paths, and a clear error for each malformed one.
#include <doctest/doctest.h>

#include <string>

#include "vmm/scenario.h"

using namespace trapeze;

namespace {
std::string error_of(const std::string& text) {
    try {
        parse_scenario(text, "/scenarios", "s.json");
    } catch (const ScenarioError& e) {
        return e.what();
    }
    return "(no error)";
}
}  // namespace

TEST_CASE("a scenario names its VMs and the monitor's settings; guest paths are relative to the file") {
    const Scenario s = parse_scenario(
        R"({"quantum": 500, "budget": 9000, "vms": [{"name": "a", "guest": "g.elf", "memory_mib": 16},
                                                  {"guest": "/abs/h.elf", "vcpus": 2}]})",
        "/scenarios");
    CHECK(s.monitor.quantum == 500);
    CHECK(s.monitor.budget == 9000);
    REQUIRE(s.vms.size() == 2);
    CHECK(s.vms[0].name == "a");
    CHECK(s.vms[0].guest == "/scenarios/g.elf");
    CHECK(s.vms[0].ram_size == 16ull << 20);
    CHECK(s.vms[1].name == "vm1");
    CHECK(s.vms[1].guest == "/abs/h.elf");
    CHECK(s.vms[1].vcpus == 2);
    CHECK(s.vms[1].ram_size == kDefaultRamSize);
}

TEST_CASE("malformed scenarios are refused with the reason") {
    CHECK(error_of("[1, 2]") == "s.json: the scenario must be a JSON object");
    CHECK(error_of("{").find("s.json: not valid JSON") == 0);
    CHECK(error_of(R"({"vms": []})") == "s.json: \"vms\" must be a non-empty array of VMs");
    CHECK(error_of(R"({"vms": [{"guest": "g.elf"}], "speed": 3})") == "s.json: unknown key \"speed\"");
    CHECK(error_of(R"({"vms": [{"guest": 7}]})") ==
          "s.json: vms[0]: \"guest\" (the path of a guest ELF) is required");
    CHECK(error_of(R"({"quantum": 0, "vms": [{"guest": "g.elf"}]})") ==
          "s.json: \"quantum\" must be a positive integer");
    CHECK(error_of(R"({"vms": [{"guest": "g.elf", "memory_mib": 4096}]})") ==
          "s.json: vms[0]: \"memory_mib\" is at most 2048");
    CHECK(error_of(R"({"vms": [{"guest": "g.elf", "vcpus": 64}]})") == "s.json: vms[0]: \"vcpus\" is at most 8");
}
