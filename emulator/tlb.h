// The guest's TLB: the translations its stage-1 walks produced, tagged with their ASID (or
// global), kept until a TLBI removes them. Table changes, TTBR and ASID switches leave them
// alone, as the architecture allows: a guest that forgets its TLBI sees stale translations.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <unordered_map>
#include <vector>

#include "emulator/mmu.h"

namespace trapeze {

// Bits of VA a descriptor at `level` translates: 30 (1 GiB block), 21 (2 MiB block), 12 (page).
constexpr unsigned block_bits(unsigned level) { return 12 + 9 * (3 - level); }

// One cached translation: a page or block, with the permissions and attributes of its walk
// (the table levels' APTable/UXNTable/PXNTable already folded in).
struct TlbEntry {
    std::uint64_t va = 0;     // first virtual address of the page or block
    std::uint64_t pa = 0;     // first guest-physical address
    unsigned level = 3;       // of the descriptor: 1, 2 (blocks) or 3 (page)
    bool global = false;      // nG = 0: matches every ASID
    std::uint16_t asid = 0;   // nG = 1: the ASID it was walked for
    std::uint8_t ap = 0;      // AP[2:1]
    bool uxn = false;
    bool pxn = false;
    std::uint8_t attr = 0;    // the MAIR_EL1 byte AttrIndx chose
    std::uint8_t sh = 0;      // SH[1:0]

    std::uint64_t size() const { return 1ull << block_bits(level); }
    bool device() const { return (attr & 0xf0) == 0; }  // MAIR attr[7:4] = 0b0000: Device memory
};

class Tlb {
public:
    // A generous default: every 4 KiB page of a 256 MiB guest, for one ASID.
    static constexpr std::size_t kDefaultCapacity = 65536;
    explicit Tlb(std::size_t capacity = kDefaultCapacity) : capacity_(capacity) {}

    // The entry that translates `va` for `asid` (global entries match any), or nullptr.
    // Where a page and a block both match (a guest changed a mapping without TLBI), the
    // smaller one wins.
    const TlbEntry* lookup(std::uint64_t va, std::uint16_t asid) const;
    // Cache a walk's result. It replaces an entry for the same page or block and ASID tag;
    // when the TLB is full the oldest entry goes (first in, first out: deterministic).
    const TlbEntry& insert(const TlbEntry& entry);
    // TLBI: remove what `what` names. `asid_mask` is 0xff with 8-bit ASIDs, 0xffff with 16.
    void invalidate(const TlbInvalidation& what, std::uint16_t asid_mask);
    std::size_t size() const { return order_.size(); }
    std::size_t capacity() const { return capacity_; }

private:
    struct Slot {
        TlbEntry entry;
        std::uint64_t serial;  // insertion order, for first-in first-out eviction
    };
    struct Where {
        unsigned level;
        std::uint64_t block;  // va >> block_bits(level)
    };
    using Bucket = std::vector<Slot>;  // the entries of one page or block, one per ASID tag

    std::unordered_map<std::uint64_t, Bucket>& blocks(unsigned level) { return blocks_[level - 1]; }
    const std::unordered_map<std::uint64_t, Bucket>& blocks(unsigned level) const { return blocks_[level - 1]; }
    void erase_slot(unsigned level, std::uint64_t block, std::size_t index);
    void evict_oldest();

    std::size_t capacity_;
    std::uint64_t next_serial_ = 0;
    std::unordered_map<std::uint64_t, Bucket> blocks_[3];  // levels 1, 2, 3
    std::map<std::uint64_t, Where> order_;                 // serial -> entry, oldest first
};

}  // namespace trapeze
