// Data processing (immediate): the cases the manual calls out.
#include <doctest/doctest.h>

#include "support/cpu_fixture.h"

using namespace trapeze;
using namespace trapeze::test;

TEST_CASE("ADDS sets carry and overflow like AddWithCarry") {
    CpuFixture f;
    f.x(1) = 0x7fff'ffff'ffff'ffff;
    f.run({0xb1000422});  // adds x2, x1, #1
    CHECK(f.x(2) == 0x8000'0000'0000'0000);
    CHECK(f.nzcv() == (kFlagN | kFlagV));

    f.x(1) = ~0ull;
    f.run({0xb1000422});  // adds x2, x1, #1 -> 0 with carry out
    CHECK(f.x(2) == 0);
    CHECK(f.nzcv() == (kFlagZ | kFlagC));
}

TEST_CASE("SUBS of equal values sets Z and C (no borrow)") {
    CpuFixture f;
    f.x(1) = 5;
    f.run({0xf100143f});  // cmp x1, #5
    CHECK(f.nzcv() == (kFlagZ | kFlagC));
}

TEST_CASE("32-bit ADD writes zero to the upper half") {
    CpuFixture f;
    f.x(1) = 0xffff'ffff'ffff'ffff;
    f.run({0x11000422});  // add w2, w1, #1
    CHECK(f.x(2) == 0);
}

TEST_CASE("ADD (immediate) uses SP for register 31") {
    CpuFixture f;
    f.cpu.regs.sp() = 0x1000;
    f.run({0x910043ff});  // add sp, sp, #16
    CHECK(f.cpu.regs.sp() == 0x1010);
}

TEST_CASE("MOVZ/MOVK/MOVN build constants") {
    CpuFixture f;
    f.run({0xd2a24680,    // movz x0, #0x1234, lsl #16
           0xf2800ac0,    // movk x0, #0x56
           0x92800001});  // movn x1, #0
    CHECK(f.x(0) == 0x1234'0056);
    CHECK(f.x(1) == ~0ull);
}

TEST_CASE("bitmask immediates decode as the manual's DecodeBitMasks") {
    CpuFixture f;
    f.run({0xb200c3e0});  // orr x0, xzr, #0x0101010101010101
    CHECK(f.x(0) == 0x0101'0101'0101'0101);
}

TEST_CASE("UBFM/SBFM aliases: LSL, LSR, ASR, SXTB, UBFX by 0 and by 63") {
    CpuFixture f;
    f.x(1) = 0x8000'0000'0000'00f0;
    f.run({0xd37ff822,    // lsl x2, x1, #1
           0xd37ffc23,    // lsr x3, x1, #63
           0x937ffc24,    // asr x4, x1, #63
           0x93401c25,    // sxtb x5, w1
           0xd340fc26});  // lsr x6, x1, #0
    CHECK(f.x(2) == 0x1e0);
    CHECK(f.x(3) == 1);
    CHECK(f.x(4) == ~0ull);
    CHECK(f.x(5) == 0xffff'ffff'ffff'fff0);
    CHECK(f.x(6) == 0x8000'0000'0000'00f0);
}

TEST_CASE("ADR and ADRP are relative to the instruction") {
    CpuFixture f;
    f.run({0x10000040,    // adr x0, .+8
           0x90000001});  // adrp x1, .
    CHECK(f.x(0) == kCodeBase + 8);
    CHECK(f.x(1) == kCodeBase);
}
