// Scenario files: which guests run in which VMs, on how many pCPUs, and the monitor's
// settings, as JSON (every key is annotated in examples/scenarios/README.md):
//   { "pcpus": 2, "quantum": 20000, "budget": 100000000, "scheduler": "weighted", "balance": true,
//     "vms": [ { "name": "vm0", "guest": "primes.elf", "memory_mib": 128, "vcpus": 1,
//                "affinity": [0], "weight": 2, "budget": 5000000 } ] }
// A bare guest ELF on the command line is the scenario of one VM with the defaults.
#pragma once

#include <stdexcept>

#include <nlohmann/json_fwd.hpp>
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
    std::string name = "scenario";  // the file, for messages
    std::vector<VmConfig> vms;
    MonitorOptions monitor;
    bool quantum_given = false;  // the file sets "quantum" (a target's own default yields to it)
    // Who set the pCPU count, the policy and balancing ("the scenario", "--pcpus"), for messages.
    std::string pcpus_from = "the scenario";
    std::string scheduler_from = "the scenario";
    std::string balance_from = "the scenario";
};

// Parse a scenario file; guest paths are relative to the file's folder. Throws
// ScenarioError naming the file and the problem.
Scenario load_scenario(const std::string& path);
// Parse scenario text (for tests); `base_dir` resolves relative guest paths.
Scenario parse_scenario(const std::string& text, const std::string& base_dir, const std::string& name = "scenario");
// One VM entry of a scenario's "vms" (also the arguments of the control socket's vm-create).
// `where` starts every message ("scenario.json: vms[1]"); `default_name` is its name if it
// gives none.
VmConfig parse_vm_entry(const nlohmann::json& vm, const std::string& base_dir, const std::string& where,
                        const std::string& default_name);
// Throws ScenarioError if a VM's affinity names a pCPU the machine does not have, or, under
// the gang policy, if a VM has more vCPUs than pCPUs to run them at once on (checked again
// after the command line changed the pCPU count or the policy).
void check_placement(const Scenario& scenario);

}  // namespace trapeze
