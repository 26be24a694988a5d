// The MMU-on figure: identity tables for the compute guest, and MMU off against on.
#include "bench/mmu_bench.h"

#include <fmt/format.h>

#include <cstdio>
#include <exception>

namespace trapeze::bench {
namespace {

constexpr std::uint64_t kPage = 0x1000;
constexpr std::uint64_t kTable = 0b11, kPageDescriptor = 0b11;
constexpr std::uint64_t kAF = 1ull << 10, kInnerShareable = 3ull << 8;
constexpr std::uint64_t kAttrNormal = 0ull << 2, kAttrDevice = 1ull << 2;  // AttrIndx into kMair
constexpr std::uint64_t kMair = 0x00'ff;                // Attr0 Normal write-back, Attr1 Device-nGnRnE
constexpr std::uint64_t kUxnPxn = (1ull << 54) | (1ull << 53);
// TCR_EL1: T0SZ = 25 (39-bit VAs), IRGN0 = ORGN0 = write-back, SH0 inner shareable, TG0 4 KiB,
// EPD1 (no TTBR1 walks), IPS 32 bits.
constexpr std::uint64_t kTcr = 25 | (0b01ull << 8) | (0b01ull << 10) | (0b11ull << 12) | (1ull << 23);
// SCTLR_EL1: the reset value with M (MMU), C and I (data and instruction caches) on.
constexpr std::uint64_t kSctlr = 0x30D0'0800 | 1 | (1 << 2) | (1 << 12);

class TableBuilder {
public:
    TableBuilder(GuestMemory& memory, std::uint64_t first) : memory_(memory), next_(first), root_(take()) {}

    std::uint64_t root() const { return root_; }

    void map_page(std::uint64_t va, std::uint64_t attributes) {
        std::uint64_t table = root_;
        for (unsigned level = 1; level < 3; ++level) table = next_table(table, index(va, level));
        write(table + 8 * index(va, 3), va | attributes | kAF | kPageDescriptor);
    }

private:
    static unsigned index(std::uint64_t va, unsigned level) {
        return static_cast<unsigned>((va >> (12 + 9 * (3 - level))) & 511);
    }
    std::uint64_t take() {
        const std::uint64_t table = next_;
        next_ += kPage;
        const std::uint8_t zeros[kPage] = {};
        memory_.write(table, zeros, kPage);
        return table;
    }
    std::uint64_t next_table(std::uint64_t table, unsigned i) {
        std::uint64_t d = 0;
        memory_.read(table + 8 * i, &d, 8);
        if ((d & 3) != kTable) {
            d = take() | kTable;
            write(table + 8 * i, d);
        }
        return d & 0x0000'ffff'ffff'f000;
    }
    void write(std::uint64_t pa, std::uint64_t value) { memory_.write(pa, &value, 8); }

    GuestMemory& memory_;
    std::uint64_t next_;
    std::uint64_t root_;
};

}  // namespace

TranslationRegime identity_map(GuestMemory& memory, std::uint64_t tables, std::uint64_t ram_base,
                               std::uint64_t ram_size, std::initializer_list<std::uint64_t> devices) {
    TableBuilder builder(memory, tables);
    for (std::uint64_t pa = ram_base; pa < ram_base + ram_size; pa += kPage)
        builder.map_page(pa, kAttrNormal | kInnerShareable);
    for (std::uint64_t device : devices) builder.map_page(device, kAttrDevice | kUxnPxn);
    TranslationRegime regime;
    regime.el = 1;
    regime.sctlr = kSctlr;
    regime.tcr = kTcr;
    regime.ttbr0 = builder.root();
    regime.mair = kMair;
    return regime;
}

bool print_mmu_cost(int runs, const std::string& guest, const std::function<Result()>& mmu_off,
                    const std::function<Result()>& mmu_on) {
    fmt::print("\nThe guest's MMU: {} with stage 1 off and on (identity map, 4 KiB pages, Normal write-back),\n"
               "best of {} run(s) each, in alternation\n",
               guest, runs);
    std::fflush(stdout);
    Result off, on;
    try {
        for (int i = 0; i < runs; ++i) {
            Result a = mmu_off();
            if (a.seconds < off.seconds) off = std::move(a);
            Result b = mmu_on();
            if (b.seconds < on.seconds) on = std::move(b);
        }
    } catch (const std::exception& e) {
        fmt::print("{}\n", e.what());
        return false;
    }
    fmt::print("{:<28} {:>14} {:>9} {:>9}\n", "interpreter", "instructions", "seconds", "MIPS");
    fmt::print("{:<28} {:>14} {:>9.3f} {:>9}\n", "MMU off", off.instructions, off.seconds,
               mips(off.instructions, off.seconds));
    fmt::print("{:<28} {:>14} {:>9.3f} {:>9}\n", "MMU on", on.instructions, on.seconds, mips(on.instructions, on.seconds));
    fmt::print("MMU on / MMU off time: {:.3f} ({:+.1f}%; the bar: at most +30%)\n", on.seconds / off.seconds,
               (on.seconds / off.seconds - 1) * 100);
    if (on.console != off.console)
        fmt::print("console output with the MMU on differs ({} vs {} bytes)\n", on.console.size(), off.console.size());
    return on.console == off.console;
}

}  // namespace trapeze::bench
