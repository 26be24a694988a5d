// Scenario files: defaults, relative guest paths, and a clear error for each malformed one;
// what each target supports.
#include <doctest/doctest.h>

#include <string>

#include "versions/v1/handlers.h"
#include "versions/v2/handlers.h"
#include "versions/v3/handlers.h"
#include "versions/v4/handlers.h"
#include "versions/v5/handlers.h"
#include "versions/v6/handlers.h"
#include "versions/v7/handlers.h"
#include "vmm/scenario.h"
#include "vmm/target_support.h"

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

TEST_CASE("a scenario sets the machine: pCPUs, the scheduler, balancing, and each VM's placement, weight and budget") {
    const Scenario s = parse_scenario(
        R"({"pcpus": 3, "scheduler": "weighted", "balance": true,
            "vms": [{"guest": "a.elf", "affinity": [2, 0], "weight": 3, "budget": 5000},
                    {"guest": "b.elf"}]})",
        "/scenarios");
    CHECK(s.monitor.pcpus == 3);
    CHECK(s.monitor.policy == SchedulerPolicy::Weighted);
    CHECK(s.monitor.balance);
    CHECK(s.vms[0].affinity == std::vector<unsigned>{2, 0});
    CHECK(s.vms[0].weight == 3);
    CHECK(s.vms[0].budget == 5000);
    // The defaults: one pCPU, round-robin, no balancing; any pCPU, weight 1, the scenario's budget.
    const Scenario d = parse_scenario(R"({"vms": [{"guest": "a.elf"}]})", "/scenarios");
    CHECK(d.monitor.pcpus == 1);
    CHECK(d.monitor.policy == SchedulerPolicy::RoundRobin);
    CHECK_FALSE(d.monitor.balance);
    CHECK(d.vms[0].affinity.empty());
    CHECK(d.vms[0].weight == 1);
    CHECK(d.vms[0].budget == 0);
    CHECK(s.vms[1].weight == 1);
}

TEST_CASE("the machine's keys refuse bad values with the key's path") {
    const auto vm = [](const std::string& fields) {
        return error_of(R"({"pcpus": 2, "vms": [{"guest": "g.elf"}, {"name": "b", "guest": "g.elf", )" + fields + "}]}");
    };
    CHECK(error_of(R"({"pcpus": 0, "vms": [{"guest": "g.elf"}]})") == "s.json: \"pcpus\" must be from 1 to 64 pCPUs, not 0");
    CHECK(error_of(R"({"pcpus": 65, "vms": [{"guest": "g.elf"}]})") == "s.json: \"pcpus\" must be from 1 to 64 pCPUs, not 65");
    CHECK(error_of(R"({"scheduler": "gang", "vms": [{"guest": "g.elf"}]})") ==
          "s.json: \"scheduler\" is \"round-robin\" or \"weighted\", not \"gang\"");
    CHECK(error_of(R"({"scheduler": 1, "vms": [{"guest": "g.elf"}]})") ==
          "s.json: \"scheduler\" is \"round-robin\" or \"weighted\", not 1");
    CHECK(error_of(R"({"balance": 1, "vms": [{"guest": "g.elf"}]})") == "s.json: \"balance\" must be true or false, not 1");
    CHECK(error_of(R"({"pcpu": 2, "vms": [{"guest": "g.elf"}]})") == "s.json: unknown key \"pcpu\"");
    CHECK(vm(R"("cpus": 2)") == "s.json: vms[1]: unknown key \"cpus\"");
    CHECK(vm(R"("affinity": [2])") ==
          "s.json: vms[1] (\"b\"): \"affinity\" names pCPU 2, but the scenario gives 2 pCPUs (pCPUs 0..1)");
    CHECK(vm(R"("affinity": [1, 1])") == "s.json: vms[1]: \"affinity\" names pCPU 1 twice");
    CHECK(vm(R"("affinity": [])") ==
          "s.json: vms[1]: \"affinity\" must be a non-empty array of pCPU numbers, like [0, 1], not []");
    CHECK(vm(R"("affinity": 1)") ==
          "s.json: vms[1]: \"affinity\" must be a non-empty array of pCPU numbers, like [0, 1], not 1");
    CHECK(vm(R"("affinity": [-1])") ==
          "s.json: vms[1]: \"affinity\" must be a non-empty array of pCPU numbers, like [0, 1], not [-1]");
    CHECK(vm(R"("weight": 0)") == "s.json: vms[1]: \"weight\" must be from 1 to 1000, not 0");
    CHECK(vm(R"("weight": 1001)") == "s.json: vms[1]: \"weight\" must be from 1 to 1000, not 1001");
    CHECK(vm(R"("budget": 0)") == "s.json: vms[1]: \"budget\" must be from 1 to 1_000_000_000_000_000 instructions, not 0");
    CHECK(vm(R"("vcpus": 9)") == "s.json: vms[1]: \"vcpus\" must be from 1 to 8 vCPUs, not 9");
    CHECK(vm(R"("name": "vm0")") == "s.json: vms[1]: the name \"vm0\" is taken by vms[0]");
    // One pCPU by default: pCPU 0 only.
    CHECK(error_of(R"({"vms": [{"guest": "g.elf", "affinity": [1]}]})") ==
          "s.json: vms[0] (\"vm0\"): \"affinity\" names pCPU 1, but the scenario gives 1 pCPU (pCPU 0)");
}

