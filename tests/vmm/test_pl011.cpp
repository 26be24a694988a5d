// The PL011: its RX FIFO and interrupts (TX, RX, receive timeout; RIS, MIS, ICR), the flags,
// the PrimeCell IDs, accesses of 1, 2 and 8 bytes, its SPI, and console input from a pipe.
#include <doctest/doctest.h>

#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "versions/v2/handlers.h"
#include "vm_fixture.h"
#include "vmm/console_input.h"
#include "vmm/devices/pl011.h"

using namespace trapeze;
using namespace trapeze::test;

namespace {

constexpr std::uint64_t UARTDR = 0x000, UARTFR = 0x018, UARTIBRD = 0x024, UARTFBRD = 0x028, UARTLCR_H = 0x02C,
                        UARTCR = 0x030, UARTIFLS = 0x034, UARTIMSC = 0x038, UARTRIS = 0x03C, UARTMIS = 0x040,
                        UARTICR = 0x044;
constexpr std::uint32_t kRx = Pl011::kRxInterrupt, kTx = Pl011::kTxInterrupt, kRt = Pl011::kTimeoutInterrupt;
constexpr std::uint32_t kFrRxfe = 1u << 4, kFrRxff = 1u << 6, kFrTxfe = 1u << 7, kLcrHFen = 1u << 4;

Pl011 uart(std::vector<std::string>* lines) {
    return Pl011("", [lines](const std::string& text) { lines->push_back(text); });
}

struct Collect final : TraceSink {
    std::vector<TraceEvent>* events;
    explicit Collect(std::vector<TraceEvent>* e) : events(e) {}
    void write(const TraceEvent& e) override { events->push_back(e); }
};

}  // namespace

TEST_CASE("PL011 TX: a write raises TXRIS at once; IMSC decides MIS and the line; ICR clears") {
    std::vector<std::string> lines;
    Pl011 u = uart(&lines);
    CHECK(u.read(UARTRIS, 4) == 0);
    u.write(UARTDR, 4, 'a');
    CHECK(u.read(UARTRIS, 4) == kTx);
    CHECK(u.read(UARTMIS, 4) == 0);  // masked
    CHECK_FALSE(u.irq_line());
    u.write(UARTIMSC, 4, kTx);
    CHECK(u.read(UARTMIS, 4) == kTx);
    CHECK(u.irq_line());
    u.write(UARTICR, 4, kTx);
    CHECK(u.read(UARTRIS, 4) == 0);
    CHECK_FALSE(u.irq_line());
    CHECK(u.read(UARTFR, 4) == (kFrTxfe | kFrRxfe));  // never busy, never full
    u.write(UARTDR, 1, '\n');
    CHECK(u.output() == "a\n");
    CHECK(lines == std::vector<std::string>{"a\n"});
}

TEST_CASE("PL011 RX without FIFOs: a one-byte holding register; DR takes the byte and lowers RX and RT") {
    std::vector<std::string> lines;
    Pl011 u = uart(&lines);
    u.write(UARTIMSC, 4, kRx | kRt);
    CHECK(u.receive("hi") == 1);  // room for one byte: the caller offers the rest later
    CHECK(u.read(UARTRIS, 4) == (kRx | kRt));
    CHECK(u.read(UARTMIS, 4) == (kRx | kRt));
    CHECK(u.irq_line());
    CHECK(u.read(UARTFR, 4) == (kFrTxfe | kFrRxff));
    CHECK(u.read(UARTDR, 4) == 'h');
    CHECK(u.read(UARTRIS, 4) == 0);
    CHECK_FALSE(u.irq_line());
    CHECK(u.read(UARTFR, 4) == (kFrTxfe | kFrRxfe));
    CHECK(u.read(UARTDR, 4) == 0);  // nothing there
}

