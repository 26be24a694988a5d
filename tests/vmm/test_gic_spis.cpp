// The GICv3 distributor's SPIs: enable, pending, active, routing by GICD_IROUTER, level and
// edge semantics, accesses of 1, 2, 4 and 8 bytes, and the RAZ/WI registers' trace notes.
#include <doctest/doctest.h>

#include <string_view>

#include "versions/v2/handlers.h"
#include "vm_fixture.h"
#include "vmm/sysreg_emulation.h"

using namespace trapeze;
using namespace trapeze::test;

namespace {

constexpr std::uint64_t GICD_CTLR = 0x0, GICD_TYPER = 0x4, GICD_STATUSR = 0x10, GICD_IGROUPR = 0x80,
                        GICD_ISENABLER = 0x100, GICD_ICENABLER = 0x180, GICD_ISPENDR = 0x200, GICD_ICPENDR = 0x280,
                        GICD_ISACTIVER = 0x300, GICD_ICACTIVER = 0x380, GICD_IPRIORITYR = 0x400,
                        GICD_ICFGR = 0xC00, GICD_IGRPMODR = 0xD00, GICD_IROUTER = 0x6000, GICD_PIDR2 = 0xFFE8;
constexpr std::uint64_t GICR_TYPER = 0x8, GICR_WAKER = 0x14, GICR_PROPBASER = 0x70, GICR_PENDBASER = 0x78,
                        GICR_PIDR2 = 0xFFE8;

// A distributor with two CPU interfaces (Aff0 = 0 and 1), both open to group 1.
struct TwoCpus {
    GicDistributor gicd;
    GicCpuInterface cpu0, cpu1;
    TwoCpus() {
        for (GicCpuInterface* c : {&cpu0, &cpu1}) {
            c->distributor = &gicd;
            c->igrpen1 = true;
            c->pmr = 0xff;
            gicd.attach(*c);
        }
        cpu0.affinity = 0x8000'0000;
        cpu1.affinity = 0x8000'0001;
        gicd.write(GICD_CTLR, 4, GicDistributor::kEnableGrp1 | GicDistributor::kAreNs);
    }
    // SPI `intid` enabled in group 1 at `priority`, routed to Aff0 = `aff0`.
    void open(unsigned intid, std::uint8_t priority, std::uint64_t route) {
        const unsigned word = intid / 32 * 4, bit = intid % 32;
        gicd.write(GICD_IGROUPR + word, 4, gicd.read(GICD_IGROUPR + word, 4, 2) | (1u << bit));
        gicd.write(GICD_ISENABLER + word, 4, 1u << bit);
        gicd.write(GICD_IPRIORITYR + intid, 1, priority);
        gicd.write(GICD_IROUTER + 8 * intid, 8, route);
    }
};

}  // namespace

TEST_CASE("GICD_TYPER says 96 INTIDs (ITLinesNumber 2), 10 INTID bits, no LPIs; the IDs say GICv3") {
    GicDistributor gicd;
    CHECK(gicd.read(GICD_TYPER, 4, 2) == ((1u << 5) | (9u << 19) | 2u));
    CHECK(gicd.read(GICD_TYPER, 4, 12) == ((7u << 5) | (9u << 19) | 2u));  // CPUNumber saturates at 7
    CHECK(gicd.read(GICD_PIDR2, 4, 1) == 0x3B);
    CHECK(gicd.read(GICD_CTLR, 4, 1) == (1u << 6));  // DS: one security state
    GicCpuInterface cpu;
    CHECK(cpu.read_redistributor(0x1'0000 + 0xFFE8 - 0x1'0000, 4, 0, true) == 0x3B);
    CHECK(cpu.read_redistributor(GICR_PIDR2, 4, 0, true) == 0x3B);
}

TEST_CASE("a level-sensitive SPI: pending while its line is high, active after IAR, pending again after EOI") {
    TwoCpus g;
    g.open(40, 0x60, 1);  // to Aff0 = 1
    CHECK(g.cpu1.highest_pending(true) == kSpuriousIntid);
    g.gicd.set_spi_line(40, true);
    CHECK(g.cpu0.highest_pending(true) == kSpuriousIntid);  // routed elsewhere
    CHECK(g.cpu1.highest_pending(true) == 40);
    CHECK(g.gicd.read(GICD_ISPENDR + 4, 4, 2) == 1u << 8);
    // ICPENDR cannot clear a level-sensitive SPI whose line is up.
    g.gicd.write(GICD_ICPENDR + 4, 4, 1u << 8);
    CHECK(g.cpu1.highest_pending(true) == 40);
    CHECK(g.cpu1.acknowledge(true) == 40);
    CHECK(g.gicd.read(GICD_ISACTIVER + 4, 4, 2) == 1u << 8);
    CHECK(g.cpu1.running_priority == 0x60);
    CHECK(g.cpu1.highest_pending(true) == kSpuriousIntid);  // active: not signalled again
    g.cpu1.end_of_interrupt(40);
    CHECK(g.gicd.read(GICD_ISACTIVER + 4, 4, 2) == 0);
    CHECK(g.cpu1.running_priority == 0xff);
    CHECK(g.cpu1.highest_pending(true) == 40);  // the line is still up
    g.gicd.set_spi_line(40, false);
    CHECK(g.cpu1.highest_pending(true) == kSpuriousIntid);
    CHECK(g.gicd.read(GICD_ISPENDR + 4, 4, 2) == 0);
}

