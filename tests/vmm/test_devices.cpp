// The virtual platform's devices: the virtual timer, the GICv3 subset, the PL011.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "vmm/devices/gic.h"
#include "vmm/devices/pl011.h"
#include "vmm/devices/generic_timer.h"

using namespace trapeze;

TEST_CASE("virtual timer: the condition, IMASK, ISTATUS and the signed TVAL view") {
    GenericTimer t;
    t.write_tval(1000, 50);
    CHECK(t.cval == 1050);
    CHECK_FALSE(t.condition(1100));  // not enabled
    t.write_ctl(GenericTimer::kEnable);
    CHECK_FALSE(t.condition(1049));
    CHECK(t.condition(1050));
    CHECK(t.read_ctl(1050) == (GenericTimer::kEnable | GenericTimer::kIstatus));
    CHECK(t.irq_line(1050));
    CHECK(t.read_tval(1060) == 0xFFFF'FFF6);  // -10 as 32 bits: it fired 10 ticks ago
    t.write_ctl(GenericTimer::kEnable | GenericTimer::kImask);
    CHECK(t.condition(1060));
    CHECK_FALSE(t.irq_line(1060));  // masked at the timer
    CHECK_FALSE(t.deadline());
    t.write_tval(2000, 0xFFFF'FFFF);  // a TVAL of -1 sets CVAL one tick in the past
    CHECK(t.cval == 1999);
}

TEST_CASE("event stream: the next 0-to-1 (EVNTDIR 0) or 1-to-0 (EVNTDIR 1) transition of CNTVCT bit EVNTI") {
    constexpr std::uint64_t kEvnten = 1u << 2, kEvntdir = 1u << 3;
    CHECK_FALSE(next_event_stream_tick(3u << 4, 5).has_value());  // EVNTEN clear: no stream
    const std::uint64_t rising = kEvnten | (3u << 4);                // bit 3: period 16, up at 8, down at 16
    CHECK(next_event_stream_tick(rising, 0) == 8u);
    CHECK(next_event_stream_tick(rising, 7) == 8u);
    CHECK(next_event_stream_tick(rising, 8) == 24u);  // strictly after now
    CHECK(next_event_stream_tick(rising, 23) == 24u);
    const std::uint64_t falling = rising | kEvntdir;
    CHECK(next_event_stream_tick(falling, 0) == 16u);
    CHECK(next_event_stream_tick(falling, 15) == 16u);
    CHECK(next_event_stream_tick(falling, 16) == 32u);
    CHECK(next_event_stream_tick(kEvnten | (15u << 4), 100) == 0x8000u);  // bit 15
    CHECK(next_event_stream_tick(kEvnten, 6) == 7u);                      // bit 0: every other tick
}

TEST_CASE("GIC: a level PPI is signalled when enabled, group 1, below PMR; IAR acknowledges, EOI drops") {
    GicCpuInterface gic;
    const unsigned ppi = 27;
    gic.level = 1u << ppi;
    CHECK_FALSE(gic.irq_signalled(true));  // not enabled yet
    gic.write_redistributor(0x1'0100, 4, 1u << ppi);  // GICR_ISENABLER0
    gic.write_redistributor(0x1'0080, 4, 1u << ppi);  // GICR_IGROUPR0: group 1
    gic.write_redistributor(0x1'0400 + ppi, 1, 0x80);  // priority
    CHECK_FALSE(gic.irq_signalled(true));  // ICC_IGRPEN1_EL1 still 0
    gic.igrpen1 = true;
    gic.pmr = 0x80;
    CHECK_FALSE(gic.irq_signalled(true));  // priority 0x80 is not below PMR 0x80
    gic.pmr = 0xff;
    CHECK_FALSE(gic.irq_signalled(false));  // the distributor's group 1 is off
    CHECK(gic.irq_signalled(true));
    CHECK(gic.acknowledge(true) == ppi);
    CHECK(gic.active == 1u << ppi);
    CHECK(gic.running_priority == 0x80);
    CHECK_FALSE(gic.irq_signalled(true));  // active: not signalled again
    CHECK(gic.acknowledge(true) == kSpuriousIntid);
    gic.end_of_interrupt(ppi);
    CHECK(gic.active == 0);
    CHECK(gic.running_priority == 0xff);
    CHECK(gic.irq_signalled(true));  // the level is still high
    gic.level = 0;
    CHECK_FALSE(gic.irq_signalled(true));
}

TEST_CASE("GIC: the higher priority (lower value) wins, then the lower INTID; EOImode 1 needs DIR") {
    GicCpuInterface gic;
    gic.igrpen1 = true;
    gic.pmr = 0xff;
    gic.group1 = gic.enabled = (1u << 3) | (1u << 5) | (1u << 27);
    gic.priority[3] = 0x40;
    gic.priority[5] = 0x20;
    gic.priority[27] = 0x20;
    gic.pending = (1u << 3) | (1u << 5);
    gic.level = 1u << 27;
    CHECK(gic.acknowledge(true) == 5);
    CHECK((gic.pending & (1u << 5)) == 0);  // an edge (SGI) is consumed by the acknowledge
    gic.ctlr = 2;                           // EOImode: EOI only drops the priority
    gic.end_of_interrupt(5);
    CHECK(gic.active == 1u << 5);
    gic.deactivate(5);
    CHECK(gic.active == 0);
    CHECK(gic.highest_pending(true) == 27);
}

TEST_CASE("GIC redistributor: WAKER, TYPER and the distributor's CTLR") {
    GicCpuInterface gic;
    CHECK(gic.read_redistributor(0x14, 4, 0, true) == 6);  // ProcessorSleep | ChildrenAsleep
    gic.write_redistributor(0x14, 4, 0);
    CHECK(gic.read_redistributor(0x14, 4, 0, true) == 0);
    CHECK(gic.read_redistributor(0x8, 8, 2, true) == ((2ull << 32) | (2u << 8) | (1u << 4)));
    GicDistributor gicd;
    gicd.write(0, 4, GicDistributor::kAreNs | GicDistributor::kEnableGrp1);
    CHECK(gicd.group1_enabled());
    CHECK((gicd.read(0, 4, 1) & (1u << 6)) != 0);  // DS: one security state
}

TEST_CASE("PL011: the guest's bytes reach the console unchanged, a line at a time with the VM's prefix") {
    std::vector<std::string> lines;
    Pl011 uart("[vm1] ", [&](const std::string& line) { lines.push_back(line); });
    for (char c : std::string("hi\r\n\tA\rB\x1b[0m\nthere")) uart.write(0, 4, static_cast<unsigned char>(c));
    REQUIRE(lines.size() == 2);
    CHECK(lines[0] == "[vm1] hi\r\n");
    CHECK(lines[1] == "[vm1] \tA\rB\x1b[0m\n");
    uart.flush();
    REQUIRE(lines.size() == 3);
    CHECK(lines.back() == "[vm1] there");
    uart.flush();  // nothing left: no empty line
    CHECK(lines.size() == 3);
    CHECK(uart.read(0x18, 4) == 0x90);
    CHECK(uart.read(0xFE0, 4) == 0x11);  // UARTPeriphID0
    CHECK(uart.output() == "hi\r\n\tA\rB\x1b[0m\nthere");
}
