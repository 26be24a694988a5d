// The VMM's share of the benchmark: the cost of one trap round trip on Trapeze's monitor and
// on QEMU, and what the monitor costs a guest that rarely traps.
#pragma once

#include <functional>
#include <string>

#include "bench/bench_support.h"

namespace trapeze::bench {

struct TrapBenchOptions {
    int runs = 3;
    std::string dir;  // where traps-sysreg.elf, traps-hvc.elf and traps-none.elf are
    std::string qemu = "qemu-system-aarch64";
    bool use_qemu = true;
};

// The trap round-trip table: ns per MSR/MRS trap and per HVC round trip on Trapeze's v2 VMM
// and on QEMU. Returns false if the guests did not run on Trapeze.
bool print_trap_costs(const TrapBenchOptions& options);

// compute-style `guest` on the v1 VMM against `interpreter` (the bare interpreter on the same
// guest), the two measured in alternation. Returns false if the guest did not run on the VMM.
bool print_vmm_overhead(int runs, const std::string& guest, const std::function<Result()>& interpreter);

}  // namespace trapeze::bench
