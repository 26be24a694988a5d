// Scenario files: which guests run in which VMs, and the monitor's settings, as JSON.
//   { "quantum": 20000, "budget": 100000000,
//     "vms": [ { "name": "vm0", "guest": "primes.elf", "memory_mib": 128, "vcpus": 1 } ] }
// A bare guest ELF on the command line is the scenario of one VM with the defaults.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "vmm/monitor.h"
#include "vmm/vm.h"

namespace trapeze {

class ScenarioError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct Scenario {
    std::vector<VmConfig> vms;
    MonitorOptions monitor;
    bool quantum_given = false;  // the file sets "quantum" (a target's own default yields to it)
};

// Parse a scenario file; guest paths are relative to the file's folder. Throws
// ScenarioError naming the file and the problem.
Scenario load_scenario(const std::string& path);
// Parse scenario text (for tests); `base_dir` resolves relative guest paths.
Scenario parse_scenario(const std::string& text, const std::string& base_dir, const std::string& name = "scenario");

}  // namespace trapeze
