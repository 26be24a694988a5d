// The global exclusive monitor of one VM: which granule each vCPU's load-exclusive marked,
// cleared by another vCPU's store there; shared by the interpreters that run the VM's vCPUs,
// which may be on different host threads (every member is safe to call from any of them).
#pragma once

#include <atomic>
#include <cstdint>

namespace trapeze {

class GlobalMonitor {
public:
    // vCPUs per VM (the scenario's limit).
    static constexpr unsigned kMaxVcpus = 8;
    // The Exclusives Reservation Granule: 64 bytes (CTR_EL0.ERG = 4, as the Cortex-A57's).
    static constexpr unsigned kGranuleBits = 6;
    // The interpreter of vCPU `index` must look at its attention word (Cpu::kAttention*).
    static constexpr std::uint32_t kFlushWriteCache = 1u << 1;

    // vCPU `vcpu` marked the granule of guest-physical `pa` (LDXR, LDAXR, LDXP). When its
    // marks move to a new page, every other interpreter is told to drop that page from its
    // write cache (kFlushWriteCache), so their stores there reach store() from then on.
    void mark(unsigned vcpu, std::uint64_t pa);
    // Take vCPU `vcpu`'s mark on pa's granule: true if it was still there (STXR may store).
    bool take(unsigned vcpu, std::uint64_t pa);
    // Whether vCPU `vcpu` holds a mark on pa's granule now.
    bool holds(unsigned vcpu, std::uint64_t pa) const;
    void clear(unsigned vcpu);
    // vCPU `vcpu` stores to [pa, pa + size): every other vCPU's mark on those granules is
    // cleared (the architecture's global monitor). `vcpu` = kMaxVcpus: the VMM itself stores.
    void store(unsigned vcpu, std::uint64_t pa, unsigned size) {
        if (!armed_.load(std::memory_order_relaxed)) return;  // no vCPU ever marked anything
        clear_others(vcpu, pa, size);
    }
    // Whether a vCPU other than `vcpu` has marked, now or last, something in guest-physical
    // page `page` (pa >> 12): such a page stays out of `vcpu`'s write cache.
    bool watched_by_others(unsigned vcpu, std::uint64_t page) const;

    // Every interpreter running one of the VM's vCPUs empties its write cache at its next
    // check (the dirty log starts or a round begins); one that attaches later starts empty.
    void flush_all_write_caches();

    // The interpreter of vCPU `vcpu` gets its requests through `attention` (null: none runs it).
    void attach(unsigned vcpu, std::atomic<std::uint32_t>* attention);
    // That interpreter runs vCPU `vcpu` no more (unless another one took it over already).
    void detach(unsigned vcpu, std::atomic<std::uint32_t>* attention);

private:
    static constexpr std::uint64_t kNone = ~0ull;
    void clear_others(unsigned vcpu, std::uint64_t pa, unsigned size);

    struct alignas(64) Slot {
        std::atomic<std::uint64_t> granule{kNone};  // pa >> kGranuleBits of the live mark
        std::atomic<std::uint64_t> page{kNone};     // the page of its latest mark, live or not
        std::atomic<std::atomic<std::uint32_t>*> attention{nullptr};
    };
    Slot slots_[kMaxVcpus];
    std::atomic<bool> armed_{false};
};

}  // namespace trapeze
