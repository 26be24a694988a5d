// What the guest's stage-1 MMU costs the interpreter: identity page tables built in the
// harness and pushed with Cpu::set_translation (no VMM), the compute guest run with the MMU
// off and on.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "bench/bench_support.h"
#include "emulator/guest_memory.h"
#include "emulator/mmu.h"

namespace trapeze::bench {

// Identity-map RAM [ram_base, ram_base + ram_size) with 4 KiB pages of Normal write-back
// memory (read/write/execute at EL1), and each device window [base, base + 4 KiB) as
// Device-nGnRnE. The tables go at `tables` (guest-physical, in RAM, out of the guest's way).
// Returns the regime that turns them on at EL1: 39-bit VAs, walks from level 1, caches on.
TranslationRegime identity_map(GuestMemory& memory, std::uint64_t tables, std::uint64_t ram_base,
                               std::uint64_t ram_size, std::initializer_list<std::uint64_t> devices);

// The same guest with the MMU off and on, measured in alternation, best of `runs` each; prints
// MIPS for both and their ratio.
bool print_mmu_cost(int runs, const std::string& guest, const std::function<Result()>& mmu_off,
                    const std::function<Result()>& mmu_on);

}  // namespace trapeze::bench
