// The dirty log's bitmap: marking, and fetching with clearing.
#include "emulator/dirty_log.h"

#include <bit>

namespace trapeze {

namespace {
constexpr unsigned kDirtyPageBits = 12;  // the log's granule: one 4 KiB page
}

DirtyLog::DirtyLog(std::uint64_t ram_base, std::uint64_t ram_size)
    : ram_base_(ram_base), pages_(ram_size >> kDirtyPageBits) {}

void DirtyLog::mark(std::uint64_t pa, std::uint64_t len) {
    if (len == 0 || pa < ram_base_) return;
    const std::uint64_t first = (pa - ram_base_) >> kDirtyPageBits;
    const std::uint64_t last = (pa - ram_base_ + len - 1) >> kDirtyPageBits;
    for (std::uint64_t page = first; page <= last && page < pages_; ++page) {
        std::atomic<std::uint64_t>& word = bits_[page / 64];
        const std::uint64_t bit = 1ull << (page % 64);
        // Most writes find the bit set already: read before the locked read-modify-write.
        if (!(word.load(std::memory_order_relaxed) & bit)) word.fetch_or(bit, std::memory_order_relaxed);
    }
}

void DirtyLog::start() {
    const std::uint64_t words = (pages_ + 63) / 64;
    if (!bits_) bits_ = std::make_unique<std::atomic<std::uint64_t>[]>(words);
    for (std::uint64_t i = 0; i < words; ++i) bits_[i].store(0, std::memory_order_relaxed);
    on_.store(true, std::memory_order_seq_cst);
}

void DirtyLog::stop() { on_.store(false, std::memory_order_seq_cst); }

std::vector<std::uint64_t> DirtyLog::fetch_and_clear() {
    std::vector<std::uint64_t> dirty;
    if (!bits_) return dirty;
    const std::uint64_t words = (pages_ + 63) / 64;
    for (std::uint64_t i = 0; i < words; ++i) {
        std::uint64_t word = bits_[i].exchange(0, std::memory_order_acq_rel);
        while (word) {
            const unsigned bit = static_cast<unsigned>(std::countr_zero(word));
            dirty.push_back(i * 64 + bit);
            word &= word - 1;
        }
    }
    return dirty;
}

}  // namespace trapeze
