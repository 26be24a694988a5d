// The migration benchmark: a 128 MiB VM moved to a second machine in this process, each move timed.
#include "bench/migration_bench.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <exception>
#include <thread>
#include <vector>

#include "emulator/elf_loader.h"
#include "versions/v2/handlers.h"
#include "vmm/migration.h"
#include "vmm/monitor.h"
#include "vmm/trace.h"
#include "vmm/vm.h"

namespace trapeze::bench {
namespace {

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

VmConfig config_of(const std::string& guest) {
    VmConfig config;
    config.guest = guest;
    config.ram_size = 128ull << 20;
    return config;
}

}  // namespace

bool print_migration_cost(int runs, const std::string& guest, std::uint64_t instructions) {
    try {
        VersionHooks hooks;
        v2::install(hooks);
        const std::string socket = fmt::format("/tmp/trapeze-bench-migration-{}.sock", getpid());
        MigrationResult last;
        std::vector<double> downtime_ms, total_ms;
        for (int i = 0; i < runs; ++i) {
            // The destination: a machine of the same guest, waiting in its own thread.
            Tracer dst_tracer;
            Monitor destination(hooks, dst_tracer, MonitorOptions{});
            Vm arriving(0, config_of(guest), ElfImage::read_file(guest), [](const std::string&) {});
            destination.add(arriving);
            std::string dst_error;
            std::thread waiting([&] {
                try {
                    receive_migration(destination, {&arriving}, parse_migration_address("unix:" + socket), 20'000);
                } catch (const std::exception& e) {
                    dst_error = e.what();
                }
            });
            for (int tries = 0; tries < 200 && access(socket.c_str(), F_OK) != 0; ++tries) usleep(10'000);
            Tracer src_tracer;
            Monitor source(hooks, src_tracer, MonitorOptions{});
            Vm leaving(0, config_of(guest), ElfImage::read_file(guest), [](const std::string&) {});
            MigrationOptions options;
            options.to = "unix:" + socket;
            MigrateAtAgent agent(source, instructions, "", options, {});
            source.set_debug_agent(&agent);
            source.run(leaving);
            agent.finish();
            waiting.join();
            if (!agent.migration() || agent.migration()->result().outcome != MigrationResult::Outcome::Completed) {
                fmt::print("migration: {}\n", agent.migration() ? describe_migration_result(agent.migration()->result())
                                                                : fmt::format("{} ended before {} instructions", guest,
                                                                              instructions));
                if (!dst_error.empty()) fmt::print("migration: the destination: {}\n", dst_error);
                return false;
            }
            last = agent.migration()->result();
            downtime_ms.push_back(last.downtime_host_ms);
            total_ms.push_back(last.total_host_ms);
        }
        std::uint64_t round_pages = 0;
        for (const MigrationRound& r : last.rounds) round_pages += r.pages_sent;
        fmt::print("\nLive migration ({} in 128 MiB of RAM, from {} instructions on; link {} MiB/s of virtual time; "
                   "median of {}):\n",
                   guest, last.started_at, MigrationOptions{}.bandwidth_mib, runs);
        fmt::print("  {} round{} ({} pages), then the stop-and-copy: {} pages and the vCPU and devices, {} bytes\n",
                   last.rounds.size(), last.rounds.size() == 1 ? "" : "s", round_pages, last.final_pages,
                   last.final_bytes);
        fmt::print("  downtime {} guest instructions, {:.2f} host ms; total {} pages ({} bytes), {:.2f} host ms\n",
                   last.downtime_instructions, median(downtime_ms), last.total_pages, last.total_bytes,
                   median(total_ms));
        return true;
    } catch (const std::exception& e) {
        fmt::print("migration: {}\n", e.what());
        return false;
    }
}

}  // namespace trapeze::bench
