// A GICv3 subset: the distributor with its SPIs, one redistributor per vCPU (SGIs and PPIs),
// and the CPU interface's ICC_* system registers, as on QEMU virt with gic-version=3 and one
// security state (GICD_CTLR.DS = 1), without LPIs or an ITS. Registers the specification lets
// an implementation leave out read as zero and ignore writes (RAZ/WI); the first access to
// each says so in the trace (see GicDistributor::take_note).
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace trapeze {

inline constexpr std::uint64_t kGicDistributorBase = 0x0800'0000;
inline constexpr std::uint64_t kGicDistributorSize = 0x1'0000;
inline constexpr std::uint64_t kGicRedistributorBase = 0x080A'0000;
inline constexpr std::uint64_t kGicRedistributorStride = 0x2'0000;  // RD_base + SGI_base frames
inline constexpr unsigned kGicLocalInterrupts = 32;                 // SGIs 0..15, PPIs 16..31
inline constexpr unsigned kGicSpiCount = 64;                        // SPIs: INTIDs 32..95
inline constexpr unsigned kGicFirstSpi = kGicLocalInterrupts;
inline constexpr unsigned kGicIntids = kGicLocalInterrupts + kGicSpiCount;
inline constexpr unsigned kSpuriousIntid = 1023;

struct GicDistributor;

// The redistributor and CPU interface state of one vCPU.
struct GicCpuInterface {
    // Redistributor (SGI_base frame): one bit per INTID 0..31.
    std::uint32_t group1 = 0;    // GICR_IGROUPR0
    std::uint32_t enabled = 0;   // GICR_ISENABLER0
    std::uint32_t pending = 0;   // edge-triggered and software pending state (SGIs)
    std::uint32_t active = 0;    // GICR_ISACTIVER0
    std::array<std::uint8_t, kGicLocalInterrupts> priority{};  // GICR_IPRIORITYR
    std::uint32_t level = 0;     // level-sensitive inputs now high (the timers' lines)
    bool asleep = true;          // GICR_WAKER.ProcessorSleep (ChildrenAsleep follows it at once)

    // CPU interface.
    std::uint64_t pmr = 0;       // ICC_PMR_EL1: only priorities below it are signalled
    std::uint64_t bpr1 = 0;
    std::uint64_t ctlr = 0;      // ICC_CTLR_EL1 (EOImode in bit 1)
    bool igrpen1 = false;        // ICC_IGRPEN1_EL1
    std::uint8_t running_priority = 0xff;
    std::array<std::uint8_t, kGicIntids> acked_from{};  // running priority before each ack
    // ICC_AP1R0..3_EL1: one bit per active priority (priority >> 1, 128 levels), set by an
    // acknowledge and cleared by the priority drop of its EOI.
    std::array<std::uint32_t, 4> active_priorities{};

    // Where the SPIs are: the VM's distributor, and this CPU interface's place in it.
    GicDistributor* distributor = nullptr;
    std::uint64_t affinity = 0;  // MPIDR_EL1's Aff3.Aff2.Aff1.Aff0, as GICD_IROUTER names it

    std::uint32_t pending_mask() const { return pending | level; }
    // The INTID to signal now (an SGI, a PPI or an SPI routed here), or kSpuriousIntid.
    // `group1_enabled` is GICD_CTLR.EnableGrp1.
    unsigned highest_pending(bool group1_enabled) const;
    bool irq_signalled(bool group1_enabled) const { return highest_pending(group1_enabled) != kSpuriousIntid; }

    unsigned acknowledge(bool group1_enabled);  // ICC_IAR1_EL1 read
    void end_of_interrupt(unsigned intid);      // ICC_EOIR1_EL1 write
    void deactivate(unsigned intid);            // ICC_DIR_EL1 write
    std::uint32_t read_active_priorities(unsigned n) const { return active_priorities.at(n); }
    void write_active_priorities(unsigned n, std::uint32_t value);  // ICC_AP1Rn_EL1 write
    std::uint64_t icc_ctlr() const;                                 // ICC_CTLR_EL1 as read

    // MMIO of the redistributor's two frames (offset within this vCPU's 0x20000 window), of
    // 1, 2, 4 or 8 bytes. `note` names a RAZ/WI register touched for the first time.
    std::uint64_t read_redistributor(std::uint64_t offset, unsigned size, unsigned vcpu_id, bool last,
                                     std::string_view* note = nullptr) const;
    void write_redistributor(std::uint64_t offset, unsigned size, std::uint64_t value, std::string_view* note = nullptr);

private:
    std::uint32_t read_word(std::uint64_t offset, unsigned vcpu_id, bool last, std::string_view* note) const;
    void write_word(std::uint64_t offset, std::uint32_t value, std::uint32_t mask, std::string_view* note);
    void drop_priority();
};

// The distributor's state (per VM): its control register and the SPIs.
struct GicDistributor {
    std::uint32_t ctlr = 0;  // GICD_CTLR
    static constexpr std::uint32_t kEnableGrp1 = 1u << 1;
    static constexpr std::uint32_t kAreNs = 1u << 4;
    bool group1_enabled() const { return ctlr & kEnableGrp1; }

    // SPI state, bit n for INTID 32 + n.
    std::uint64_t spi_group1 = 0;   // GICD_IGROUPR
    std::uint64_t spi_enabled = 0;  // GICD_ISENABLER
    std::uint64_t spi_latched = 0;  // pending from an edge or a write to GICD_ISPENDR
    std::uint64_t spi_line = 0;     // the input lines now high
    std::uint64_t spi_active = 0;   // GICD_ISACTIVER
    std::uint64_t spi_edge = 0;     // GICD_ICFGR: 1 = edge-triggered, 0 = level-sensitive
    std::array<std::uint8_t, kGicSpiCount> spi_priority{};  // GICD_IPRIORITYR
    std::array<std::uint64_t, kGicSpiCount> spi_route{};    // GICD_IROUTER (Aff3.Aff2.Aff1.Aff0, IRM)
    static constexpr std::uint64_t kIrouterIrm = 1ull << 31;  // any participating PE

    // A level-sensitive SPI is pending while its line is high (or a write set it pending);
    // an edge-triggered one from a rising edge until it is acknowledged.
    std::uint64_t spi_pending() const { return spi_latched | (spi_line & ~spi_edge); }
    // A device drives an SPI's input line (INTID 32..95).
    void set_spi_line(unsigned intid, bool high);

    // The CPU interface an SPI goes to: IROUTER's affinity, or with IRM = 1 the first CPU
    // interface that takes group 1 interrupts (the lowest-numbered). Nullptr if none.
    const GicCpuInterface* route_of(unsigned intid) const;
    // Registers a vCPU's CPU interface (once, when the vCPU is made).
    void attach(GicCpuInterface& cpu) { cpus.push_back(&cpu); }

    // MMIO of 1, 2, 4 or 8 bytes. `note` names a RAZ/WI register touched for the first time.
    std::uint64_t read(std::uint64_t offset, unsigned size, unsigned vcpu_count, std::string_view* note = nullptr) const;
    void write(std::uint64_t offset, unsigned size, std::uint64_t value, std::string_view* note = nullptr);

    // The distributor back to its reset state; its CPU interfaces stay attached.
    void reset();

    // "emulated: GICD_IGRPMODR is RAZ/WI here (...)" the first time `name` is touched, ""
    // afterwards. The text lives as long as the distributor (a trace note points at it).
    std::string_view take_note(const std::string& name, std::string_view why) const;

    std::vector<GicCpuInterface*> cpus;

private:
    friend class SnapshotAccess;  // vmm/snapshot.cpp saves which registers the trace named
    std::uint32_t read_word(std::uint64_t offset, unsigned vcpu_count, std::string_view* note) const;
    void write_word(std::uint64_t offset, std::uint32_t value, std::uint32_t mask, std::string_view* note);
    mutable std::vector<std::string> noted_;  // the RAZ/WI registers already named in the trace
    mutable std::deque<std::string> notes_;   // their notes
};

}  // namespace trapeze
