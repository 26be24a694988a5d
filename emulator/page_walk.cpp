// The stage-1 walk, the permission check, and the debugger's description of a walk.
#include "emulator/page_walk.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "decoder/bits.h"
#include "emulator/exception_class.h"

namespace trapeze {
namespace {

// TCR_EL1.T0SZ/T1SZ outside 16..39 (an input size outside 25..48 bits) is CONSTRAINED
// UNPREDICTABLE: the walk uses the nearest allowed size, one of the behaviours the manual permits.
constexpr unsigned kMinInputBits = 25;
constexpr unsigned kMaxInputBits = 48;

// TCR_EL1.IPS -> output address bits (0b110 is 52 bits with FEAT_LPA; 0b111 is reserved).
// A size above what the CPU implements (PARange) means the implemented size.
constexpr unsigned kIpsBits[8] = {32, 36, 40, 42, 44, 48, 52, 52};
unsigned output_bits(std::uint64_t tcr_value) { return std::min(kIpsBits[tcr::ips(tcr_value)], kPaBits); }

// TCR_EL1.TG0/TG1: only the 4 KiB granule is implemented (ID_AA64MMFR0_EL1.TGran16/TGran64
// say so). The manual lets a granule size that is not implemented be treated as an implemented
// one: every TGx value walks 4 KiB tables.

// The level the walk starts at: enough 9-bit strides above the 12-bit page offset to consume
// the input address (level 0 for 40..48 bits, 1 for 31..39, 2 for 25..30).
constexpr unsigned start_level(unsigned input_bits) { return 4 - (input_bits - 12 + 8) / 9; }

WalkResult fault(std::uint32_t base, unsigned level) {
    WalkResult r;
    r.fsc = base + level;
    return r;
}

}  // namespace

std::uint16_t current_asid(const TranslationRegime& regime) {
    const std::uint64_t ttbr = (regime.tcr & tcr::kA1) ? regime.ttbr1 : regime.ttbr0;
    return static_cast<std::uint16_t>(ttbr >> 48) & asid_mask(regime);
}

WalkResult walk_tables(const TranslationRegime& regime, GuestMemory& memory, std::uint64_t va,
                       WalkDescription* trace) {
    const bool upper = (va >> 63) & 1;  // TTBR1's range is the top of the address space
    const unsigned size_field = upper ? tcr::t1sz(regime.tcr) : tcr::t0sz(regime.tcr);
    const unsigned input_bits = std::clamp(64 - size_field, kMinInputBits, kMaxInputBits);
    if (trace) trace->ttbr = upper;

    // VA bits above the input size must all equal bit 63, and the range's walks be enabled.
    const std::uint64_t above = va >> input_bits;
    const bool in_range = upper ? above == ones(64 - input_bits) : above == 0;
    const bool disabled = regime.tcr & (upper ? tcr::kEPD1 : tcr::kEPD0);
    if (!in_range || disabled) return fault(kFscTranslationLevel0, 0);

    const unsigned out_bits = output_bits(regime.tcr);
    const std::uint64_t ttbr = upper ? regime.ttbr1 : regime.ttbr0;
    const std::uint64_t base_address = ttbr & 0x0000'ffff'ffff'fffe;  // BADDR, bits 47..1
    if (base_address >> out_bits) return fault(kFscAddressSizeLevel0, 0);

    unsigned level = start_level(input_bits);
    // The first table has 2^(input_bits - block_bits(level)) entries and is aligned to its
    // size; lower TTBR bits are ignored.
    std::uint64_t table = base_address & ~ones(3 + input_bits - block_bits(level));
    unsigned index_top = input_bits;
    bool no_el0 = false, read_only = false, uxn = false, pxn = false;  // from the table levels

    for (;;) {
        const unsigned bottom = block_bits(level);
        WalkStep step;
        step.level = level;
        step.table = table;
        step.index = static_cast<unsigned>((va >> bottom) & ones(index_top - bottom));
        const std::uint8_t* host = memory.host(table + 8 * step.index, 8);
        if (!host) {
            step.kind = WalkStep::Kind::NotRam;
            if (trace) trace->steps.push_back(step);
            return fault(kFscExternalWalkLevel0, level);
        }
        std::uint64_t desc;
        std::memcpy(&desc, host, 8);
        step.descriptor = desc;
        const bool table_or_page = desc & descriptor::kTableOrPage;
        step.kind = !(desc & descriptor::kValid)         ? WalkStep::Kind::Invalid
                    : level == 3 && table_or_page        ? WalkStep::Kind::Page
                    : level == 3 || (level == 0 && !table_or_page) ? WalkStep::Kind::Reserved
                    : table_or_page                      ? WalkStep::Kind::Table
                                                         : WalkStep::Kind::Block;
        if (trace) trace->steps.push_back(step);

        switch (step.kind) {
            case WalkStep::Kind::NotRam: return fault(kFscExternalWalkLevel0, level);  // handled above
            case WalkStep::Kind::Invalid:
            case WalkStep::Kind::Reserved: return fault(kFscTranslationLevel0, level);
            case WalkStep::Kind::Table: {
                const std::uint64_t next = desc & descriptor::kAddressMask;
                if (next >> out_bits) return fault(kFscAddressSizeLevel0, level);
                // Hierarchical controls: a table's limits apply to everything below it.
                no_el0 |= (desc & descriptor::kAPTableNoEl0) != 0;
                read_only |= (desc & descriptor::kAPTableReadOnly) != 0;
                uxn |= (desc & descriptor::kUXNTable) != 0;
                pxn |= (desc & descriptor::kPXNTable) != 0;
                table = next;
                index_top = bottom;
                ++level;
                continue;
            }
            case WalkStep::Kind::Block:
            case WalkStep::Kind::Page: break;
        }

        if ((desc & descriptor::kAddressMask) >> out_bits) return fault(kFscAddressSizeLevel0, level);
        if (!(desc & descriptor::kAF)) return fault(kFscAccessFlagLevel0, level);
        WalkResult r;
        r.ok = true;
        TlbEntry& e = r.entry;
        e.va = va & ~ones(bottom);
        e.pa = desc & descriptor::kAddressMask & ~ones(bottom);
        e.level = level;
        e.global = !(desc & descriptor::kNG);
        e.asid = e.global ? 0 : current_asid(regime);
        unsigned ap = descriptor::ap(desc);
        if (read_only) ap |= 0b10;   // AP[2] = 1: read-only
        if (no_el0) ap &= ~0b01u;    // AP[1] = 0: no access from EL0
        e.ap = static_cast<std::uint8_t>(ap);
        e.uxn = uxn || (desc & descriptor::kUXN);
        e.pxn = pxn || (desc & descriptor::kPXN);
        e.attr = static_cast<std::uint8_t>(regime.mair >> (8 * descriptor::attr_index(desc)));
        e.sh = static_cast<std::uint8_t>(descriptor::sh(desc));
        return r;
    }
}

bool access_permitted(const TlbEntry& entry, AccessType access, unsigned el, bool wxn) {
    const bool el0_read = entry.ap & 0b01;       // AP[1]
    const bool el0_write = entry.ap == ap::kReadWrite;
    const bool el1_write = !(entry.ap & 0b10);   // AP[2] = 0
    switch (access) {
        case AccessType::Read: return el == 0 ? el0_read : true;
        case AccessType::Write: return el == 0 ? el0_write : el1_write;
        case AccessType::Execute:
            if (el == 0) return !(entry.uxn || (wxn && el0_write));
            return !(entry.pxn || el0_write || (wxn && el1_write));
    }
    return false;
}

namespace {

std::string describe_step(const WalkStep& s) {
    using Kind = WalkStep::Kind;
    const std::uint64_t d = s.descriptor;
    std::string text = fmt::format("L{} table {:#x}[{}] ", s.level, s.table, s.index);
    if (s.kind == Kind::NotRam) return text + "is not RAM";
    text += fmt::format("= {:#018x}: ", d);
    switch (s.kind) {
        case Kind::Invalid: return text + "invalid";
        case Kind::Reserved: return text + (s.level == 0 ? "block at level 0 (reserved)" : "reserved encoding");
        case Kind::Table: {
            text += fmt::format("table at {:#x}", d & descriptor::kAddressMask);
            if (d & descriptor::kAPTableReadOnly) text += " APTable:read-only";
            if (d & descriptor::kAPTableNoEl0) text += " APTable:no-EL0";
            if (d & descriptor::kUXNTable) text += " UXNTable";
            if (d & descriptor::kPXNTable) text += " PXNTable";
            return text;
        }
        default: break;
    }
    static constexpr std::string_view kAp[4] = {"EL1 read/write", "read/write", "EL1 read-only", "read-only"};
    text += fmt::format("{} at {:#x}, {}, AttrIndx {}, SH {}", s.kind == Kind::Page ? "page" : s.level == 1 ? "1 GiB block" : "2 MiB block",
                        d & descriptor::kAddressMask & ~ones(block_bits(s.level)), kAp[descriptor::ap(d)],
                        descriptor::attr_index(d), descriptor::sh(d));
    if (d & descriptor::kUXN) text += ", UXN";
    if (d & descriptor::kPXN) text += ", PXN";
    text += (d & descriptor::kAF) ? ", AF" : ", AF=0";
    text += (d & descriptor::kNG) ? ", nG" : ", global";
    return text;
}

}  // namespace

std::string format_walk(const WalkDescription& walk) {
    if (!walk.mmu_on) return fmt::format("VA {:#x}: MMU off, PA {:#x}\n", walk.va, walk.va);
    std::string text = fmt::format("VA {:#x} (TTBR{}):\n", walk.va, walk.ttbr);
    for (const WalkStep& s : walk.steps) text += "  " + describe_step(s) + "\n";
    const Translation& t = walk.result;
    if (t.ok)
        text += fmt::format("  -> PA {:#x}, {} memory (MAIR attribute {:#04x}), SH {}\n", t.pa,
                            t.device ? "Device" : "Normal", t.attr, t.sh);
    else
        text += fmt::format("  -> {}, level {} (FSC {:#04x})\n", fault_status_name(t.fsc), t.fsc & 3, t.fsc);
    return text;
}

void describe_table_walk(const TranslationRegime& regime, GuestMemory& memory, std::uint64_t va,
                         WalkDescription& walk) {
    const WalkResult r = walk_tables(regime, memory, va, &walk);
    walk.result.ok = r.ok;
    walk.result.fsc = r.fsc;
    if (r.ok) {
        walk.result.pa = r.entry.pa | (va & (r.entry.size() - 1));
        walk.result.device = r.entry.device();
        walk.result.attr = r.entry.attr;
        walk.result.sh = r.entry.sh;
    }
}

}  // namespace trapeze
