// The GDB remote serial protocol's framing: `$payload#checksum`, acknowledgements (`+`/`-`),
// the interrupt byte (0x03) and the escapes of binary data. A reader takes bytes as they
// come from the socket and hands back whole packets; anything malformed becomes an error to
// answer, never a crash.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trapeze::gdb {

inline constexpr std::size_t kMaxPacket = 16384;  // what the stub advertises in qSupported (hex 4000)

struct Incoming {
    enum class Kind : std::uint8_t { Packet, BadPacket, Interrupt, Ack, Nak };
    Kind kind = Kind::Packet;
    std::string payload;  // Packet: unescaped; BadPacket: why
};

class PacketReader {
public:
    void feed(std::string_view bytes);
    std::optional<Incoming> next();

private:
    std::string buffer_;
};

// `$payload#cs` with '#', '$', '}' and '*' escaped.
std::string frame(std::string_view payload);
std::string to_hex(std::string_view bytes);
std::string to_hex(const std::vector<std::uint8_t>& bytes);
// Little-endian hex of a register value of `bytes` bytes, as 'g' and 'p' send them.
std::string register_hex(std::uint64_t value, unsigned bytes);
// Parse hex digits (all of `text`); nullopt on anything else or more than 64 bits.
std::optional<std::uint64_t> parse_hex(std::string_view text);
std::optional<std::vector<std::uint8_t>> parse_hex_bytes(std::string_view text);
std::optional<std::uint64_t> parse_register_hex(std::string_view text, unsigned bytes);

}  // namespace trapeze::gdb
