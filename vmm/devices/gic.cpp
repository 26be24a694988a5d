// The GICv3 subset: interrupt selection for the CPU interface and the MMIO register maps.
#include "vmm/devices/gic.h"

namespace trapeze {
namespace {

// Register offsets, from the GICv3 architecture specification.
constexpr std::uint64_t GICD_CTLR = 0x0000, GICD_TYPER = 0x0004, GICD_IIDR = 0x0008, GICD_PIDR2 = 0xFFE8;
constexpr std::uint64_t GICR_CTLR = 0x0000, GICR_IIDR = 0x0004, GICR_TYPER = 0x0008, GICR_WAKER = 0x0014,
                        GICR_PIDR2 = 0xFFE8;
constexpr std::uint64_t kSgiBase = 0x1'0000;
constexpr std::uint64_t GICR_IGROUPR0 = kSgiBase + 0x0080, GICR_ISENABLER0 = kSgiBase + 0x0100,
                        GICR_ICENABLER0 = kSgiBase + 0x0180, GICR_ISPENDR0 = kSgiBase + 0x0200,
                        GICR_ICPENDR0 = kSgiBase + 0x0280, GICR_ISACTIVER0 = kSgiBase + 0x0300,
                        GICR_ICACTIVER0 = kSgiBase + 0x0380, GICR_IPRIORITYR = kSgiBase + 0x0400,
                        GICR_ICFGR0 = kSgiBase + 0x0C00, GICR_ICFGR1 = kSgiBase + 0x0C04;
constexpr std::uint32_t kWakerProcessorSleep = 1u << 1, kWakerChildrenAsleep = 1u << 2;
constexpr std::uint32_t kIidrArm = 0x43B;        // implementer: Arm
constexpr std::uint32_t kPidr2GicV3 = 0x3B;      // ArchRev 3
constexpr std::uint32_t kCtlrDs = 1u << 6;       // one security state, as QEMU virt without EL3
constexpr std::uint32_t kSgiConfigEdge = 0xAAAA'AAAA;
constexpr std::uint64_t kEoiModeBit = 1u << 1;  // ICC_CTLR_EL1.EOImode

}  // namespace

unsigned GicCpuInterface::highest_pending(bool group1_enabled) const {
    if (!group1_enabled || !igrpen1) return kSpuriousIntid;
    std::uint32_t candidates = pending_mask() & enabled & group1 & ~active;
    unsigned best = kSpuriousIntid;
    unsigned best_priority = 0x100;
    while (candidates) {
        const unsigned intid = static_cast<unsigned>(__builtin_ctz(candidates));
        candidates &= candidates - 1;
        const unsigned p = priority[intid];
        if (p < pmr && p < running_priority && p < best_priority) {
            best = intid;
            best_priority = p;
        }
    }
    return best;
}

unsigned GicCpuInterface::acknowledge(bool group1_enabled) {
    const unsigned intid = highest_pending(group1_enabled);
    if (intid == kSpuriousIntid) return intid;
    active |= 1u << intid;
    pending &= ~(1u << intid);  // an edge is consumed; a level stays high while its source does
    acked_from[intid] = running_priority;
    running_priority = priority[intid];
    return intid;
}

void GicCpuInterface::end_of_interrupt(unsigned intid) {
    if (intid >= kGicLocalInterrupts) return;
    running_priority = acked_from[intid];  // priority drop
    if (!(ctlr & kEoiModeBit)) deactivate(intid);
}

void GicCpuInterface::deactivate(unsigned intid) {
    if (intid < kGicLocalInterrupts) active &= ~(1u << intid);
}

std::uint64_t GicCpuInterface::read_redistributor(std::uint64_t offset, unsigned size, unsigned vcpu_id,
                                                  bool last) const {
    if (offset >= GICR_IPRIORITYR && offset < GICR_IPRIORITYR + kGicLocalInterrupts) {
        std::uint64_t value = 0;
        for (unsigned i = 0; i < size && offset - GICR_IPRIORITYR + i < kGicLocalInterrupts; ++i)
            value |= static_cast<std::uint64_t>(priority[offset - GICR_IPRIORITYR + i]) << (8 * i);
        return value;
    }
    switch (offset) {
        case GICR_CTLR: return 0;
        case GICR_IIDR: return kIidrArm;
        case GICR_TYPER: return (static_cast<std::uint64_t>(vcpu_id) << 32) | (vcpu_id << 8) | (last ? 1u << 4 : 0);
        case GICR_TYPER + 4: return vcpu_id;  // the upper half, read as a word
        case GICR_WAKER: return asleep ? (kWakerProcessorSleep | kWakerChildrenAsleep) : 0;
        case GICR_PIDR2: return kPidr2GicV3;
        case GICR_IGROUPR0: return group1;
        case GICR_ISENABLER0:
        case GICR_ICENABLER0: return enabled;
        case GICR_ISPENDR0:
        case GICR_ICPENDR0: return pending_mask();
        case GICR_ISACTIVER0:
        case GICR_ICACTIVER0: return active;
        case GICR_ICFGR0: return kSgiConfigEdge;
        default: return 0;
    }
}

void GicCpuInterface::write_redistributor(std::uint64_t offset, unsigned size, std::uint64_t value) {
    const auto bits = static_cast<std::uint32_t>(value);
    if (offset >= GICR_IPRIORITYR && offset < GICR_IPRIORITYR + kGicLocalInterrupts) {
        for (unsigned i = 0; i < size && offset - GICR_IPRIORITYR + i < kGicLocalInterrupts; ++i)
            priority[offset - GICR_IPRIORITYR + i] = static_cast<std::uint8_t>(value >> (8 * i));
        return;
    }
    switch (offset) {
        case GICR_WAKER: asleep = bits & kWakerProcessorSleep; break;
        case GICR_IGROUPR0: group1 = bits; break;
        case GICR_ISENABLER0: enabled |= bits; break;
        case GICR_ICENABLER0: enabled &= ~bits; break;
        case GICR_ISPENDR0: pending |= bits; break;
        case GICR_ICPENDR0: pending &= ~bits; break;
        case GICR_ISACTIVER0: active |= bits; break;
        case GICR_ICACTIVER0: active &= ~bits; break;
        default: break;  // ICFGR (PPIs are level, SGIs edge, fixed), IGRPMODR, CTLR: accepted
    }
}

std::uint64_t GicDistributor::read(std::uint64_t offset, unsigned, unsigned vcpu_count) const {
    switch (offset) {
        case GICD_CTLR: return ctlr | kCtlrDs;
        case GICD_TYPER: return ((vcpu_count - 1) << 5) | (9u << 19);  // 10 INTID bits, no SPIs
        case GICD_IIDR: return kIidrArm;
        case GICD_PIDR2: return kPidr2GicV3;
        default: return 0;
    }
}

void GicDistributor::write(std::uint64_t offset, unsigned, std::uint64_t value) {
    if (offset == GICD_CTLR) ctlr = static_cast<std::uint32_t>(value) & (1u | kEnableGrp1 | kAreNs);
}

}  // namespace trapeze
