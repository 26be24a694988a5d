// The PL011 UART's register map, its RX FIFO and its interrupts (PL011 TRM, chapter 3).
#include "vmm/devices/pl011.h"

#include <algorithm>

namespace trapeze {
namespace {

constexpr std::uint64_t UARTDR = 0x000, UARTRSR = 0x004, UARTFR = 0x018, UARTILPR = 0x020, UARTIBRD = 0x024,
                        UARTFBRD = 0x028, UARTLCR_H = 0x02C, UARTCR = 0x030, UARTIFLS = 0x034, UARTIMSC = 0x038,
                        UARTRIS = 0x03C, UARTMIS = 0x040, UARTICR = 0x044, UARTDMACR = 0x048,
                        UARTPERIPHID0 = 0xFE0;
constexpr std::uint32_t kFrBusy = 1u << 3;  // never: a byte is sent the moment it is written
constexpr std::uint32_t kFrRxfe = 1u << 4;  // receive FIFO empty
constexpr std::uint32_t kFrTxff = 1u << 5;  // never: the transmit FIFO drains at once
constexpr std::uint32_t kFrRxff = 1u << 6;  // receive FIFO full
constexpr std::uint32_t kFrTxfe = 1u << 7;  // transmit FIFO empty: always
constexpr std::uint32_t kLcrHFen = 1u << 4;  // FIFOs enabled (else one-byte holding registers)
constexpr std::uint32_t kCrLbe = 1u << 7;    // loopback: what is sent is received
// UARTPeriphID0..3 and UARTPCellID0..3 (the PrimeCell identification Linux's AMBA bus reads),
// the values QEMU's virt gives: part 0x011, designer Arm (0x41), revision 1.
constexpr std::uint8_t kIds[] = {0x11, 0x10, 0x14, 0x00, 0x0D, 0xF0, 0x05, 0xB1};
// UARTIFLS.RXIFLSEL: the RX FIFO level that raises the RX interrupt, in eighths of 32 bytes.
constexpr unsigned kRxLevels[] = {4, 8, 16, 24, 28};

}  // namespace

bool Pl011::fifo_enabled() const { return lcr_h_ & kLcrHFen; }

unsigned Pl011::rx_level() const {
    if (!fifo_enabled()) return 1;
    const unsigned select = (ifls_ >> 3) & 7;
    return select < std::size(kRxLevels) ? kRxLevels[select] : kRxLevels[2];
}

std::size_t Pl011::rx_room() const {
    const std::size_t depth = fifo_enabled() ? kFifoDepth : 1;
    return rx_.size() >= depth ? 0 : depth - rx_.size();
}

std::size_t Pl011::receive(std::string_view bytes) {
    const std::size_t taken = std::min(bytes.size(), rx_room());
    for (std::size_t i = 0; i < taken; ++i) rx_.push_back(static_cast<std::uint8_t>(bytes[i]));
    if (rx_.size() >= rx_level()) ris_ |= kRxInterrupt;
    // The delivery ends here: the line goes idle with data in the FIFO, the receive timeout.
    if (!rx_.empty()) ris_ |= kTimeoutInterrupt;
    return taken;
}

std::uint32_t Pl011::read_register(std::uint64_t offset) {
    if (offset >= UARTPERIPHID0 && offset < UARTPERIPHID0 + 4 * sizeof kIds) return kIds[(offset - UARTPERIPHID0) / 4];
    switch (offset) {
        case UARTDR: {
            if (rx_.empty()) return 0;
            const std::uint32_t byte = rx_.front();  // no framing, parity, break or overrun errors
            rx_.pop_front();
            if (rx_.size() < rx_level()) ris_ &= ~kRxInterrupt;
            if (rx_.empty()) ris_ &= ~kTimeoutInterrupt;
            return byte;
        }
        case UARTRSR: return 0;
        case UARTFR: return kFrTxfe | (rx_.empty() ? kFrRxfe : 0) | (rx_room() == 0 ? kFrRxff : 0);
        case UARTILPR: return ilpr_;
        case UARTIBRD: return ibrd_;
        case UARTFBRD: return fbrd_;
        case UARTLCR_H: return lcr_h_;
        case UARTCR: return cr_;
        case UARTIFLS: return ifls_;
        case UARTIMSC: return imsc_;
        case UARTRIS: return ris_;
        case UARTMIS: return ris_ & imsc_;
        case UARTDMACR: return dmacr_;
        default: return 0;  // UARTICR is write-only; reserved offsets read as zero
    }
}

void Pl011::write_register(std::uint64_t offset, std::uint32_t v) {
    switch (offset) {
        case UARTDR: transmit(static_cast<std::uint8_t>(v & 0xFF)); break;
        case UARTRSR: break;  // clears the error flags: there are none
        case UARTILPR: ilpr_ = v & 0xFF; break;
        case UARTIBRD: ibrd_ = v & 0xFFFF; break;
        case UARTFBRD: fbrd_ = v & 0x3F; break;
        case UARTLCR_H:
            lcr_h_ = v & 0xFF;
            if (rx_.size() >= rx_level()) ris_ |= kRxInterrupt;
            break;
        case UARTCR: cr_ = v & 0xFF87; break;
        case UARTIFLS: ifls_ = v & 0x3F; break;
        case UARTIMSC: imsc_ = v & kAllInterrupts; break;
        case UARTICR: ris_ &= ~(v & kAllInterrupts); break;
        case UARTDMACR: dmacr_ = v & 7; break;
        default: break;  // UARTFR, UARTRIS, UARTMIS and the IDs are read-only
    }
}

std::uint64_t Pl011::read(std::uint64_t offset, unsigned size) {
    if (size == 8) return read(offset, 4) | (read(offset + 4, 4) << 32);
    const unsigned lane = static_cast<unsigned>(offset & 3);
    const std::uint64_t value = read_register(offset - lane) >> (8 * lane);
    return size == 4 ? value : value & ((1ull << (8 * size)) - 1);
}

void Pl011::write(std::uint64_t offset, unsigned size, std::uint64_t value) {
    if (size == 8) {
        write(offset, 4, value & 0xFFFF'FFFF);
        write(offset + 4, 4, value >> 32);
        return;
    }
    const unsigned lane = static_cast<unsigned>(offset & 3);
    if (lane != 0) return;  // the upper bytes of these registers hold nothing writable
    write_register(offset, static_cast<std::uint32_t>(value));
}

void Pl011::transmit(std::uint8_t byte) {
    if (cr_ & kCrLbe) receive(std::string_view(reinterpret_cast<const char*>(&byte), 1));
    else put(static_cast<char>(byte));
    ris_ |= kTxInterrupt;  // the byte left at once: the TX FIFO is at (below) its level again
}

void Pl011::put(char c) {
    output_ += c;
    line_ += c;
    ++written_;
    if (c == '\n') {
        emit_unshown();
        line_.clear();
    }
}

// What of the current line the sink has not shown: all of it with the prefix in front, or the
// rest after show_partial_line() showed its start.
void Pl011::emit_unshown() {
    if (written_ <= emitted_ || line_.empty()) return;
    const std::uint64_t unshown = written_ - emitted_;
    sink_(unshown >= line_.size() ? prefix_ + line_ : line_.substr(line_.size() - unshown));
    emitted_ = written_;
}

void Pl011::show_partial_line() { emit_unshown(); }

void Pl011::flush() {
    emit_unshown();
    line_.clear();
}

}  // namespace trapeze
