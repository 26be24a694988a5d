// Packet framing and hex for the GDB stub.
#include "vmm/debug/gdb_packet.h"

#include <fmt/format.h>

namespace trapeze::gdb {
namespace {

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

void PacketReader::feed(std::string_view bytes) {
    buffer_.append(bytes);
    // A peer that never ends its packet must not grow the buffer without bound.
    if (buffer_.size() > 4 * kMaxPacket) buffer_.erase(0, buffer_.size() - 2 * kMaxPacket);
}

std::optional<Incoming> PacketReader::next() {
    while (!buffer_.empty()) {
        const char c = buffer_.front();
        if (c == '+' || c == '-') {
            buffer_.erase(0, 1);
            return Incoming{c == '+' ? Incoming::Kind::Ack : Incoming::Kind::Nak, {}};
        }
        if (c == '\x03') {
            buffer_.erase(0, 1);
            return Incoming{Incoming::Kind::Interrupt, {}};
        }
        if (c != '$') {  // noise between packets
            buffer_.erase(0, 1);
            continue;
        }
        const std::size_t hash = buffer_.find('#');
        if (hash == std::string::npos) {
            if (buffer_.size() > kMaxPacket + 4) {
                buffer_.erase(0, 1);
                return Incoming{Incoming::Kind::BadPacket, "a packet longer than the stub takes"};
            }
            return std::nullopt;  // wait for the rest
        }
        if (buffer_.size() < hash + 3) return std::nullopt;  // the checksum has not arrived
        const std::string raw = buffer_.substr(1, hash - 1);
        const int hi = hex_digit(buffer_[hash + 1]), lo = hex_digit(buffer_[hash + 2]);
        buffer_.erase(0, hash + 3);
        if (hi < 0 || lo < 0) return Incoming{Incoming::Kind::BadPacket, "a checksum that is not hex"};
        unsigned sum = 0;
        for (const char r : raw) sum += static_cast<unsigned char>(r);
        if ((sum & 0xff) != static_cast<unsigned>(hi * 16 + lo))
            return Incoming{Incoming::Kind::BadPacket, fmt::format("checksum {:02x}, the packet sums to {:02x}", hi * 16 + lo, sum & 0xff)};
        if (raw.find('$') != std::string::npos) return Incoming{Incoming::Kind::BadPacket, "a '$' inside a packet"};
        std::string payload;
        for (std::size_t i = 0; i < raw.size(); ++i) {
            if (raw[i] == '}') {
                if (i + 1 == raw.size()) return Incoming{Incoming::Kind::BadPacket, "an escape at the end of a packet"};
                payload += static_cast<char>(raw[++i] ^ 0x20);
            } else {
                payload += raw[i];
            }
        }
        return Incoming{Incoming::Kind::Packet, std::move(payload)};
    }
    return std::nullopt;
}

std::string frame(std::string_view payload) {
    std::string body;
    for (const char c : payload) {
        if (c == '#' || c == '$' || c == '}' || c == '*') {
            body += '}';
            body += static_cast<char>(c ^ 0x20);
        } else {
            body += c;
        }
    }
    unsigned sum = 0;
    for (const char c : body) sum += static_cast<unsigned char>(c);
    return fmt::format("${}#{:02x}", body, sum & 0xff);
}

std::string to_hex(std::string_view bytes) {
    std::string out;
    for (const char c : bytes) out += fmt::format("{:02x}", static_cast<unsigned char>(c));
    return out;
}

std::string to_hex(const std::vector<std::uint8_t>& bytes) {
    std::string out;
    for (const std::uint8_t b : bytes) out += fmt::format("{:02x}", b);
    return out;
}

std::string register_hex(std::uint64_t value, unsigned bytes) {
    std::string out;
    for (unsigned i = 0; i < bytes; ++i) out += fmt::format("{:02x}", (value >> (8 * i)) & 0xff);
    return out;
}

std::optional<std::uint64_t> parse_hex(std::string_view text) {
    if (text.empty() || text.size() > 16) return std::nullopt;
    std::uint64_t v = 0;
    for (const char c : text) {
        const int d = hex_digit(c);
        if (d < 0) return std::nullopt;
        v = v << 4 | static_cast<unsigned>(d);
    }
    return v;
}

std::optional<std::vector<std::uint8_t>> parse_hex_bytes(std::string_view text) {
    if (text.size() % 2) return std::nullopt;
    std::vector<std::uint8_t> out;
    for (std::size_t i = 0; i < text.size(); i += 2) {
        const int hi = hex_digit(text[i]), lo = hex_digit(text[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
    }
    return out;
}

std::optional<std::uint64_t> parse_register_hex(std::string_view text, unsigned bytes) {
    const auto b = parse_hex_bytes(text);
    if (!b || b->size() != bytes) return std::nullopt;
    std::uint64_t v = 0;
    for (unsigned i = 0; i < bytes; ++i) v |= static_cast<std::uint64_t>((*b)[i]) << (8 * i);
    return v;
}

}  // namespace trapeze::gdb
