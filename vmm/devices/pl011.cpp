// The PL011 UART's register map (the subset a polled console driver uses).
#include "vmm/devices/pl011.h"

#include <algorithm>

namespace trapeze {
namespace {

constexpr std::uint64_t UARTDR = 0x000, UARTFR = 0x018, UARTIBRD = 0x024, UARTFBRD = 0x028, UARTLCR_H = 0x02C,
                        UARTCR = 0x030, UARTIFLS = 0x034, UARTIMSC = 0x038, UARTPERIPHID0 = 0xFE0;
constexpr std::uint32_t kFrRxfe = 1u << 4;  // receive FIFO empty: there is no input
constexpr std::uint32_t kFrTxfe = 1u << 7;  // transmit FIFO empty: every byte goes out at once
// UARTPeriphID0..3 and UARTPCellID0..3, as the PL011 TRM gives them.
constexpr std::uint8_t kIds[] = {0x11, 0x10, 0x14, 0x00, 0x0D, 0xF0, 0x05, 0xB1};

}  // namespace

std::uint64_t Pl011::read(std::uint64_t offset, unsigned) const {
    if (offset >= UARTPERIPHID0 && offset < UARTPERIPHID0 + 4 * sizeof kIds && offset % 4 == 0)
        return kIds[(offset - UARTPERIPHID0) / 4];
    switch (offset) {
        case UARTFR: return kFrRxfe | kFrTxfe;
        case UARTIBRD: return ibrd_;
        case UARTFBRD: return fbrd_;
        case UARTLCR_H: return lcr_h_;
        case UARTCR: return cr_;
        case UARTIFLS: return ifls_;
        case UARTIMSC: return imsc_;
        default: return 0;  // DR with no input, interrupt status: nothing pending
    }
}

void Pl011::write(std::uint64_t offset, unsigned, std::uint64_t value) {
    const auto v = static_cast<std::uint32_t>(value);
    switch (offset) {
        case UARTDR: put(static_cast<char>(v & 0xFF)); break;
        case UARTIBRD: ibrd_ = v; break;
        case UARTFBRD: fbrd_ = v; break;
        case UARTLCR_H: lcr_h_ = v; break;
        case UARTCR: cr_ = v; break;
        case UARTIFLS: ifls_ = v; break;
        case UARTIMSC: imsc_ = v; break;
        default: break;
    }
}

void Pl011::put(char c) {
    output_ += c;
    line_ += c;
    ++written_;
    if (c == '\n') {
        if (written_ > emitted_) sink_(prefix_ + line_);
        emitted_ = std::max(emitted_, written_);
        line_.clear();
    }
}

void Pl011::flush() {
    if (!line_.empty()) {
        if (written_ > emitted_) sink_(prefix_ + line_);
        emitted_ = std::max(emitted_, written_);
        line_.clear();
    }
}

}  // namespace trapeze