TEST_CASE("an edge-triggered SPI latches the rising edge; IAR consumes it; a new edge while active pends again") {
    TwoCpus g;
    g.open(41, 0x80, 0);
    // ICFGR: INTIDs 32..47 in the third word, two bits each, bit 1 of the pair = edge.
    g.gicd.write(GICD_ICFGR + 8, 4, 2u << (2 * (41 - 32)));
    CHECK(g.gicd.read(GICD_ICFGR + 8, 4, 2) == 2u << (2 * (41 - 32)));
    g.gicd.set_spi_line(41, true);
    g.gicd.set_spi_line(41, false);
    CHECK(g.cpu0.highest_pending(true) == 41);  // the edge stays latched after the line fell
    CHECK(g.cpu0.acknowledge(true) == 41);
    CHECK(g.gicd.read(GICD_ISPENDR + 4, 4, 2) == 0);  // consumed
    g.gicd.set_spi_line(41, true);                    // a new edge while active
    CHECK(g.gicd.read(GICD_ISPENDR + 4, 4, 2) == 1u << 9);
    CHECK(g.cpu0.highest_pending(true) == kSpuriousIntid);  // active and pending: waits
    g.cpu0.end_of_interrupt(41);
    CHECK(g.cpu0.highest_pending(true) == 41);
    g.gicd.set_spi_line(41, true);  // no edge: the line was already high
    CHECK(g.cpu0.acknowledge(true) == 41);
    g.cpu0.end_of_interrupt(41);
    CHECK(g.cpu0.highest_pending(true) == kSpuriousIntid);
}

TEST_CASE("SPI enable, software pending and active: the set and clear registers") {
    TwoCpus g;
    g.open(33, 0x40, 0);
    g.gicd.write(GICD_ICENABLER + 4, 4, 1u << 1);
    CHECK(g.gicd.read(GICD_ISENABLER + 4, 4, 2) == 0);
    g.gicd.write(GICD_ISPENDR + 4, 4, 1u << 1);
    CHECK(g.cpu0.highest_pending(true) == kSpuriousIntid);  // pending but disabled
    g.gicd.write(GICD_ISENABLER + 4, 4, 1u << 1);
    CHECK(g.cpu0.highest_pending(true) == 33);
    g.gicd.write(GICD_ISACTIVER + 4, 4, 1u << 1);
    CHECK(g.cpu0.highest_pending(true) == kSpuriousIntid);
    g.gicd.write(GICD_ICACTIVER + 4, 4, 1u << 1);
    g.gicd.write(GICD_ICPENDR + 4, 4, 1u << 1);
    CHECK(g.cpu0.highest_pending(true) == kSpuriousIntid);
    // Group 0 SPIs are never signalled as IRQs.
    g.gicd.write(GICD_ISPENDR + 4, 4, 1u << 1);
    g.gicd.write(GICD_IGROUPR + 4, 4, 0);
    CHECK(g.cpu0.highest_pending(true) == kSpuriousIntid);
}

