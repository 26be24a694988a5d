// The snapshot benchmark: one 128 MiB VM, saved and restored in place, each timed.
#include "bench/snapshot_bench.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <vector>

#include "emulator/elf_loader.h"
#include "versions/v2/handlers.h"
#include "vmm/monitor.h"
#include "vmm/snapshot.h"
#include "vmm/trace.h"
#include "vmm/vm.h"

namespace trapeze::bench {
namespace {

using Clock = std::chrono::steady_clock;

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

// Stops the run at the first slice after `at` instructions, and times saves there.
struct SnapshotTimer final : DebugAgent {
    Monitor* monitor = nullptr;
    std::uint64_t at = 0;
    int runs = 1;
    std::vector<std::uint8_t> snapshot;
    std::vector<double> save_seconds;
    std::uint64_t taken_at = 0;

    std::uint64_t before_slice(Vcpu& vcpu) override {
        if (!snapshot.empty() || machine_instructions(*monitor) < at) return ~0ull;
        taken_at = machine_instructions(*monitor);
        for (int i = 0; i < runs; ++i) {
            const auto start = Clock::now();
            snapshot = save_snapshot(*monitor);
            save_seconds.push_back(std::chrono::duration<double>(Clock::now() - start).count());
        }
        vcpu.vm().stop(VmStatus::Failed, "the benchmark has its snapshot");
        return ~0ull;
    }
    void after_slice(Vcpu&, const RunResult&) override {}
    bool exits_end_slices() const override { return false; }
};

}  // namespace

bool print_snapshot_cost(int runs, const std::string& guest, std::uint64_t instructions) {
    try {
        VersionHooks hooks;
        v2::install(hooks);
        Tracer tracer;
        VmConfig config;
        config.guest = guest;
        config.ram_size = 128ull << 20;
        Monitor monitor(hooks, tracer, MonitorOptions{});
        Vm vm(0, config, ElfImage::read_file(guest), [](const std::string&) {});
        SnapshotTimer timer;
        timer.monitor = &monitor;
        timer.at = instructions;
        timer.runs = runs;
        monitor.set_debug_agent(&timer);
        monitor.run(vm);
        if (timer.snapshot.empty()) {
            fmt::print("snapshot: {} ended before {} instructions\n", guest, instructions);
            return false;
        }
        // Restore into a fresh machine (the first time) and then in place again.
        Monitor target(hooks, tracer, MonitorOptions{});
        Vm copy(0, config, ElfImage::read_file(guest), [](const std::string&) {});
        target.add(copy);
        std::vector<double> restore_seconds;
        for (int i = 0; i < runs; ++i) {
            const auto start = Clock::now();
            restore_snapshot(target, timer.snapshot);
            restore_seconds.push_back(std::chrono::duration<double>(Clock::now() - start).count());
        }
        std::uint64_t pages = 0;
        for (std::uint64_t pa = kRamBase; pa < kRamBase + config.ram_size; pa += kPageSize) {
            const std::uint8_t* p = vm.memory().host(pa, kPageSize);
            pages += std::any_of(p, p + kPageSize, [](std::uint8_t b) { return b != 0; });
        }
        fmt::print("\nWhole-VM snapshot ({} in 128 MiB of RAM, after {} instructions; median of {}):\n", guest,
                   timer.taken_at, runs);
        fmt::print("  {} pages not all zero ({} KiB) -> snapshot of {} bytes\n", pages, pages * 4, timer.snapshot.size());
        fmt::print("  save {:.2f} ms, restore {:.2f} ms\n", median(timer.save_seconds) * 1e3, median(restore_seconds) * 1e3);
        return true;
    } catch (const std::exception& e) {
        fmt::print("snapshot: {}\n", e.what());
        return false;
    }
}

}  // namespace trapeze::bench
