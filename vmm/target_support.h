// Whether a target can run a scenario: the one place that compares what a scenario asks for
// (VMs, a scheduler policy, pCPUs, placement, balancing, vCPUs) with what the target's
// version supports (VersionHooks::supports), and names the version that adds what is missing.
#pragma once

#include "vmm/exit_handlers.h"
#include "vmm/scenario.h"

namespace trapeze {

// Throws ScenarioError ("v5 runs one pCPU; the scenario asks for 2 — version v6 adds them")
// for the first thing the scenario asks for that the target cannot do.
void check_supported(const Scenario& scenario, const VersionHooks& hooks);

}  // namespace trapeze