TEST_CASE("the scheduler's policies by name: one table gives the names scenarios and options take") {
    for (const SchedulerPolicyInfo& p : scheduler_policies()) {
        CHECK(scheduler_policy_by_name(p.name) == p.policy);
        CHECK(scheduler_policy_name(p.policy) == p.name);
    }
    CHECK(scheduler_policies().size() == 2);
    CHECK_FALSE(scheduler_policy_by_name("Round-Robin"));
    CHECK(scheduler_policy_names() == "\"round-robin\" or \"weighted\"");
}

namespace {
// What `install`'s target says about `text`: "" if it runs it, or why not.
std::string refusal(void (*install)(VersionHooks&), const std::string& text) {
    VersionHooks hooks;
    install(hooks);
    try {
        check_supported(parse_scenario(text, "/s"), hooks);
    } catch (const ScenarioError& e) {
        return e.what();
    }
    return "";
}
}  // namespace

TEST_CASE("each target says what it supports: v1..v4 one VM, one vCPU, one pCPU; v5 VMs; v6 pCPUs; v7 vCPUs") {
    const std::string two_vms = R"({"vms": [{"guest": "a.elf"}, {"guest": "b.elf"}]})";
    const std::string weighted = R"({"scheduler": "weighted", "vms": [{"guest": "a.elf"}]})";
    const std::string two_pcpus = R"({"pcpus": 2, "vms": [{"guest": "a.elf"}, {"guest": "b.elf"}]})";
    const std::string affinity = R"({"vms": [{"guest": "a.elf"}, {"name": "b", "guest": "b.elf", "affinity": [0]}]})";
    const std::string balance = R"({"balance": true, "vms": [{"guest": "a.elf"}, {"guest": "b.elf"}]})";
    const std::string smp = R"({"vms": [{"name": "smp", "guest": "a.elf", "vcpus": 4}]})";
    for (auto* install : {v1::install, v2::install, v3::install, v4::install}) {
        VersionHooks hooks;
        install(hooks);
        const std::string v(hooks.version);
        CAPTURE(v);
        CHECK(refusal(install, R"({"vms": [{"guest": "a.elf"}]})") == "");
        CHECK(refusal(install, two_vms) == v + " runs one VM; the scenario asks for 2 — version v5 adds them");
        CHECK(refusal(install, weighted) ==
              v + " has no VM scheduler to choose; the scenario asks for the \"weighted\" scheduler — version v5 adds it");
        CHECK(refusal(install, smp) == v + " runs one vCPU per VM; vms[0] (\"smp\") asks for 4 — version v7 adds them");
    }
    CHECK(refusal(v5::install, two_vms) == "");
    CHECK(refusal(v5::install, weighted) == "");
    CHECK(refusal(v5::install, two_pcpus) == "v5 runs one pCPU; the scenario asks for 2 — version v6 adds them");
    CHECK(refusal(v5::install, affinity) ==
          "v5 places no VM on a pCPU; vms[1] (\"b\") asks for an \"affinity\" — version v6 adds it");
    CHECK(refusal(v5::install, balance) == "v5 has no pCPUs to balance; the scenario asks for balancing — version v6 adds it");
    CHECK(refusal(v5::install, smp) == "v5 runs one vCPU per VM; vms[0] (\"smp\") asks for 4 — version v7 adds them");
    for (const std::string& s : {two_vms, weighted, two_pcpus, affinity, balance}) CHECK(refusal(v6::install, s) == "");
    CHECK(refusal(v6::install, smp) == "v6 runs one vCPU per VM; vms[0] (\"smp\") asks for 4 — version v7 adds them");
    for (const std::string& s : {two_vms, weighted, two_pcpus, affinity, balance, smp}) CHECK(refusal(v7::install, s) == "");
}
