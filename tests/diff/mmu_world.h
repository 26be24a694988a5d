// The address space of `diff_test --mmu`: the generator's virtual pages (the code page, the
// two data pages) reach RAM through stage-1 tables, at EL1 on both CPUs. The data pages go to
// physical pages drawn from a pool (shuffled, sometimes both to one), and each is read/write,
// read-only, EL1-only, unmapped or without its access flag; the page after the code page,
// where every block ends with a branch, is executable or not. A new layout every few blocks.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "emulator/mmu.h"
#include "tests/diff/generator.h"

namespace trapeze::diff::mmu {

// Physical layout, inside the generator's RAM (kRamBase, kRamSize): tables, the pages the
// code runs from, the data pool, and the identity-mapped page of the set-up code.
inline constexpr std::uint64_t kLevel1Table = kRamBase + 0x1000;
inline constexpr std::uint64_t kLevel2Table = kRamBase + 0x2000;
inline constexpr std::uint64_t kLevel3Table = kRamBase + 0x3000;
inline constexpr std::uint64_t kEndPagePa = kRamBase + 0x6000;  // zeros: UDF #0 everywhere
inline constexpr std::uint64_t kCodePa = kRamBase + 0x7000;
inline constexpr std::uint64_t kPoolPa = kRamBase + 0x8000;
inline constexpr unsigned kPoolPages = 6;
inline constexpr std::uint64_t kSetupPa = kRamBase + 0xf000;
// Virtual: the block's final branch lands in the page after the code page.
inline constexpr std::uint64_t kEndPage = kCodeBase + 0x1000;
static_assert(kRamSize == 0x1'0000, "the layout fills the generator's 64 KiB of RAM");

enum class Kind : std::uint8_t {
    ReadWrite,      // AP = 01: read/write at EL1 and EL0
    El1ReadWrite,   // AP = 00: LDTR/STTR fault
    ReadOnly,       // AP = 11
    El1ReadOnly,    // AP = 10
    Unmapped,       // invalid descriptor: translation fault, level 3
    NoAccessFlag,   // AF = 0: access flag fault, level 3
    Executable,     // code pages: read-only, executable at EL1
    NotExecutable,  // code pages: read-only, PXN
};

class World {
public:
    explicit World(std::uint64_t seed);

    // Draw a new layout (the caller then writes the tables and invalidates both TLBs).
    void shuffle();
    // Write the tables into RAM, given as the host view of [kRamBase, kRamBase + kRamSize).
    void write_tables(std::uint8_t* ram) const;
    // The translation regime (EL1, 39-bit VAs, Normal write-back memory, MMU on).
    TranslationRegime regime() const;
    // The set-up code Unicorn runs at kSetupPa after every new layout: MSR MAIR_EL1, TCR_EL1,
    // TTBR0_EL1 from X0..X2, SCTLR_EL1 from X3, then TLBI VMALLE1. Ends at setup_end().
    std::vector<std::uint32_t> setup_code() const;
    std::uint64_t setup_end() const { return kSetupPa + 4 * setup_code().size(); }
    // Where this block's final branch goes: a word of the end page.
    std::uint64_t end_target(std::uint64_t salt) const { return kEndPage + 4 * (salt % 1024); }
    std::string describe() const;

private:
    struct Page {
        std::uint64_t va;
        std::uint64_t pa;
        Kind kind;
    };
    std::mt19937_64 rng_;
    std::vector<Page> pages_;  // code page, end page, data pages
};

}  // namespace trapeze::diff::mmu