TEST_CASE("PL011 RX with FIFOs: RX at the IFLS level (16 of 32 by default), RT for what waits below it") {
    std::vector<std::string> lines;
    Pl011 u = uart(&lines);
    u.write(UARTLCR_H, 4, kLcrHFen | 0x60);  // FIFOs on, 8 bits
    u.write(UARTIMSC, 4, kRx | kRt);
    CHECK(u.receive("abc") == 3);
    CHECK(u.read(UARTRIS, 4) == kRt);  // below the level: only the timeout
    u.write(UARTICR, 4, kRt);
    CHECK_FALSE(u.irq_line());
    CHECK(u.read(UARTDR, 2) == 'a');
    CHECK(u.read(UARTDR, 4) == 'b');
    CHECK(u.read(UARTDR, 4) == 'c');
    CHECK(u.receive(std::string(40, 'x')) == 32);  // the FIFO holds 32
    CHECK(u.read(UARTFR, 4) == (kFrTxfe | kFrRxff));
    CHECK(u.read(UARTRIS, 4) == (kRx | kRt));
    for (int i = 0; i < 16; ++i) u.read(UARTDR, 4);
    CHECK(u.read(UARTRIS, 4) == (kRx | kRt));  // 16 left: still at the level
    u.read(UARTDR, 4);
    CHECK(u.read(UARTRIS, 4) == kRt);  // 15: below it
    u.write(UARTIFLS, 4, 0);           // RX level 1/8: 4 bytes
    u.write(UARTLCR_H, 4, kLcrHFen | 0x60);
    CHECK(u.read(UARTRIS, 4) == (kRx | kRt));
    for (int i = 0; i < 15; ++i) u.read(UARTDR, 4);
    CHECK(u.read(UARTRIS, 4) == 0);
    CHECK(u.read(UARTFR, 4) == (kFrTxfe | kFrRxfe));
}

TEST_CASE("PL011 registers: CR, LCR_H, IBRD, FBRD kept; the PrimeCell IDs; 8- and 16-bit and 64-bit accesses") {
    std::vector<std::string> lines;
    Pl011 u = uart(&lines);
    CHECK(u.read(UARTCR, 4) == 0x300);  // TXE and RXE at reset
    u.write(UARTCR, 4, 0x301);
    u.write(UARTIBRD, 2, 0x1A);
    u.write(UARTFBRD, 4, 0x3);
    CHECK(u.read(UARTCR, 2) == 0x301);
    CHECK(u.read(UARTCR + 1, 1) == 0x03);
    CHECK(u.read(UARTIBRD, 8) == ((0x3ull << 32) | 0x1A));  // IBRD and FBRD at once
    const std::uint64_t ids[] = {0x11, 0x10, 0x14, 0x00, 0x0D, 0xF0, 0x05, 0xB1};
    for (unsigned i = 0; i < 8; ++i) CHECK(u.read(0xFE0 + 4 * i, 4) == ids[i]);
    // Loopback: what is sent comes back in.
    u.write(UARTCR, 4, 0x381);
    u.write(UARTDR, 4, 'L');
    CHECK(u.read(UARTDR, 4) == 'L');
    CHECK(u.output().empty());
}

TEST_CASE("the PL011's line is SPI 33 at the distributor: input raises it, reading the byte lowers it") {
    VmFixture f(v2::install, {0xd503201f});
    Vm& vm = f.vm;
    Vcpu& v = f.vcpu();
    vm.mmio_write(v, kGicDistributorBase + 0x0, 4, GicDistributor::kEnableGrp1);
    vm.mmio_write(v, kGicDistributorBase + 0x84, 4, 1u << 1);   // IGROUPR1: INTID 33 in group 1
    vm.mmio_write(v, kGicDistributorBase + 0x104, 4, 1u << 1);  // ISENABLER1
    v.gic.igrpen1 = true;
    v.gic.pmr = 0xff;
    vm.mmio_write(v, kPl011Base + UARTIMSC, 4, kRx | kRt);
    CHECK(v.gic.highest_pending(true) == kSpuriousIntid);
    v.requests = 0;
    CHECK(vm.receive_console("k") == 1);
    CHECK(v.gic.highest_pending(true) == kPl011Intid);
    CHECK((v.requests & kRequestInterrupts) != 0);
    std::uint64_t byte = 0;
    vm.mmio_read(v, kPl011Base + UARTDR, 4, byte);
    CHECK(byte == 'k');
    CHECK(v.gic.highest_pending(true) == kSpuriousIntid);
}

