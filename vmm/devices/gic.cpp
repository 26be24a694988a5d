// The GICv3 subset: interrupt selection for the CPU interface, SPI routing, and the MMIO
// register maps of the distributor and the redistributors.
#include "vmm/devices/gic.h"

#include <algorithm>
#include <string_view>

#include <fmt/format.h>

namespace trapeze {
namespace {

// Register offsets, from the GICv3 architecture specification (Arm IHI 0069).
constexpr std::uint64_t GICD_CTLR = 0x0000, GICD_TYPER = 0x0004, GICD_IIDR = 0x0008, GICD_TYPER2 = 0x000C,
                        GICD_STATUSR = 0x0010, GICD_SETSPI_NSR = 0x0040, GICD_CLRSPI_SR = 0x0058,
                        GICD_IGROUPR = 0x0080, GICD_ISENABLER = 0x0100, GICD_ICENABLER = 0x0180,
                        GICD_ISPENDR = 0x0200, GICD_ICPENDR = 0x0280, GICD_ISACTIVER = 0x0300,
                        GICD_ICACTIVER = 0x0380, GICD_IPRIORITYR = 0x0400, GICD_ITARGETSR = 0x0800,
                        GICD_ICFGR = 0x0C00, GICD_IGRPMODR = 0x0D00, GICD_NSACR = 0x0E00, GICD_SGIR = 0x0F00,
                        GICD_SPENDSGIR_END = 0x0F30, GICD_IROUTER = 0x6000, GICD_IDS = 0xFFD0;
constexpr std::uint64_t GICR_CTLR = 0x0000, GICR_IIDR = 0x0004, GICR_TYPER = 0x0008, GICR_STATUSR = 0x0010,
                        GICR_WAKER = 0x0014, GICR_SETLPIR = 0x0040, GICR_CLRLPIR = 0x0048,
                        GICR_PROPBASER = 0x0070, GICR_PENDBASER = 0x0078, GICR_INVLPIR = 0x00A0,
                        GICR_INVALLR = 0x00B0, GICR_SYNCR = 0x00C0, GICR_IDS = 0xFFD0;
constexpr std::uint64_t kSgiBase = 0x1'0000;
constexpr std::uint64_t GICR_IGROUPR0 = kSgiBase + 0x0080, GICR_ISENABLER0 = kSgiBase + 0x0100,
                        GICR_ICENABLER0 = kSgiBase + 0x0180, GICR_ISPENDR0 = kSgiBase + 0x0200,
                        GICR_ICPENDR0 = kSgiBase + 0x0280, GICR_ISACTIVER0 = kSgiBase + 0x0300,
                        GICR_ICACTIVER0 = kSgiBase + 0x0380, GICR_IPRIORITYR = kSgiBase + 0x0400,
                        GICR_ICFGR0 = kSgiBase + 0x0C00, GICR_ICFGR1 = kSgiBase + 0x0C04,
                        GICR_IGRPMODR0 = kSgiBase + 0x0D00, GICR_NSACR = kSgiBase + 0x0E00;
constexpr std::uint32_t kWakerProcessorSleep = 1u << 1, kWakerChildrenAsleep = 1u << 2;
constexpr std::uint32_t kIidrArm = 0x43B;        // implementer: Arm
constexpr std::uint32_t kCtlrDs = 1u << 6;       // one security state, as QEMU virt without EL3
constexpr std::uint32_t kSgiConfigEdge = 0xAAAA'AAAA;
constexpr std::uint64_t kEoiModeBit = 1u << 1;   // ICC_CTLR_EL1.EOImode
constexpr std::uint64_t kIccCtlrPriBits = 7u << 8;  // 8 bits of priority (PRIbits = 7), 16-bit INTIDs
constexpr std::uint32_t kTyperLast = 1u << 4;
constexpr std::uint64_t kAffinityFields = 0xff'00ff'ffffull;  // Aff3 [39:32], Aff2..Aff0 [23:0]
// GICD_TYPER: ITLinesNumber = INTIDs / 32 - 1, IDbits = 10 bits - 1; no LPIs, no MBIS, no A3V.
constexpr std::uint32_t kTyperItLines = kGicIntids / 32 - 1;
constexpr std::uint32_t kTyperIdBits = 9u << 19;
// PIDR4..7, PIDR0..3, CIDR0..3 at 0xFFD0..0xFFFC: Arm's JEDEC code, ArchRev 3 in PIDR2.
constexpr std::uint8_t kIds[12] = {0x44, 0x00, 0x00, 0x00, 0x92, 0xB4, 0x3B, 0x00, 0x0D, 0xF0, 0x05, 0xB1};

constexpr std::uint64_t ones(unsigned bits) { return bits >= 64 ? ~0ull : (1ull << bits) - 1; }

// An access of 1, 2, 4 or 8 bytes (naturally aligned: Device memory faults otherwise) split
// into the 32-bit registers it covers, with the byte lanes it touches in each.
template <class ReadWord>
std::uint64_t read_lanes(std::uint64_t offset, unsigned size, ReadWord read_word) {
    std::uint64_t value = 0;
    for (unsigned done = 0; done < size;) {
        const std::uint64_t at = offset + done;
        const unsigned lane = static_cast<unsigned>(at & 3);
        const unsigned take = std::min(size - done, 4 - lane);
        const std::uint64_t word = read_word(at - lane);
        value |= ((word >> (8 * lane)) & ones(8 * take)) << (8 * done);
        done += take;
    }
    return value;
}

template <class WriteWord>
void write_lanes(std::uint64_t offset, unsigned size, std::uint64_t value, WriteWord write_word) {
    for (unsigned done = 0; done < size;) {
        const std::uint64_t at = offset + done;
        const unsigned lane = static_cast<unsigned>(at & 3);
        const unsigned take = std::min(size - done, 4 - lane);
        const auto mask = static_cast<std::uint32_t>(ones(8 * take) << (8 * lane));
        const auto part = static_cast<std::uint32_t>(((value >> (8 * done)) & ones(8 * take)) << (8 * lane));
        write_word(at - lane, part, mask);
        done += take;
    }
}

// A plain read/write register under a byte mask.
void merge(std::uint32_t& reg, std::uint32_t value, std::uint32_t mask) { reg = (reg & ~mask) | (value & mask); }

std::uint8_t id_byte(std::uint64_t offset, std::uint64_t base) { return kIds[(offset - base) / 4]; }
bool in(std::uint64_t offset, std::uint64_t first, std::uint64_t end) { return offset >= first && offset < end; }

void add_note(std::string_view* note, const GicDistributor* gicd, const std::string& name, std::string_view why) {
    if (!note || !gicd) return;
    if (const std::string_view text = gicd->take_note(name, why); !text.empty()) *note = text;
}

// The registers the specification lets this GIC leave out, by offset range, and why.
struct Omitted {
    std::uint64_t first, end;
    std::string_view name, why;
};
constexpr std::string_view kNoLpis = "no LPIs: GICD_TYPER.LPIS = 0";
constexpr std::string_view kOneSecurityState = "one security state: GICD_CTLR.DS = 1";
constexpr Omitted kDistributorOmitted[] = {
    {GICD_STATUSR, GICD_STATUSR + 4, "GICD_STATUSR", "optional: no error reporting"},
    {GICD_SETSPI_NSR, GICD_CLRSPI_SR + 4, "GICD_SETSPI/CLRSPI", "no message-based SPIs: GICD_TYPER.MBIS = 0"},
    {GICD_ITARGETSR, GICD_ICFGR, "GICD_ITARGETSR", "affinity routing: GICD_IROUTER routes SPIs"},
    {GICD_IGRPMODR, GICD_IGRPMODR + 0x80, "GICD_IGRPMODR", kOneSecurityState},
    {GICD_NSACR, GICD_SGIR, "GICD_NSACR", kOneSecurityState},
    {GICD_SGIR, GICD_SPENDSGIR_END, "GICD_SGIR/CPENDSGIR/SPENDSGIR", "affinity routing: SGIs go through ICC_SGI1R_EL1"},
};
constexpr Omitted kRedistributorOmitted[] = {
    {GICR_STATUSR, GICR_STATUSR + 4, "GICR_STATUSR", "optional: no error reporting"},
    {GICR_SETLPIR, GICR_CLRLPIR + 8, "GICR_SETLPIR/CLRLPIR", kNoLpis},
    {GICR_PROPBASER, GICR_PROPBASER + 8, "GICR_PROPBASER", kNoLpis},
    {GICR_PENDBASER, GICR_PENDBASER + 8, "GICR_PENDBASER", kNoLpis},
    {GICR_INVLPIR, GICR_SYNCR + 4, "GICR_INVLPIR/INVALLR/SYNCR", kNoLpis},
    {GICR_IGRPMODR0, GICR_IGRPMODR0 + 4, "GICR_IGRPMODR0", kOneSecurityState},
    {GICR_NSACR, GICR_NSACR + 4, "GICR_NSACR", kOneSecurityState},
};

void note_distributor_omission(const GicDistributor* gicd, std::uint64_t offset, std::string_view* note) {
    if (!note) return;
    if (offset >= GICD_IGROUPR && offset < GICD_IPRIORITYR) {
        constexpr std::string_view kBitmaps[] = {"IGROUPR", "ISENABLER", "ICENABLER", "ISPENDR",
                                                 "ICPENDR", "ISACTIVER", "ICACTIVER"};
        const std::uint64_t n = (offset & 0x7F) / 4;
        add_note(note, gicd, fmt::format("GICD_{}{}", kBitmaps[(offset - GICD_IGROUPR) / 0x80], n),
                 n == 0 ? "INTIDs 0-31 are the redistributors' (affinity routing)"
                        : "no such INTIDs: GICD_TYPER.ITLinesNumber = 2");
        return;
    }
    for (const Omitted& o : kDistributorOmitted)
        if (in(offset, o.first, o.end)) return add_note(note, gicd, std::string(o.name), o.why);
    if (in(offset, GICD_IPRIORITYR, GICD_ITARGETSR) || in(offset, GICD_ICFGR, GICD_IGRPMODR) ||
        in(offset, GICD_IROUTER, GICD_IROUTER + 8 * 1020))
        return add_note(note, gicd, fmt::format("GICD+{:#x}", offset),
                        offset < GICD_ICFGR + 8 || in(offset, GICD_IPRIORITYR, GICD_IPRIORITYR + kGicFirstSpi) ||
                                in(offset, GICD_IROUTER, GICD_IROUTER + 8 * kGicFirstSpi)
                            ? "INTIDs 0-31 are the redistributors' (affinity routing)"
                            : "no such INTIDs: GICD_TYPER.ITLinesNumber = 2");
    add_note(note, gicd, fmt::format("GICD+{:#x}", offset), "reserved");
}

void note_redistributor_omission(const GicDistributor* gicd, std::uint64_t offset, std::string_view* note) {
    if (!note) return;
    for (const Omitted& o : kRedistributorOmitted)
        if (in(offset, o.first, o.end)) return add_note(note, gicd, std::string(o.name), o.why);
    add_note(note, gicd, fmt::format("GICR+{:#x}", offset), "reserved");
}

}  // namespace

// ---- the CPU interface ----

unsigned GicCpuInterface::highest_pending(bool group1_enabled) const {
    if (!group1_enabled || !igrpen1) return kSpuriousIntid;
    unsigned best = kSpuriousIntid;
    unsigned best_priority = 0x100;
    const auto consider = [&](unsigned intid, unsigned p) {
        if (p < pmr && p < running_priority && p < best_priority) {
            best = intid;
            best_priority = p;
        }
    };
    std::uint32_t candidates = pending_mask() & enabled & group1 & ~active;
    while (candidates) {
        const auto intid = static_cast<unsigned>(__builtin_ctz(candidates));
        candidates &= candidates - 1;
        consider(intid, priority[intid]);
    }
    if (distributor) {
        const GicDistributor& d = *distributor;
        std::uint64_t spis = d.spi_pending() & d.spi_enabled & d.spi_group1 & ~d.spi_active;
        while (spis) {
            const auto n = static_cast<unsigned>(__builtin_ctzll(spis));
            spis &= spis - 1;
            if (d.route_of(kGicFirstSpi + n) == this) consider(kGicFirstSpi + n, d.spi_priority[n]);
        }
    }
    return best;
}

unsigned GicCpuInterface::acknowledge(bool group1_enabled) {
    const unsigned intid = highest_pending(group1_enabled);
    if (intid == kSpuriousIntid) return intid;
    std::uint8_t p;
    if (intid < kGicLocalInterrupts) {
        active |= 1u << intid;
        pending &= ~(1u << intid);  // an edge is consumed; a level stays high while its source does
        p = priority[intid];
    } else {
        const std::uint64_t bit = 1ull << (intid - kGicFirstSpi);
        distributor->spi_active |= bit;
        distributor->spi_latched &= ~bit;  // the same for SPIs: the line of a level one stays up
        p = distributor->spi_priority[intid - kGicFirstSpi];
    }
    acked_from[intid] = running_priority;
    running_priority = p;
    active_priorities[p >> 6] |= 1u << ((p >> 1) & 31);
    return intid;
}

void GicCpuInterface::drop_priority() {
    // The priority drop clears the highest active priority: the running one.
    if (running_priority != 0xff) active_priorities[running_priority >> 6] &= ~(1u << ((running_priority >> 1) & 31));
}

void GicCpuInterface::end_of_interrupt(unsigned intid) {
    if (intid >= kGicIntids) return;
    drop_priority();
    running_priority = acked_from[intid];  // priority drop
    if (!(ctlr & kEoiModeBit)) deactivate(intid);
}

void GicCpuInterface::deactivate(unsigned intid) {
    if (intid < kGicLocalInterrupts) active &= ~(1u << intid);
    else if (intid < kGicIntids && distributor) distributor->spi_active &= ~(1ull << (intid - kGicFirstSpi));
}

void GicCpuInterface::write_active_priorities(unsigned n, std::uint32_t value) {
    active_priorities.at(n) = value;
    // The running priority is the highest (lowest-numbered) one still active, or idle.
    running_priority = 0xff;
    for (unsigned i = 0; i < active_priorities.size(); ++i) {
        if (active_priorities[i]) {
            running_priority = static_cast<std::uint8_t>((i * 32 + __builtin_ctz(active_priorities[i])) << 1);
            break;
        }
    }
}

std::uint64_t GicCpuInterface::icc_ctlr() const { return (ctlr & kEoiModeBit) | kIccCtlrPriBits; }

std::uint32_t GicCpuInterface::read_word(std::uint64_t offset, unsigned vcpu_id, bool last, std::string_view* note) const {
    if (in(offset, GICR_IPRIORITYR, GICR_IPRIORITYR + kGicLocalInterrupts)) {
        const std::uint64_t first = offset - GICR_IPRIORITYR;
        std::uint32_t value = 0;
        for (unsigned i = 0; i < 4; ++i) value |= static_cast<std::uint32_t>(priority[first + i]) << (8 * i);
        return value;
    }
    if (in(offset, GICR_IDS, GICR_IDS + 4 * sizeof kIds)) return id_byte(offset, GICR_IDS);
    const std::uint64_t aff = distributor ? affinity : vcpu_id;
    switch (offset) {
        case GICR_CTLR: return 0;  // EnableLPIs is RES0 without LPIs; no register write is ever pending
        case GICR_IIDR: return kIidrArm;
        case GICR_TYPER: return (vcpu_id << 8) | (last ? kTyperLast : 0);  // Processor_Number, Last
        case GICR_TYPER + 4:  // Affinity_Value: Aff3.Aff2.Aff1.Aff0
            return static_cast<std::uint32_t>((aff & 0xff'ffff) | (((aff >> 32) & 0xff) << 24));
        case GICR_WAKER: return asleep ? (kWakerProcessorSleep | kWakerChildrenAsleep) : 0;
        case GICR_IGROUPR0: return group1;
        case GICR_ISENABLER0:
        case GICR_ICENABLER0: return enabled;
        case GICR_ISPENDR0:
        case GICR_ICPENDR0: return pending_mask();
        case GICR_ISACTIVER0:
        case GICR_ICACTIVER0: return active;
        case GICR_ICFGR0: return kSgiConfigEdge;
        case GICR_ICFGR1: return 0;  // PPIs are level-sensitive here, fixed (the timers' lines)
        default: break;
    }
    note_redistributor_omission(distributor, offset, note);
    return 0;
}

void GicCpuInterface::write_word(std::uint64_t offset, std::uint32_t value, std::uint32_t mask, std::string_view* note) {
    if (in(offset, GICR_IPRIORITYR, GICR_IPRIORITYR + kGicLocalInterrupts)) {
        const std::uint64_t first = offset - GICR_IPRIORITYR;
        for (unsigned i = 0; i < 4; ++i)
            if (mask & (0xffu << (8 * i))) priority[first + i] = static_cast<std::uint8_t>(value >> (8 * i));
        return;
    }
    const std::uint32_t bits = value & mask;
    switch (offset) {
        case GICR_WAKER:
            if (mask & kWakerProcessorSleep) asleep = bits & kWakerProcessorSleep;
            return;
        case GICR_IGROUPR0: merge(group1, value, mask); return;
        case GICR_ISENABLER0: enabled |= bits; return;
        case GICR_ICENABLER0: enabled &= ~bits; return;
        case GICR_ISPENDR0: pending |= bits; return;
        case GICR_ICPENDR0: pending &= ~bits; return;
        case GICR_ISACTIVER0: active |= bits; return;
        case GICR_ICACTIVER0: active &= ~bits; return;
        // Read-only here, or with nothing to change: IIDR, TYPER, the IDs; CTLR (no LPIs);
        // ICFGR0 (SGIs are edge-triggered) and ICFGR1 (the PPIs' configuration is fixed).
        case GICR_CTLR:
        case GICR_IIDR:
        case GICR_TYPER:
        case GICR_TYPER + 4:
        case GICR_ICFGR0:
        case GICR_ICFGR1: return;
        default: break;
    }
    if (in(offset, GICR_IDS, GICR_IDS + 4 * sizeof kIds)) return;
    note_redistributor_omission(distributor, offset, note);
}

std::uint64_t GicCpuInterface::read_redistributor(std::uint64_t offset, unsigned size, unsigned vcpu_id, bool last,
                                                  std::string_view* note) const {
    return read_lanes(offset, size, [&](std::uint64_t word) { return read_word(word, vcpu_id, last, note); });
}

void GicCpuInterface::write_redistributor(std::uint64_t offset, unsigned size, std::uint64_t value, std::string_view* note) {
    write_lanes(offset, size, value,
                [&](std::uint64_t word, std::uint32_t part, std::uint32_t mask) { write_word(word, part, mask, note); });
}

// ---- the distributor ----

void GicDistributor::set_spi_line(unsigned intid, bool high) {
    if (intid < kGicFirstSpi || intid >= kGicIntids) return;
    const std::uint64_t bit = 1ull << (intid - kGicFirstSpi);
    const bool rising = high && !(spi_line & bit);
    if (rising && (spi_edge & bit)) spi_latched |= bit;  // an edge-triggered SPI latches the edge
    if (high) spi_line |= bit;
    else spi_line &= ~bit;
}

const GicCpuInterface* GicDistributor::route_of(unsigned intid) const {
    const std::uint64_t route = spi_route[intid - kGicFirstSpi];
    for (const GicCpuInterface* cpu : cpus) {
        if (route & kIrouterIrm) {
            if (cpu->igrpen1) return cpu;  // 1 of N: the first that takes group 1 interrupts
        } else if ((cpu->affinity & kAffinityFields) == (route & kAffinityFields)) {
            return cpu;
        }
    }
    return nullptr;
}

void GicDistributor::reset() {
    // The notes stay: a trace line may still point at one, and each register is named once.
    std::vector<GicCpuInterface*> keep = std::move(cpus);
    std::vector<std::string> noted = std::move(noted_);
    std::deque<std::string> notes = std::move(notes_);
    *this = GicDistributor{};
    cpus = std::move(keep);
    noted_ = std::move(noted);
    notes_ = std::move(notes);
}

std::string_view GicDistributor::take_note(const std::string& name, std::string_view why) const {
    if (std::find(noted_.begin(), noted_.end(), name) != noted_.end()) return {};
    noted_.push_back(name);
    return notes_.emplace_back(fmt::format("emulated: {} is RAZ/WI here ({})", name, why));
}

namespace {

// SPI bitmap registers: word n (n >= 1) holds INTIDs 32n..32n+31; word 0 is the
// redistributors' (affinity routing), beyond ITLinesNumber there are no INTIDs.
bool spi_word(std::uint64_t offset, std::uint64_t base, unsigned& shift) {
    const std::uint64_t n = (offset - base) / 4;
    if (n == 0 || n > kTyperItLines) return false;
    shift = static_cast<unsigned>(32 * (n - 1));
    return true;
}
std::uint32_t word_of(std::uint64_t bits, unsigned shift) { return static_cast<std::uint32_t>(bits >> shift); }
std::uint64_t spread(std::uint32_t bits, unsigned shift) { return static_cast<std::uint64_t>(bits) << shift; }

}  // namespace

std::uint32_t GicDistributor::read_word(std::uint64_t offset, unsigned vcpu_count, std::string_view* note) const {
    unsigned shift = 0;
    if (offset >= GICD_IGROUPR && offset < GICD_IPRIORITYR) {
        const std::uint64_t base = offset & ~0x7Full;
        if (spi_word(offset, base, shift)) {
            switch (base) {
                case GICD_IGROUPR: return word_of(spi_group1, shift);
                case GICD_ISENABLER:
                case GICD_ICENABLER: return word_of(spi_enabled, shift);
                case GICD_ISPENDR:
                case GICD_ICPENDR: return word_of(spi_pending(), shift);
                case GICD_ISACTIVER:
                case GICD_ICACTIVER: return word_of(spi_active, shift);
            }
        }
    } else if (in(offset, GICD_IPRIORITYR + kGicFirstSpi, GICD_IPRIORITYR + kGicIntids)) {
        const std::uint64_t first = offset - GICD_IPRIORITYR - kGicFirstSpi;
        std::uint32_t value = 0;
        for (unsigned i = 0; i < 4; ++i) value |= static_cast<std::uint32_t>(spi_priority[first + i]) << (8 * i);
        return value;
    } else if (in(offset, GICD_ICFGR + kGicFirstSpi / 4, GICD_ICFGR + kGicIntids / 4)) {
        // Two bits per INTID, sixteen INTIDs a word; bit 1 of each pair: edge-triggered.
        const unsigned first = static_cast<unsigned>((offset - GICD_ICFGR) * 4 - kGicFirstSpi);
        std::uint32_t value = 0;
        for (unsigned i = 0; i < 16; ++i)
            if (spi_edge & (1ull << (first + i))) value |= 2u << (2 * i);
        return value;
    } else if (in(offset, GICD_IROUTER + 8 * kGicFirstSpi, GICD_IROUTER + 8 * kGicIntids)) {
        const std::uint64_t route = spi_route[(offset - GICD_IROUTER) / 8 - kGicFirstSpi];
        return static_cast<std::uint32_t>(offset % 8 ? route >> 32 : route);
    } else if (in(offset, GICD_IDS, GICD_IDS + 4 * sizeof kIds)) {
        return id_byte(offset, GICD_IDS);
    }
    switch (offset) {
        case GICD_CTLR: return ctlr | kCtlrDs;
        case GICD_TYPER: return (std::min(vcpu_count - 1, 7u) << 5) | kTyperIdBits | kTyperItLines;
        case GICD_IIDR: return kIidrArm;
        case GICD_TYPER2: return 0;  // no vPEs, no extended INTIDs
        default: break;
    }
    note_distributor_omission(this, offset, note);
    return 0;
}

void GicDistributor::write_word(std::uint64_t offset, std::uint32_t value, std::uint32_t mask, std::string_view* note) {
    const std::uint32_t bits = value & mask;
    unsigned shift = 0;
    if (offset >= GICD_IGROUPR && offset < GICD_IPRIORITYR) {
        const std::uint64_t base = offset & ~0x7Full;
        if (spi_word(offset, base, shift)) {
            const std::uint64_t set = spread(bits, shift);
            switch (base) {
                case GICD_IGROUPR:
                    spi_group1 = (spi_group1 & ~spread(mask, shift)) | set;
                    return;
                case GICD_ISENABLER: spi_enabled |= set; return;
                case GICD_ICENABLER: spi_enabled &= ~set; return;
                case GICD_ISPENDR: spi_latched |= set; return;
                case GICD_ICPENDR: spi_latched &= ~set; return;  // a level SPI stays pending while its line is up
                case GICD_ISACTIVER: spi_active |= set; return;
                case GICD_ICACTIVER: spi_active &= ~set; return;
            }
        }
    } else if (in(offset, GICD_IPRIORITYR + kGicFirstSpi, GICD_IPRIORITYR + kGicIntids)) {
        const std::uint64_t first = offset - GICD_IPRIORITYR - kGicFirstSpi;
        for (unsigned i = 0; i < 4; ++i)
            if (mask & (0xffu << (8 * i))) spi_priority[first + i] = static_cast<std::uint8_t>(value >> (8 * i));
        return;
    } else if (in(offset, GICD_ICFGR + kGicFirstSpi / 4, GICD_ICFGR + kGicIntids / 4)) {
        const unsigned first = static_cast<unsigned>((offset - GICD_ICFGR) * 4 - kGicFirstSpi);
        for (unsigned i = 0; i < 16; ++i) {
            if (!(mask & (2u << (2 * i)))) continue;
            if (value & (2u << (2 * i))) spi_edge |= 1ull << (first + i);
            else spi_edge &= ~(1ull << (first + i));
        }
        return;
    } else if (in(offset, GICD_IROUTER + 8 * kGicFirstSpi, GICD_IROUTER + 8 * kGicIntids)) {
        std::uint64_t& route = spi_route[(offset - GICD_IROUTER) / 8 - kGicFirstSpi];
        // Aff2.Aff1.Aff0 and IRM in the low word, Aff3 in the high one; the rest is RES0.
        const std::uint64_t lanes = offset % 8 ? static_cast<std::uint64_t>(mask & 0xffu) << 32 : mask & 0x80ff'ffffu;
        const std::uint64_t v = offset % 8 ? static_cast<std::uint64_t>(value) << 32 : value;
        route = (route & ~lanes) | (v & lanes);
        return;
    } else if (in(offset, GICD_IDS, GICD_IDS + 4 * sizeof kIds)) {
        return;
    }
    switch (offset) {
        case GICD_CTLR: {
            std::uint32_t c = ctlr;
            merge(c, value, mask);
            ctlr = c & (1u | kEnableGrp1 | kAreNs);
            return;
        }
        case GICD_TYPER:
        case GICD_IIDR:
        case GICD_TYPER2: return;  // read-only
        default: break;
    }
    note_distributor_omission(this, offset, note);
}

std::uint64_t GicDistributor::read(std::uint64_t offset, unsigned size, unsigned vcpu_count, std::string_view* note) const {
    return read_lanes(offset, size, [&](std::uint64_t word) { return read_word(word, vcpu_count, note); });
}

void GicDistributor::write(std::uint64_t offset, unsigned size, std::uint64_t value, std::string_view* note) {
    write_lanes(offset, size, value,
                [&](std::uint64_t word, std::uint32_t part, std::uint32_t mask) { write_word(word, part, mask, note); });
}

}  // namespace trapeze
