// The threaded mode's speed-up: two VMs on two pCPUs, lock-step (one host thread) against
// --threads (a host thread per pCPU).
#pragma once

#include <string>

namespace trapeze::bench {

// Two VMs running `guest` on two pCPUs (the v6 VMM), in lock-step and in --threads mode, the
// two measured in alternation `runs` times; prints each mode's median and the speed-up.
// Returns false if a VM did not power off.
bool print_threads_speedup(int runs, const std::string& guest);

}  // namespace trapeze::bench