TEST_CASE("SPI routing: IROUTER's affinity picks the vCPU; IRM = 1 the first that takes group 1") {
    TwoCpus g;
    g.open(50, 0x80, 0x8000'0000);  // IRM = 1
    g.gicd.set_spi_line(50, true);
    CHECK(g.cpu0.highest_pending(true) == 50);
    CHECK(g.cpu1.highest_pending(true) == kSpuriousIntid);
    g.cpu0.igrpen1 = false;
    CHECK(g.cpu1.highest_pending(true) == 50);
    g.gicd.write(GICD_IROUTER + 8 * 50, 8, 7);  // Aff0 = 7: nobody
    CHECK(g.cpu1.highest_pending(true) == kSpuriousIntid);
    // The 32-bit halves: Aff3 in the high word; RES0 bits read as zero.
    g.gicd.write(GICD_IROUTER + 8 * 50 + 4, 4, 0xFFFF'FF02);
    g.gicd.write(GICD_IROUTER + 8 * 50, 4, 0xFFFF'FFFF);
    CHECK(g.gicd.read(GICD_IROUTER + 8 * 50, 8, 2) == 0x2'80FF'FFFFull);
    g.gicd.write(GICD_IROUTER + 8 * 50, 8, 1);
    CHECK(g.cpu1.highest_pending(true) == 50);
    // A PPI and an SPI at the same priority: the lower INTID first; a higher priority first.
    g.cpu1.enabled = g.cpu1.group1 = g.cpu1.level = 1u << 30;
    g.cpu1.priority[30] = 0x80;
    CHECK(g.cpu1.highest_pending(true) == 30);
    g.gicd.write(GICD_IPRIORITYR + 50, 1, 0x70);
    CHECK(g.cpu1.highest_pending(true) == 50);
}

TEST_CASE("distributor accesses of 1, 2 and 8 bytes reach the byte lanes they name") {
    TwoCpus g;
    g.gicd.write(GICD_ISENABLER + 5, 1, 0x02);  // byte 1 of word 1: INTID 41
    CHECK(g.gicd.read(GICD_ISENABLER + 4, 4, 2) == 1u << 9);
    CHECK(g.gicd.read(GICD_ISENABLER + 5, 1, 2) == 0x02);
    g.gicd.write(GICD_IPRIORITYR + 32, 8, 0x0807'0605'0403'0201ull);  // INTIDs 32..39 at once
    CHECK(g.gicd.read(GICD_IPRIORITYR + 36, 1, 2) == 0x05);
    CHECK(g.gicd.read(GICD_IPRIORITYR + 34, 2, 2) == 0x0403);
    CHECK(g.gicd.read(GICD_IPRIORITYR + 32, 8, 2) == 0x0807'0605'0403'0201ull);
    g.gicd.write(GICD_IPRIORITYR + 38, 2, 0xAABB);
    CHECK(g.gicd.read(GICD_IPRIORITYR + 36, 4, 2) == 0xAABB'0605u);
    g.gicd.write(GICD_ISENABLER + 4, 8, 0x1'0000'0001ull);  // words 1 and 2: INTIDs 32 and 64
    CHECK(g.gicd.read(GICD_ISENABLER + 8, 4, 2) == 1);
    CHECK(g.gicd.read(GICD_ISENABLER + 4, 8, 2) == 0x1'0000'0201ull);
}

TEST_CASE("the redistributor: GICR_TYPER as 64 and 32 bits, WAKER's handshake, 8-bit and 16-bit priorities") {
    GicDistributor gicd;
    GicCpuInterface cpu;
    cpu.distributor = &gicd;
    cpu.affinity = 0x8000'0102;  // Aff1 = 1, Aff0 = 2
    CHECK(cpu.read_redistributor(GICR_TYPER, 8, 3, true) == ((0x0102ull << 32) | (3u << 8) | (1u << 4)));
    CHECK(cpu.read_redistributor(GICR_TYPER, 8, 3, false) == ((0x0102ull << 32) | (3u << 8)));
    CHECK(cpu.read_redistributor(GICR_TYPER + 4, 4, 3, true) == 0x0102);
    CHECK(cpu.read_redistributor(GICR_WAKER, 4, 3, true) == 6);  // ProcessorSleep, ChildrenAsleep
    cpu.write_redistributor(GICR_WAKER, 4, 0);
    CHECK(cpu.read_redistributor(GICR_WAKER, 4, 3, true) == 0);
    cpu.write_redistributor(GICR_WAKER, 4, 2);
    CHECK(cpu.read_redistributor(GICR_WAKER, 4, 3, true) == 6);
    cpu.write_redistributor(0x1'0400 + 26, 2, 0xA0B0);  // INTIDs 26 and 27
    CHECK(cpu.priority[26] == 0xB0);
    CHECK(cpu.priority[27] == 0xA0);
    CHECK(cpu.read_redistributor(0x1'0400 + 24, 8, 3, true) == 0xA0B0'0000ull);
}

TEST_CASE("RAZ/WI registers read zero, ignore writes, and are named in the trace once") {
    GicDistributor gicd;
    GicCpuInterface cpu;
    cpu.distributor = &gicd;
    std::string_view note;
    CHECK(gicd.read(GICD_STATUSR, 4, 1, &note) == 0);
    CHECK(note == "emulated: GICD_STATUSR is RAZ/WI here (optional: no error reporting)");
    note = {};
    CHECK(gicd.read(GICD_STATUSR, 4, 1, &note) == 0);
    CHECK(note.empty());
    gicd.write(GICD_IGRPMODR + 4, 4, ~0u, &note);
    CHECK(note == "emulated: GICD_IGRPMODR is RAZ/WI here (one security state: GICD_CTLR.DS = 1)");
    CHECK(gicd.read(GICD_IGRPMODR + 4, 4, 1) == 0);
    note = {};
    gicd.write(GICD_ISENABLER, 4, ~0u, &note);  // word 0: the redistributors' INTIDs
    CHECK(note == "emulated: GICD_ISENABLER0 is RAZ/WI here (INTIDs 0-31 are the redistributors' (affinity routing))");
    CHECK(gicd.read(GICD_ISENABLER, 4, 1) == 0);
    note = {};
    cpu.write_redistributor(GICR_PROPBASER, 8, ~0ull, &note);
    CHECK(note == "emulated: GICR_PROPBASER is RAZ/WI here (no LPIs: GICD_TYPER.LPIS = 0)");
    CHECK(cpu.read_redistributor(GICR_PROPBASER, 8, 0, true) == 0);
    note = {};
    CHECK(cpu.read_redistributor(GICR_PENDBASER, 8, 0, true, &note) == 0);
    CHECK(note == "emulated: GICR_PENDBASER is RAZ/WI here (no LPIs: GICD_TYPER.LPIS = 0)");
}

TEST_CASE("the CPU interface: ICC_CTLR_EL1's PRIbits, ICC_AP1Rn follow acknowledge and EOI") {
    TwoCpus g;
    g.open(34, 0x60, 0);
    g.gicd.write(GICD_ISPENDR + 4, 4, 1u << 2);
    CHECK(g.cpu0.icc_ctlr() == 0x700);
    CHECK(g.cpu0.acknowledge(true) == 34);
    CHECK(g.cpu0.read_active_priorities(1) == 1u << 16);  // 0x60 >> 1 = 48: register 1, bit 16
    g.cpu0.ctlr = 2;  // EOImode 1: EOI drops the priority, DIR deactivates
    g.cpu0.end_of_interrupt(34);
    CHECK(g.cpu0.read_active_priorities(1) == 0);
    CHECK(g.cpu0.running_priority == 0xff);
    CHECK(g.gicd.read(GICD_ISACTIVER + 4, 4, 2) == 1u << 2);
    g.cpu0.deactivate(34);
    CHECK(g.gicd.read(GICD_ISACTIVER + 4, 4, 2) == 0);
    // Writing the active priorities sets the running priority from them (Linux clears them).
    g.cpu0.write_active_priorities(0, 1u << 8);
    CHECK(g.cpu0.running_priority == 0x10);
    g.cpu0.write_active_priorities(0, 0);
    CHECK(g.cpu0.running_priority == 0xff);
}

TEST_CASE("a VM's SPI reaches the vCPU IROUTER names through MMIO and ICC_IAR1_EL1") {
    VmConfig config = VmFixture::small_vm();
    config.vcpus = 2;
    VmFixture f(v2::install, {0xd503201f}, {}, config);
    Vm& vm = f.vm;
    const std::uint64_t d = kGicDistributorBase;
    vm.mmio_write(f.vcpu(), d + GICD_CTLR, 4, GicDistributor::kEnableGrp1);
    vm.mmio_write(f.vcpu(), d + GICD_IGROUPR + 4, 4, 1u << 5);
    vm.mmio_write(f.vcpu(), d + GICD_ISENABLER + 4, 4, 1u << 5);
    vm.mmio_write(f.vcpu(), d + GICD_IPRIORITYR + 37, 1, 0x20);
    vm.mmio_write(f.vcpu(), d + GICD_IROUTER + 8 * 37, 8, 1);  // vCPU 1
    Vcpu& v1 = vm.vcpu(1);
    write_sysreg(v1, SysregId::ICC_PMR_EL1, 0xff);
    write_sysreg(v1, SysregId::ICC_IGRPEN1_EL1, 1);
    vm.gicd().set_spi_line(37, true);
    CHECK(read_sysreg(v1, SysregId::ISR_EL1) == 1u << 7);
    CHECK(read_sysreg(f.vcpu(), SysregId::ISR_EL1) == 0);
    CHECK(read_sysreg(v1, SysregId::ICC_HPPIR1_EL1) == 37);
    CHECK(read_sysreg(v1, SysregId::ICC_IAR1_EL1) == 37);
    CHECK(read_sysreg(v1, SysregId::ICC_RPR_EL1) == 0x20);
    write_sysreg(v1, SysregId::ICC_EOIR1_EL1, 37);
    CHECK(read_sysreg(v1, SysregId::ICC_RPR_EL1) == 0xff);
    std::uint64_t typer = 0;
    vm.mmio_read(f.vcpu(), kGicRedistributorBase + kGicRedistributorStride + GICR_TYPER, 8, typer);
    CHECK(typer == ((1ull << 32) | (1u << 8) | (1u << 4)));  // vCPU 1: Aff0 1, processor 1, the last
}
