// The cost of switching: a VM switch (two VMs time-share one pCPU) and a vCPU switch (two
// vCPUs of one VM time-share one pCPU), in host nanoseconds per switch, with the size of
// the context a switch saves and restores.
#pragma once

#include <string>

namespace trapeze::bench {

// Runs bench/spin.elf (in `dir`) on the v7 monitor with a short quantum, switching and not,
// and prints the difference per switch. Returns false if the guest did not run.
bool print_switch_costs(int runs, const std::string& dir);

}  // namespace trapeze::bench
