// The address space of diff_test --mmu: layouts drawn from the seed, their tables, set-up code.
#include "tests/diff/mmu_world.h"

#include <fmt/format.h>

#include <cstring>

namespace trapeze::diff::mmu {
namespace {

// Stage-1 descriptor bits (VMSAv8-64, 4 KiB granule).
constexpr std::uint64_t kTableDescriptor = 0b11, kPageDescriptor = 0b11;
constexpr std::uint64_t kAF = 1ull << 10, kInnerShareable = 3ull << 8, kPXN = 1ull << 53;
constexpr std::uint64_t ap(unsigned ap21) { return std::uint64_t{ap21} << 6; }
// MAIR_EL1 Attr0: Normal write-back (AttrIndx 0 in every descriptor here). Unaligned accesses
// are allowed in Normal memory; QEMU 5 (Unicorn 2.0.1) never checks Device alignment, so the
// differential test stays with Normal memory and the unit tests cover Device memory.
constexpr std::uint64_t kMair = 0xff;
// TCR_EL1: T0SZ = 25 (39-bit VAs, walks start at level 1), write-back walks, inner shareable,
// TG0 = 4 KiB, EPD1 (no TTBR1 walks), TG1 = 4 KiB, IPS = 32 bits.
constexpr std::uint64_t kTcr = 25 | (0b01ull << 8) | (0b01ull << 10) | (0b11ull << 12) | (1ull << 23) | (0b10ull << 30);
// SCTLR_EL1: the reset value with M, C and I. SA/SA0 stay clear: QEMU 5 does not check SP alignment.
constexpr std::uint64_t kSctlr = 0x30D0'0800 | 1 | (1 << 2) | (1 << 12);

std::uint64_t attributes(Kind kind) {
    const std::uint64_t normal = kInnerShareable | kPageDescriptor;
    switch (kind) {
        case Kind::ReadWrite: return normal | kAF | ap(0b01);
        case Kind::El1ReadWrite: return normal | kAF | ap(0b00);
        case Kind::ReadOnly: return normal | kAF | ap(0b11);
        case Kind::El1ReadOnly: return normal | kAF | ap(0b10);
        case Kind::Unmapped: return 0;
        case Kind::NoAccessFlag: return normal | ap(0b01);
        case Kind::Executable: return normal | kAF | ap(0b11);
        case Kind::NotExecutable: return normal | kAF | ap(0b11) | kPXN;
    }
    return 0;
}

constexpr std::string_view kKindNames[] = {"read/write",  "EL1 read/write", "read-only",  "EL1 read-only",
                                           "unmapped",    "AF = 0",         "executable", "not executable (PXN)"};

// Draw from weighted kinds.
struct Weighted {
    Kind kind;
    unsigned weight;
};
// Most blocks should run to their end: faults stop them early.
constexpr Weighted kDataKinds[] = {{Kind::ReadWrite, 12},  {Kind::El1ReadWrite, 6}, {Kind::ReadOnly, 3},
                                   {Kind::El1ReadOnly, 1}, {Kind::Unmapped, 1},     {Kind::NoAccessFlag, 1}};
constexpr Weighted kEndKinds[] = {{Kind::Executable, 4}, {Kind::NotExecutable, 1}, {Kind::Unmapped, 1},
                                  {Kind::NoAccessFlag, 1}};
constexpr Weighted kCodeKinds[] = {{Kind::Executable, 40}, {Kind::NotExecutable, 1}};

template <std::size_t N>
Kind draw(std::mt19937_64& rng, const Weighted (&kinds)[N]) {
    unsigned total = 0;
    for (const Weighted& w : kinds) total += w.weight;
    unsigned pick = static_cast<unsigned>(rng() % total);
    for (const Weighted& w : kinds) {
        if (pick < w.weight) return w.kind;
        pick -= w.weight;
    }
    return kinds[0].kind;
}

void put64(std::uint8_t* ram, std::uint64_t pa, std::uint64_t value) { std::memcpy(ram + (pa - kRamBase), &value, 8); }

constexpr unsigned table_index(std::uint64_t va, unsigned level) {
    return static_cast<unsigned>((va >> (12 + 9 * (3 - level))) & 511);
}

}  // namespace

World::World(std::uint64_t seed) : rng_(seed ^ 0x3a3a'0001) {
    pages_ = {{kCodeBase, kCodePa, Kind::Executable},
              {kEndPage, kEndPagePa, Kind::Executable},
              {kDataBase, kPoolPa, Kind::ReadWrite},
              {kDataBase + 0x1000, kPoolPa + 0x1000, Kind::ReadWrite}};
}

void World::shuffle() {
    pages_[0].kind = draw(rng_, kCodeKinds);
    pages_[1].kind = draw(rng_, kEndKinds);
    const std::uint64_t first = kPoolPa + 0x1000 * (rng_() % kPoolPages);
    std::uint64_t second = kPoolPa + 0x1000 * (rng_() % kPoolPages);
    if (second == first && rng_() % 5 != 0) second = kPoolPa + (second - kPoolPa + 0x1000) % (0x1000 * kPoolPages);
    pages_[2] = {kDataBase, first, draw(rng_, kDataKinds)};
    pages_[3] = {kDataBase + 0x1000, second, draw(rng_, kDataKinds)};
}

void World::write_tables(std::uint8_t* ram) const {
    std::memset(ram + (kLevel1Table - kRamBase), 0, 0x3000);
    static_assert(table_index(kCodeBase, 1) == 1 && table_index(kSetupPa, 2) == 0, "one level-3 table holds every page");
    put64(ram, kLevel1Table + 8 * table_index(kCodeBase, 1), kLevel2Table | kTableDescriptor);
    put64(ram, kLevel2Table + 8 * table_index(kCodeBase, 2), kLevel3Table | kTableDescriptor);
    put64(ram, kLevel3Table + 8 * table_index(kSetupPa, 3), kSetupPa | attributes(Kind::Executable));
    for (const Page& p : pages_) {
        const std::uint64_t attrs = attributes(p.kind);
        put64(ram, kLevel3Table + 8 * table_index(p.va, 3), attrs ? p.pa | attrs : 0);
    }
}

TranslationRegime World::regime() const {
    TranslationRegime r;
    r.el = 1;
    r.sctlr = kSctlr;
    r.tcr = kTcr;
    r.ttbr0 = kLevel1Table;
    r.mair = kMair;
    return r;
}

std::vector<std::uint32_t> World::setup_code() const {
    return {
        0xd518a200,  // msr mair_el1, x0
        0xd5182041,  // msr tcr_el1, x1
        0xd5182002,  // msr ttbr0_el1, x2
        0xd5033fdf,  // isb
        0xd5181003,  // msr sctlr_el1, x3
        0xd5033fdf,  // isb
        0xd508871f,  // tlbi vmalle1
        0xd5033f9f,  // dsb sy
        0xd5033fdf,  // isb
    };
}

std::string World::describe() const {
    std::string text = "layout:";
    for (const Page& p : pages_)
        text += fmt::format(" VA {:#x} -> PA {:#x} {};", p.va, p.pa, kKindNames[static_cast<std::size_t>(p.kind)]);
    return text;
}

}  // namespace trapeze::diff::mmu
