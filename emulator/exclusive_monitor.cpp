// The global exclusive monitor: marks, their clearing by other vCPUs' stores, the pages the
// other interpreters must keep out of their write caches, and the event registers.
#include "emulator/exclusive_monitor.h"

namespace trapeze {
namespace {

constexpr unsigned kPageBits = 12;

}  // namespace

void GlobalMonitor::mark(unsigned vcpu, std::uint64_t pa) {
    Slot& slot = slots_[vcpu];
    armed_.store(true, std::memory_order_relaxed);
    slot.granule.store(pa >> kGranuleBits, std::memory_order_seq_cst);
    const std::uint64_t page = pa >> kPageBits;
    if (slot.page.load(std::memory_order_relaxed) == page) return;  // the others already keep it out
    slot.page.store(page, std::memory_order_seq_cst);
    // Until the others have dropped the page from their write caches, their plain stores there
    // do not clear this mark. STXR still compares the memory with what LDXR read (Cpu), so
    // only a store of the same value in that window goes unnoticed; and the event such a store
    // owes this vCPU comes when the other interpreter drops the page.
    for (unsigned other = 0; other < kMaxVcpus; ++other) {
        if (other == vcpu) continue;
        slots_[other].asked_by.fetch_or(1u << vcpu, std::memory_order_seq_cst);
        if (auto* attention = slots_[other].attention.load(std::memory_order_acquire))
            attention->fetch_or(kDropMarkedPages, std::memory_order_seq_cst);
    }
}

bool GlobalMonitor::take(unsigned vcpu, std::uint64_t pa) {
    std::uint64_t expected = pa >> kGranuleBits;
    return slots_[vcpu].granule.compare_exchange_strong(expected, kNone, std::memory_order_seq_cst);
}

bool GlobalMonitor::holds(unsigned vcpu, std::uint64_t pa) const {
    return slots_[vcpu].granule.load(std::memory_order_seq_cst) == pa >> kGranuleBits;
}

void GlobalMonitor::clear(unsigned vcpu) {
    if (vcpu < kMaxVcpus) slots_[vcpu].granule.store(kNone, std::memory_order_relaxed);
}

void GlobalMonitor::clear_others(unsigned vcpu, std::uint64_t pa, unsigned size) {
    const std::uint64_t first = pa >> kGranuleBits, last = (pa + size - 1) >> kGranuleBits;
    for (unsigned other = 0; other < kMaxVcpus; ++other) {
        if (other == vcpu) continue;
        std::uint64_t granule = slots_[other].granule.load(std::memory_order_seq_cst);
        if (granule < first || granule > last) continue;
        // The clear of a vCPU's mark by another's store is an event for it (it may wait in WFE
        // for the store: a spinlock's release).
        if (slots_[other].granule.compare_exchange_strong(granule, kNone, std::memory_order_seq_cst))
            send_event(other, vcpu);
    }
}

void GlobalMonitor::send_event_all(unsigned from) {
    for (unsigned vcpu = 0; vcpu < kMaxVcpus; ++vcpu) send_event(vcpu, from);
}

void GlobalMonitor::send_event(unsigned vcpu, unsigned from) {
    slots_[vcpu].event.store(true, std::memory_order_seq_cst);
    // Set, then look: begin_wait() marks the waiter, then looks at the register; with both in
    // one total order (seq_cst) at least one of the two sees the other, so no event is lost.
    if (slots_[vcpu].waiting.load(std::memory_order_seq_cst)) event_sent(vcpu, from);
}

void GlobalMonitor::event_sent(unsigned vcpu, unsigned from) {
    woken_.fetch_or(1u << vcpu, std::memory_order_seq_cst);
    if (from >= kMaxVcpus) return;  // the VMM sent it: it looks at take_woken() itself
    if (auto* attention = slots_[from].attention.load(std::memory_order_acquire))
        attention->fetch_or(kWakeWaiters, std::memory_order_relaxed);
}

bool GlobalMonitor::begin_wait(unsigned vcpu) {
    slots_[vcpu].waiting.store(true, std::memory_order_seq_cst);
    if (!slots_[vcpu].event.load(std::memory_order_seq_cst)) return true;
    slots_[vcpu].waiting.store(false, std::memory_order_seq_cst);
    return false;
}

bool GlobalMonitor::watched_by_others(unsigned vcpu, std::uint64_t page) const {
    if (!armed_.load(std::memory_order_relaxed)) return false;
    for (unsigned other = 0; other < kMaxVcpus; ++other)
        if (other != vcpu && slots_[other].page.load(std::memory_order_seq_cst) == page) return true;
    return false;
}

void GlobalMonitor::flush_all_write_caches() {
    for (Slot& slot : slots_)
        if (auto* attention = slot.attention.load(std::memory_order_acquire))
            attention->fetch_or(kFlushWriteCache, std::memory_order_relaxed);
}

void GlobalMonitor::attach(unsigned vcpu, std::atomic<std::uint32_t>* attention) {
    if (vcpu < kMaxVcpus) slots_[vcpu].attention.store(attention, std::memory_order_release);
}

void GlobalMonitor::detach(unsigned vcpu, std::atomic<std::uint32_t>* attention) {
    if (vcpu < kMaxVcpus) slots_[vcpu].attention.compare_exchange_strong(attention, nullptr, std::memory_order_acq_rel);
}

}  // namespace trapeze
