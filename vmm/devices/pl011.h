// The PL011 UART, transmit side: what the guest writes to DR appears on the host terminal.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace trapeze {

inline constexpr std::uint64_t kPl011Base = 0x0900'0000;
inline constexpr std::uint64_t kPl011Size = 0x1000;

class Pl011 {
public:
    // The guest's bytes go to `sink` unchanged (a '\r' stays a '\r'), a line at a time: each
    // complete line with its '\n', and the partial last one at flush(). `prefix` goes in
    // front of each line (per-VM, when several run), so lines of different VMs never mix.
    using LineSink = std::function<void(const std::string& text)>;
    Pl011(std::string prefix, LineSink sink) : prefix_(std::move(prefix)), sink_(std::move(sink)) {}

    std::uint64_t read(std::uint64_t offset, unsigned size) const;
    void write(std::uint64_t offset, unsigned size, std::uint64_t value);
    void flush();  // a partial last line, at the end of the run

    const std::string& output() const { return output_; }  // everything written, for tests

private:
    friend class SnapshotAccess;  // vmm/snapshot.cpp saves and restores the registers and the line
    void put(char c);

    std::string prefix_;
    LineSink sink_;
    std::string line_;
    std::string output_;
    // Bytes written since reset, and how many of them the sink has shown: a run sent back to
    // a snapshot (reverse execution) writes them again, and a line is shown only once.
    std::uint64_t written_ = 0;
    std::uint64_t emitted_ = 0;
    std::uint32_t cr_ = 0x300, lcr_h_ = 0, ibrd_ = 0, fbrd_ = 0, imsc_ = 0, ifls_ = 0x12;
};

}  // namespace trapeze
