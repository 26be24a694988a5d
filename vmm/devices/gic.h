// A GICv3 subset: the distributor, one redistributor per vCPU (SGIs and PPIs only), and the
// CPU interface's ICC_* system registers. Enough for a small kernel to route the virtual
// timer (PPI 27) and SGIs to its vCPUs, as on QEMU virt with gic-version=3.
#pragma once

#include <array>
#include <cstdint>

namespace trapeze {

inline constexpr std::uint64_t kGicDistributorBase = 0x0800'0000;
inline constexpr std::uint64_t kGicDistributorSize = 0x1'0000;
inline constexpr std::uint64_t kGicRedistributorBase = 0x080A'0000;
inline constexpr std::uint64_t kGicRedistributorStride = 0x2'0000;  // RD_base + SGI_base frames
inline constexpr unsigned kGicLocalInterrupts = 32;                 // SGIs 0..15, PPIs 16..31
inline constexpr unsigned kSpuriousIntid = 1023;

// The redistributor and CPU interface state of one vCPU.
struct GicCpuInterface {
    // Redistributor (SGI_base frame): one bit per INTID 0..31.
    std::uint32_t group1 = 0;    // GICR_IGROUPR0
    std::uint32_t enabled = 0;   // GICR_ISENABLER0
    std::uint32_t pending = 0;   // edge-triggered and software pending state (SGIs)
    std::uint32_t active = 0;    // GICR_ISACTIVER0
    std::array<std::uint8_t, kGicLocalInterrupts> priority{};  // GICR_IPRIORITYR
    std::uint32_t level = 0;     // level-sensitive inputs now high (the timer's line)
    bool asleep = true;          // GICR_WAKER.ProcessorSleep

    // CPU interface.
    std::uint64_t pmr = 0;       // ICC_PMR_EL1: only priorities below it are signalled
    std::uint64_t bpr1 = 0;
    std::uint64_t ctlr = 0;      // ICC_CTLR_EL1 (EOImode in bit 1)
    bool igrpen1 = false;        // ICC_IGRPEN1_EL1
    std::uint8_t running_priority = 0xff;
    std::array<std::uint8_t, kGicLocalInterrupts> acked_from{};  // running priority before each ack

    std::uint32_t pending_mask() const { return pending | level; }
    // The INTID to signal now, or kSpuriousIntid. `group1_enabled` is GICD_CTLR.EnableGrp1.
    unsigned highest_pending(bool group1_enabled) const;
    bool irq_signalled(bool group1_enabled) const { return highest_pending(group1_enabled) != kSpuriousIntid; }

    unsigned acknowledge(bool group1_enabled);  // ICC_IAR1_EL1 read
    void end_of_interrupt(unsigned intid);      // ICC_EOIR1_EL1 write
    void deactivate(unsigned intid);            // ICC_DIR_EL1 write

    // MMIO of the redistributor's two frames (offset within this vCPU's 0x20000 window).
    std::uint64_t read_redistributor(std::uint64_t offset, unsigned size, unsigned vcpu_id, bool last) const;
    void write_redistributor(std::uint64_t offset, unsigned size, std::uint64_t value);
};

// The distributor's state (per VM). SPIs are not modelled: no device here raises one.
struct GicDistributor {
    std::uint32_t ctlr = 0;  // GICD_CTLR
    static constexpr std::uint32_t kEnableGrp1 = 1u << 1;
    static constexpr std::uint32_t kAreNs = 1u << 4;
    bool group1_enabled() const { return ctlr & kEnableGrp1; }

    std::uint64_t read(std::uint64_t offset, unsigned size, unsigned vcpu_count) const;
    void write(std::uint64_t offset, unsigned size, std::uint64_t value);
};

}  // namespace trapeze
