// The global exclusive monitor of one VM: which granule each vCPU's load-exclusive marked,
// cleared by another vCPU's store there; and each vCPU's event register (WFE, SEV, SEVL),
// which that clear sets. Shared by the interpreters that run the VM's vCPUs, which may be on
// different host threads (every member is safe to call from any of them).
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
    // The interpreter of vCPU `index` must look at its attention word (Cpu::kAttention*):
    // empty its write cache (the dirty log starts or a round begins) ...
    static constexpr std::uint32_t kFlushWriteCache = 1u << 1;
    // ... or drop the pages other vCPUs' new marks are in (take_mark_requests()).
    static constexpr std::uint32_t kDropMarkedPages = 1u << 3;
    // ... or leave its slice (a kick): it set the event register of a vCPU that waits in WFE,
    // and the VMM must wake that one (take_woken()).
    static constexpr std::uint32_t kWakeWaiters = 1u << 0;

    // vCPU `vcpu` marked the granule of guest-physical `pa` (LDXR, LDAXR, LDXP). When its
    // marks move to a new page, every other interpreter is told to drop that page from its
    // write cache (kDropMarkedPages), so their stores there reach store() from then on.
    void mark(unsigned vcpu, std::uint64_t pa);
    // The vCPUs whose marks moved to a new page since vCPU `vcpu`'s interpreter last dropped
    // theirs, one bit each. A store it made there through its write cache in the meantime
    // cleared no mark and sent no event: the interpreter sends each of them the event it may
    // have missed (Cpu::drop_pages_marked_by_others).
    std::uint32_t take_mark_requests(unsigned vcpu) {
        return slots_[vcpu].asked_by.load(std::memory_order_relaxed) ? slots_[vcpu].asked_by.exchange(0, std::memory_order_seq_cst) : 0;
    }
    // The guest-physical page of vCPU `vcpu`'s latest mark, live or not (~0: none).
    std::uint64_t marked_page(unsigned vcpu) const { return slots_[vcpu].page.load(std::memory_order_seq_cst); }
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

    // ---- The event register (the Arm ARM's EventRegistered / SendEvent / WaitForEvent)
    // SEV: every vCPU's event register is set. SEVL and an exception return: `vcpu`'s own.
    // `from` is the vCPU that sends (kMaxVcpus: the VMM): if a waiter is woken, its
    // interpreter is kicked so that the VMM looks at take_woken() soon.
    void send_event_all(unsigned from);
    void send_event(unsigned vcpu, unsigned from);
    // WFE: true (and the register cleared) if `vcpu`'s event register was set.
    bool take_event(unsigned vcpu) {
        return slots_[vcpu].event.load(std::memory_order_relaxed) && slots_[vcpu].event.exchange(false, std::memory_order_seq_cst);
    }
    bool event_pending(unsigned vcpu) const { return slots_[vcpu].event.load(std::memory_order_seq_cst); }
    // The VMM makes `vcpu` wait in WFE: false if its event register is set already (then it
    // must not wait). From then on an event sent to it is noted for take_woken().
    bool begin_wait(unsigned vcpu);
    // `vcpu` waits no more (woken, or its VM reset): its event register stays as it is.
    void end_wait(unsigned vcpu) { slots_[vcpu].waiting.store(false, std::memory_order_seq_cst); }
    bool waiting(unsigned vcpu) const { return slots_[vcpu].waiting.load(std::memory_order_seq_cst); }
    // The waiting vCPUs an event reached since the last call, one bit each.
    std::uint32_t take_woken() {
        return woken_.load(std::memory_order_relaxed) ? woken_.exchange(0, std::memory_order_seq_cst) : 0;
    }
    // A snapshot's restore, or a reset: set or clear the register as it was saved.
    void set_event(unsigned vcpu, bool set) { slots_[vcpu].event.store(set, std::memory_order_seq_cst); }

    // The interpreter of vCPU `vcpu` gets its requests through `attention` (null: none runs it).
    void attach(unsigned vcpu, std::atomic<std::uint32_t>* attention);
    // That interpreter runs vCPU `vcpu` no more (unless another one took it over already).
    void detach(unsigned vcpu, std::atomic<std::uint32_t>* attention);

private:
    static constexpr std::uint64_t kNone = ~0ull;
    void clear_others(unsigned vcpu, std::uint64_t pa, unsigned size);
    // `vcpu`'s event register was set: if it waits, note it and kick the sender's interpreter.
    void event_sent(unsigned vcpu, unsigned from);

    struct alignas(64) Slot {
        std::atomic<std::uint64_t> granule{kNone};  // pa >> kGranuleBits of the live mark
        std::atomic<std::uint64_t> page{kNone};     // the page of its latest mark, live or not
        std::atomic<std::atomic<std::uint32_t>*> attention{nullptr};
        std::atomic<bool> event{false};    // the event register
        std::atomic<bool> waiting{false};  // the VMM holds the vCPU in WFE until an event
        std::atomic<std::uint32_t> asked_by{0};  // take_mark_requests()
    };
    Slot slots_[kMaxVcpus];
    std::atomic<std::uint32_t> woken_{0};
    std::atomic<bool> armed_{false};
};

}  // namespace trapeze
