// Snapshots' share of the benchmark: the size of a whole-VM snapshot of a 128 MiB guest, and
// the time to take it and to restore it.
#pragma once

#include <cstdint>
#include <string>

namespace trapeze::bench {

// Runs `guest` on the v2 VMM in a VM of 128 MiB, snapshots it after `instructions`, and prints
// the snapshot's size and the median time of `runs` saves and restores. False if it could not.
bool print_snapshot_cost(int runs, const std::string& guest, std::uint64_t instructions = 2'000'000);

}  // namespace trapeze::bench