TEST_CASE("piped console input: a line at a time, taken when the VM waits; the vIRQ is INTID 33") {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    const std::string text = "one\ntwo";
    REQUIRE(write(fds[1], text.data(), text.size()) == static_cast<ssize_t>(text.size()));
    close(fds[1]);
    ConsoleInput input(fds[0]);
    CHECK_FALSE(input.terminal());

    // The guest waits in WFI with IRQs unmasked; nothing but input can wake it.
    constexpr std::uint32_t MSR_DAIFCLR_2 = 0xd50342ff, WFI = 0xd503207f, B_SELF = 0x14000000;
    VmFixture f(v2::install, {MSR_DAIFCLR_2, WFI, B_SELF}, MonitorOptions{.quantum = 1000, .budget = 5000});
    Vm& vm = f.vm;
    Vcpu& v = f.vcpu();
    vm.mmio_write(v, kGicDistributorBase + 0x0, 4, GicDistributor::kEnableGrp1);
    vm.mmio_write(v, kGicDistributorBase + 0x84, 4, 1u << 1);
    vm.mmio_write(v, kGicDistributorBase + 0x104, 4, 1u << 1);
    vm.mmio_write(v, kPl011Base + UARTIMSC, 4, kRx | kRt);
    vm.mmio_write(v, kPl011Base + UARTLCR_H, 4, kLcrHFen | 0x60);  // FIFOs on (off, one byte at a time)
    v.gic.igrpen1 = true;
    v.gic.pmr = 0xff;
    v.set_sysreg(SysregId::VBAR_EL1, kLoad + 0x800);  // unwritten memory: the run stops there
    std::vector<TraceEvent> events;
    f.tracer.add(std::make_unique<Collect>(&events));
    f.monitor.set_console_input(&input);
    f.monitor.run(vm);
    std::vector<std::string> virqs;
    for (const TraceEvent& e : events)
        if (e.kind == TraceEvent::Kind::VirtualIrq) virqs.push_back(e.what.substr(0, 18));
    CHECK(virqs == std::vector<std::string>{"vIRQ INTID 33 take"});
    std::string got;
    for (std::uint64_t byte = 0; vm.mmio_read(v, kPl011Base + UARTFR, 4, byte) && !(byte & kFrRxfe);) {
        vm.mmio_read(v, kPl011Base + UARTDR, 4, byte);
        got += static_cast<char>(byte);
    }
    CHECK(got == "one\n");  // one line: the next waits until the guest has read this one
    CHECK(input.take(32, false) == "two");
    CHECK(input.take(32, false).empty());
    CHECK(input.at_end());
    close(fds[0]);
}

TEST_CASE("a pipe's line waits until the guest listens: no receive interrupt unmasked, nothing is taken") {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    const std::string text = "one\n";
    REQUIRE(write(fds[1], text.data(), text.size()) == static_cast<ssize_t>(text.size()));
    close(fds[1]);
    ConsoleInput input(fds[0]);
    constexpr std::uint32_t MSR_DAIFCLR_2 = 0xd50342ff, WFI = 0xd503207f, B_SELF = 0x14000000;
    VmFixture f(v2::install, {MSR_DAIFCLR_2, WFI, B_SELF}, MonitorOptions{.quantum = 1000, .budget = 5000});
    Vm& vm = f.vm;
    Vcpu& v = f.vcpu();
    vm.mmio_write(v, kGicDistributorBase + 0x0, 4, GicDistributor::kEnableGrp1);
    vm.mmio_write(v, kGicDistributorBase + 0x104, 4, 1u << 1);
    vm.mmio_write(v, kPl011Base + UARTIMSC, 4, kTx);  // only TX: Linux's driver before its startup drains RX
    v.gic.igrpen1 = true;
    v.gic.pmr = 0xff;
    f.monitor.set_console_input(&input);
    f.monitor.run(vm);
    CHECK(vm.uart().rx_empty());
    CHECK(input.take(32, false) == "one\n");  // still the pipe's
    close(fds[0]);
}

TEST_CASE("an interactive console shows a partial line (a prompt) at once; the rest of the line follows") {
    std::vector<std::string> lines;
    Pl011 u("[vm1] ", [&lines](const std::string& text) { lines.push_back(text); });
    for (char c : std::string("/ # ")) u.write(UARTDR, 1, static_cast<std::uint8_t>(c));
    CHECK(lines.empty());  // a line at a time, by default
    u.show_partial_line();
    CHECK(lines == std::vector<std::string>{"[vm1] / # "});
    u.show_partial_line();  // nothing new: nothing shown twice
    CHECK(lines.size() == 1);
    for (char c : std::string("ls\nok\n")) u.write(UARTDR, 1, static_cast<std::uint8_t>(c));
    CHECK(lines == std::vector<std::string>{"[vm1] / # ", "ls\n", "[vm1] ok\n"});
    u.write(UARTDR, 1, 'x');
    u.flush();
    CHECK(lines.back() == "[vm1] x");
    CHECK(u.output() == "/ # ls\nok\nx");
}
