// The PL011 UART (Arm PrimeCell r1p5): transmit to the host terminal, receive from the host
// into a 32-entry FIFO, and its interrupts (TX, RX, receive timeout) on one level-sensitive
// line, SPI 1 (INTID 33) as on QEMU virt.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>

namespace trapeze {

inline constexpr std::uint64_t kPl011Base = 0x0900'0000;
inline constexpr std::uint64_t kPl011Size = 0x1000;
inline constexpr unsigned kPl011Intid = 33;  // SPI 1

class Pl011 {
public:
    // Interrupt bits of UARTIMSC, UARTRIS, UARTMIS and UARTICR.
    static constexpr std::uint32_t kRxInterrupt = 1u << 4;       // RXIM: the RX FIFO reached its level
    static constexpr std::uint32_t kTxInterrupt = 1u << 5;       // TXIM: the TX FIFO is at or below its level
    static constexpr std::uint32_t kTimeoutInterrupt = 1u << 6;  // RTIM: data waits in the RX FIFO
    static constexpr std::uint32_t kAllInterrupts = 0x7FF;
    static constexpr unsigned kFifoDepth = 32;

    // The guest's bytes go to `sink` unchanged (a '\r' stays a '\r'), a line at a time: each
    // complete line with its '\n', and the partial last one at flush(). `prefix` goes in
    // front of each line (per-VM, when several run), so lines of different VMs never mix.
    using LineSink = std::function<void(const std::string& text)>;
    Pl011(std::string prefix, LineSink sink) : prefix_(std::move(prefix)), sink_(std::move(sink)) {}

    // MMIO of 1, 2, 4 or 8 bytes: the registers are 32 bits wide (Linux reaches them with
    // 16-bit accesses); a narrower access sees the bytes it names, a 64-bit one two registers.
    // Reading UARTDR takes a byte out of the RX FIFO, so read is not const.
    std::uint64_t read(std::uint64_t offset, unsigned size);
    void write(std::uint64_t offset, unsigned size, std::uint64_t value);
    void flush();  // a partial last line, at the end of the run
    // Show the current line so far (a shell's prompt, the echo of a key typed): an interactive
    // console cannot wait for the '\n'. The rest of the line follows without the prefix.
    void show_partial_line();

    // Bytes from the host: as many as the RX FIFO has room for go in (the rest are the
    // caller's to offer again); returns how many. The end of a delivery is an idle line:
    // the receive timeout is raised for whatever stays below the RX level.
    std::size_t receive(std::string_view bytes);
    std::size_t rx_room() const;
    bool rx_empty() const { return rx_.empty(); }
    // The guest listens for input: a receive interrupt (RXIM or RTIM) is unmasked. Linux's
    // driver drains the FIFO just before it unmasks them, so what came before is lost.
    bool rx_listening() const { return (imsc_ & (kRxInterrupt | kTimeoutInterrupt)) != 0; }

    // The interrupt line to the GIC: any unmasked interrupt raised (UARTMIS != 0).
    bool irq_line() const { return (ris_ & imsc_) != 0; }
    std::uint32_t raw_interrupts() const { return ris_; }

    const std::string& output() const { return output_; }  // everything written, for tests

private:
    friend class SnapshotAccess;  // vmm/snapshot.cpp saves and restores the registers and the line
    std::uint32_t read_register(std::uint64_t offset);
    void write_register(std::uint64_t offset, std::uint32_t value);
    void transmit(std::uint8_t byte);
    void put(char c);
    void emit_unshown();
    unsigned rx_level() const;  // the RX interrupt's trigger level, from UARTIFLS and LCR_H.FEN
    bool fifo_enabled() const;

    std::string prefix_;
    LineSink sink_;
    std::string line_;
    std::string output_;
    // Bytes written since reset, and how many of them the sink has shown: a run sent back to
    // a snapshot (reverse execution) writes them again, and a line is shown only once.
    std::uint64_t written_ = 0;
    std::uint64_t emitted_ = 0;
    std::deque<std::uint8_t> rx_;
    std::uint32_t cr_ = 0x300, lcr_h_ = 0, ibrd_ = 0, fbrd_ = 0, imsc_ = 0, ifls_ = 0x12, ilpr_ = 0, dmacr_ = 0;
    std::uint32_t ris_ = 0;
};

}  // namespace trapeze
