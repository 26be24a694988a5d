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
          "s.json: \"quantum\" must be from 1 to 1_000_000_000_000_000 instructions, not 0");
    CHECK(error_of(R"({"vms": [{"guest": "g.elf", "memory_mib": 4096}]})") ==
          "s.json: vms[0]: \"memory_mib\" must be from 1 to 2048 MiB, not 4096");
    CHECK(error_of(R"({"vms": [{"guest": "g.elf", "vcpus": 64}]})") ==
          "s.json: vms[0]: \"vcpus\" must be from 1 to 8 vCPUs, not 64");
}

// Every key with a bad value: the message names the key and what it accepts.
TEST_CASE("every scenario key refuses bad values with the range or the type it wants") {
    const auto vm = [](const std::string& fields) { return error_of(R"({"vms": [{"guest": "g.elf", )" + fields + "}]}"); };
    CHECK(error_of(R"({"quantum": -5, "vms": [{"guest": "g.elf"}]})") ==
          "s.json: \"quantum\" must be from 1 to 1_000_000_000_000_000 instructions, not -5");
    CHECK(error_of(R"({"quantum": 1.5, "vms": [{"guest": "g.elf"}]})") ==
          "s.json: \"quantum\" must be from 1 to 1_000_000_000_000_000 instructions, not 1.5");
    CHECK(error_of(R"({"quantum": "lots", "vms": [{"guest": "g.elf"}]})") ==
          "s.json: \"quantum\" \"lots\" is not a number (write it in decimal, 20000, or in hex, 0x4e20)");
    CHECK(error_of(R"({"quantum": true, "vms": [{"guest": "g.elf"}]})") ==
          "s.json: \"quantum\" must be a number from 1 to 1_000_000_000_000_000 instructions, not true");
    CHECK(error_of(R"({"budget": 0, "vms": [{"guest": "g.elf"}]})") ==
          "s.json: \"budget\" must be from 1 to 1_000_000_000_000_000 instructions, not 0");
    CHECK(error_of(R"({"budget": 1000000000000001, "vms": [{"guest": "g.elf"}]})") ==
          "s.json: \"budget\" must be from 1 to 1_000_000_000_000_000 instructions, not 1000000000000001");
    CHECK(error_of(R"({"budget": "0x99999999999999999", "vms": [{"guest": "g.elf"}]})") ==
          "s.json: \"budget\" must be from 1 to 1_000_000_000_000_000 instructions, not 0x99999999999999999");
    CHECK(error_of(R"({"description": 3, "vms": [{"guest": "g.elf"}]})") == "s.json: \"description\" must be a string");
    CHECK(error_of(R"({"vms": {"guest": "g.elf"}})") == "s.json: \"vms\" must be a non-empty array of VMs");
    CHECK(error_of(R"({"vms": [3]})") == "s.json: vms[0] must be an object");
    CHECK(vm(R"("name": "")") == "s.json: vms[0]: \"name\" must be a non-empty string");
    CHECK(vm(R"("name": 7)") == "s.json: vms[0]: \"name\" must be a non-empty string");
    CHECK(error_of(R"({"vms": [{"guest": ""}]})") == "s.json: vms[0]: \"guest\" (the path of a guest ELF) is required");
    CHECK(vm(R"("memory_mib": 0)") == "s.json: vms[0]: \"memory_mib\" must be from 1 to 2048 MiB, not 0");
    CHECK(vm(R"("memory_mib": "100000")") == "s.json: vms[0]: \"memory_mib\" must be from 1 to 2048 MiB, not 100000");
    CHECK(vm(R"("vcpus": 0)") == "s.json: vms[0]: \"vcpus\" must be from 1 to 8 vCPUs, not 0");
    CHECK(vm(R"("vcpus": "two")") ==
          "s.json: vms[0]: \"vcpus\" \"two\" is not a number (write it in decimal, 20000, or in hex, 0x4e20)");
}

TEST_CASE("scenario numbers take the command line's syntax as strings") {
    const Scenario s = parse_scenario(R"({"quantum": "0x4e20", "budget": "1_000_000", "vms": [{"guest": "g.elf",
                                          "memory_mib": "64"}]})",
                                      "/scenarios");
    CHECK(s.monitor.quantum == 20000);
    CHECK(s.monitor.budget == 1000000);
    CHECK(s.vms[0].ram_size == 64ull << 20);
}
