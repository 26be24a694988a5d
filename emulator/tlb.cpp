// The guest's TLB: lookup by page or block, TLBI by scope, first-in first-out when full.
#include "emulator/tlb.h"

#include "decoder/bits.h"

namespace trapeze {

const TlbEntry* Tlb::lookup(std::uint64_t va, std::uint16_t asid) const {
    for (unsigned level = 3; level >= 1; --level) {
        const auto& map = blocks(level);
        if (map.empty()) continue;
        const auto it = map.find(va >> block_bits(level));
        if (it == map.end()) continue;
        for (const Slot& slot : it->second)
            if (slot.entry.global || slot.entry.asid == asid) return &slot.entry;
    }
    return nullptr;
}

const TlbEntry& Tlb::insert(const TlbEntry& entry) {
    const std::uint64_t block = entry.va >> block_bits(entry.level);
    auto same_tag = [&](const Slot& slot) {
        return slot.entry.global == entry.global && (entry.global || slot.entry.asid == entry.asid);
    };
    if (auto it = blocks(entry.level).find(block); it != blocks(entry.level).end()) {
        for (Slot& slot : it->second) {
            if (!same_tag(slot)) continue;
            order_.erase(slot.serial);
            slot = {entry, next_serial_};
            order_.emplace(next_serial_++, Where{entry.level, block});
            return slot.entry;
        }
    }
    // Evict first: the oldest entry may share this entry's bucket.
    while (order_.size() >= capacity_) evict_oldest();
    Bucket& bucket = blocks(entry.level)[block];
    bucket.push_back({entry, next_serial_});
    order_.emplace(next_serial_++, Where{entry.level, block});
    return bucket.back().entry;
}

void Tlb::erase_slot(unsigned level, std::uint64_t block, std::size_t index) {
    auto it = blocks(level).find(block);
    Bucket& bucket = it->second;
    order_.erase(bucket[index].serial);
    bucket.erase(bucket.begin() + static_cast<std::ptrdiff_t>(index));
    if (bucket.empty()) blocks(level).erase(it);
}

void Tlb::evict_oldest() {
    const auto oldest = order_.begin();
    const Where where = oldest->second;
    const std::uint64_t serial = oldest->first;
    Bucket& bucket = blocks(where.level).find(where.block)->second;
    for (std::size_t i = 0; i < bucket.size(); ++i) {
        if (bucket[i].serial != serial) continue;
        erase_slot(where.level, where.block, i);
        return;
    }
}

void Tlb::invalidate(const TlbInvalidation& what, std::uint16_t asid_mask) {
    using Scope = TlbInvalidation::Scope;
    const std::uint16_t asid = what.asid & asid_mask;
    if (what.scope == Scope::All) {
        for (auto& map : blocks_) map.clear();
        order_.clear();
        return;
    }
    if (what.scope == Scope::Asid) {
        for (unsigned level = 1; level <= 3; ++level) {
            auto& map = blocks(level);
            for (auto it = map.begin(); it != map.end();) {
                Bucket& bucket = it->second;
                for (std::size_t i = bucket.size(); i-- > 0;) {
                    if (bucket[i].entry.global || bucket[i].entry.asid != asid) continue;
                    order_.erase(bucket[i].serial);
                    bucket.erase(bucket.begin() + static_cast<std::ptrdiff_t>(i));
                }
                it = bucket.empty() ? map.erase(it) : std::next(it);
            }
        }
        return;
    }
    // By VA: every page or block that contains it, whatever its size (a TLBI names a VA, not
    // the size of the entry that holds it).
    const auto va = static_cast<std::uint64_t>(sign_extend(what.va, 56));
    for (unsigned level = 1; level <= 3; ++level) {
        const std::uint64_t block = va >> block_bits(level);
        const auto it = blocks(level).find(block);
        if (it == blocks(level).end()) continue;
        for (std::size_t i = it->second.size(); i-- > 0;) {
            const TlbEntry& e = it->second[i].entry;
            if (what.scope == Scope::VaAllAsids || e.global || e.asid == asid) {
                erase_slot(level, block, i);
                if (blocks(level).find(block) == blocks(level).end()) break;  // the bucket is gone
            }
        }
    }
}

}  // namespace trapeze
