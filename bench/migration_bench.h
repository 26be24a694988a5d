// Live migration's share of the benchmark: the downtime of a 128 MiB guest moved between two
// machines in this process over a Unix socket, its rounds and pages.
#pragma once

#include <cstdint>
#include <string>

namespace trapeze::bench {

// Runs `guest` on the v2 VMM in a VM of 128 MiB and migrates it after `instructions` to a
// second machine (a thread of this process, over a Unix socket), `runs` times; prints the
// rounds, pages and bytes and the median downtime in guest instructions and host ms. False
// if it could not.
bool print_migration_cost(int runs, const std::string& guest, std::uint64_t instructions = 2'000'000);

}  // namespace trapeze::bench
