// What the benchmark's parts share: a timed run's result, best-of-N, MIPS, and QEMU as a
// timed subprocess.
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>

namespace trapeze::bench {

using Clock = std::chrono::steady_clock;

struct Result {
    std::string console;
    std::uint64_t instructions = 0;  // counted by the interpreter only
    double seconds = std::numeric_limits<double>::infinity();
};

inline double since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// The fastest of `runs` runs: the one least disturbed by the rest of the machine.
template <typename Run>
Result best_of(int runs, Run run) {
    Result best;
    for (int i = 0; i < runs; ++i) {
        Result r = run();
        if (r.seconds < best.seconds) best = std::move(r);
    }
    return best;
}

// "123.4", or "-" when there is no time to divide by.
std::string mips(std::uint64_t instructions, double seconds);

// Boot `guest` on qemu-system-aarch64 (TCG) as `-kernel`, collect its console, and time the
// whole process on the wall clock (start-up and shutdown included). Throws unless QEMU exits
// with status 0, as it does on PSCI SYSTEM_OFF.
Result run_qemu(const std::string& qemu, const std::string& guest);

}  // namespace trapeze::bench
