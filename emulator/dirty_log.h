// A VM's dirty log, as KVM's: while logging is on, the first write to each RAM page since the
// last fetch is recorded in a bitmap (one bit per page). The interpreter records in its slow
// write path, which every page passes through before its write cache may hold it; the layer
// above empties the write caches whenever it starts logging or fetches, so the next write to
// every page is seen again. Safe to call from any host thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

namespace trapeze {

class DirtyLog {
public:
    DirtyLog(std::uint64_t ram_base, std::uint64_t ram_size);

    // The guest (or the VMM) writes [pa, pa + len): record its pages. Costs one load while off.
    void record(std::uint64_t pa, std::uint64_t len = 1) {
        if (!on_.load(std::memory_order_relaxed)) [[likely]] return;
        mark(pa, len);
    }
    bool on() const { return on_.load(std::memory_order_relaxed); }
    // Logging starts with an empty bitmap (the caller empties the write caches), and stops.
    void start();
    void stop();
    // The pages written since the last fetch (or start), as page indices from the RAM's base
    // in ascending order; the bitmap is empty afterwards.
    std::vector<std::uint64_t> fetch_and_clear();
    std::uint64_t pages() const { return pages_; }

private:
    void mark(std::uint64_t pa, std::uint64_t len);

    std::uint64_t ram_base_;
    std::uint64_t pages_;
    std::atomic<bool> on_{false};
    std::unique_ptr<std::atomic<std::uint64_t>[]> bits_;  // allocated when logging first starts
};

}  // namespace trapeze
