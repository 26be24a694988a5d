// The guest's stage-1 translation table walk (the manual's AArch64.TranslationTableWalk for
// the EL1&0 regime, 4 KiB granule) and the permission check that follows it
// (AArch64.CheckPermission). Pure functions of the regime and guest memory: the CPU caches
// what they give in its TLB.
#pragma once

#include <cstdint>

#include "emulator/guest_memory.h"
#include "emulator/mmu.h"
#include "emulator/tlb.h"

namespace trapeze {

// Stage-1 descriptor fields (VMSAv8-64, 4 KiB granule).
namespace descriptor {
inline constexpr std::uint64_t kValid = 1ull << 0;
inline constexpr std::uint64_t kTableOrPage = 1ull << 1;  // at levels 0..2: table; at level 3: page
inline constexpr std::uint64_t kAF = 1ull << 10;          // access flag
inline constexpr std::uint64_t kNG = 1ull << 11;          // not global: belongs to the current ASID
inline constexpr std::uint64_t kPXN = 1ull << 53;
inline constexpr std::uint64_t kUXN = 1ull << 54;
inline constexpr std::uint64_t kPXNTable = 1ull << 59;
inline constexpr std::uint64_t kUXNTable = 1ull << 60;
inline constexpr std::uint64_t kAPTableNoEl0 = 1ull << 61;     // APTable[0]: no access from EL0 below
inline constexpr std::uint64_t kAPTableReadOnly = 1ull << 62;  // APTable[1]: read-only below
inline constexpr std::uint64_t kAddressMask = 0x0000'ffff'ffff'f000;  // bits 47..12
constexpr unsigned attr_index(std::uint64_t d) { return (d >> 2) & 7; }
constexpr unsigned ap(std::uint64_t d) { return (d >> 6) & 3; }  // AP[2:1]
constexpr unsigned sh(std::uint64_t d) { return (d >> 8) & 3; }
}  // namespace descriptor

// AP[2:1] values: who may read and write.
namespace ap {
inline constexpr unsigned kEl1ReadWrite = 0b00;
inline constexpr unsigned kReadWrite = 0b01;   // EL1 and EL0
inline constexpr unsigned kEl1ReadOnly = 0b10;
inline constexpr unsigned kReadOnly = 0b11;    // EL1 and EL0
}  // namespace ap

struct WalkResult {
    bool ok = false;
    std::uint32_t fsc = 0;  // !ok: translation, access flag, address size or external abort, with the level
    TlbEntry entry;         // ok: the translation (its ASID is the current one)
};

// Walk the tables for `va` with the MMU on. Faults as the manual orders them: a VA outside
// both TTBR ranges or one whose TTBR has EPDx set (translation, level 0), a TTBR above the PA
// size (address size, level 0); then at each level: a table not in RAM (synchronous external
// abort on the walk), an invalid or reserved descriptor (translation), a table or output
// address above the PA size (address size), AF = 0 (access flag). `trace` collects the steps.
WalkResult walk_tables(const TranslationRegime& regime, GuestMemory& memory, std::uint64_t va,
                       WalkDescription* trace = nullptr);
// The same walk, for the debuggers: its steps and its outcome (the MMU is on in `regime`).
void describe_table_walk(const TranslationRegime& regime, GuestMemory& memory, std::uint64_t va,
                         WalkDescription& walk);

// The ASID translations are tagged with now: TCR_EL1.A1 picks TTBR0's or TTBR1's, TCR_EL1.AS
// its width.
std::uint16_t current_asid(const TranslationRegime& regime);
constexpr std::uint16_t asid_mask(const TranslationRegime& regime) {
    return (regime.tcr & tcr::kAS) ? 0xffff : 0xff;
}

// AArch64.CheckPermission for EL1&0 without PAN: may software at `el` (0 or 1) make this
// access? AP[2:1] gives read and write; UXN/PXN execute, with a page EL0 may write never
// executable at EL1 (implicit PXN) and, with SCTLR_EL1.WXN, a writable page never executable.
bool access_permitted(const TlbEntry& entry, AccessType access, unsigned el, bool wxn);

}  // namespace trapeze
