// The GDB remote protocol's framing: checksums, escapes, acknowledgements, the interrupt
// byte, and every malformed packet turned into an error instead of a crash.
#include <doctest/doctest.h>

#include "vmm/debug/gdb_packet.h"

using namespace trapeze::gdb;

TEST_CASE("packets are framed with their checksum, and special characters escaped") {
    CHECK(frame("OK") == "$OK#9a");
    CHECK(frame("") == "$#00");
    CHECK(frame("a#b") == "$a}\x03" "b#43");  // the checksum covers the escaped bytes
    PacketReader r;
    r.feed(frame("a#b$c}d*e"));
    const auto in = r.next();
    REQUIRE(in);
    CHECK(in->kind == Incoming::Kind::Packet);
    CHECK(in->payload == "a#b$c}d*e");
    CHECK_FALSE(r.next());
}

TEST_CASE("the reader waits for whole packets, and tells acks, interrupts and bad packets apart") {
    PacketReader r;
    r.feed("+$g#6");
    auto in = r.next();
    REQUIRE(in);
    CHECK(in->kind == Incoming::Kind::Ack);
    CHECK_FALSE(r.next());  // the checksum is not all there
    r.feed("7\x03-");
    in = r.next();
    REQUIRE(in);
    CHECK(in->kind == Incoming::Kind::Packet);
    CHECK(in->payload == "g");
    CHECK(r.next()->kind == Incoming::Kind::Interrupt);
    CHECK(r.next()->kind == Incoming::Kind::Nak);
    r.feed("$g#00$g#zz$m}#ea");
    CHECK(r.next()->payload == "checksum 00, the packet sums to 67");
    CHECK(r.next()->payload == "a checksum that is not hex");
    CHECK(r.next()->payload == "an escape at the end of a packet");
    CHECK_FALSE(r.next());
}

TEST_CASE("a packet that never ends is dropped, and the reader goes on") {
    PacketReader r;
    r.feed("$" + std::string(3 * kMaxPacket, 'A'));
    auto in = r.next();
    REQUIRE(in);
    CHECK(in->kind == Incoming::Kind::BadPacket);
    r.feed("#00" + frame("?"));
    for (in = r.next(); in && in->kind != Incoming::Kind::Packet; in = r.next()) {
    }
    REQUIRE(in);
    CHECK(in->payload == "?");
}

TEST_CASE("hex in and out: registers are little-endian") {
    CHECK(register_hex(0x40080000, 8) == "0000084000000000");
    CHECK(register_hex(0x3c5, 4) == "c5030000");
    CHECK(parse_register_hex("0000084000000000", 8) == 0x40080000u);
    CHECK_FALSE(parse_register_hex("00000840", 8));
    CHECK(parse_hex("4008abcD") == 0x4008abcdu);
    CHECK_FALSE(parse_hex(""));
    CHECK_FALSE(parse_hex("12345678123456789"));
    CHECK_FALSE(parse_hex("12g"));
    CHECK(to_hex(std::string("OK\n")) == "4f4b0a");
    CHECK_FALSE(parse_hex_bytes("abc"));
    CHECK(parse_hex_bytes("00ff") == std::vector<std::uint8_t>{0, 255});
}
