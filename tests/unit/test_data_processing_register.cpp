// Data processing (register): the cases the manual calls out, one test case per group.
// Instruction words come from llvm-mc --triple=aarch64 -mattr=+crc -show-encoding.
#include <doctest/doctest.h>

#include <cstdint>

#include "support/cpu_fixture.h"

using namespace trapeze;
using namespace trapeze::test;

namespace {

constexpr std::uint64_t kInt64Min = 0x8000'0000'0000'0000;
constexpr std::uint32_t kAllFlags = kFlagN | kFlagZ | kFlagC | kFlagV;

// Runs one instruction with x0 = n and x1 = m, returns x2 (every 2-source and most
// 1-source words below use w/x2, w/x0, w/x1).
std::uint64_t run2(CpuFixture& f, std::uint32_t word, std::uint64_t n, std::uint64_t m = 0) {
    f.x(0) = n;
    f.x(1) = m;
    f.x(2) = 0xdead'beef'dead'beef;  // a result that is not written shows up
    f.run({word});
    return f.x(2);
}

}  // namespace

TEST_CASE("UDIV and SDIV round towards zero; divide by zero gives zero") {
    CpuFixture f;
    constexpr std::uint32_t udiv_x = 0x9ac10802;  // udiv x2, x0, x1
    constexpr std::uint32_t udiv_w = 0x1ac10802;  // udiv w2, w0, w1
    constexpr std::uint32_t sdiv_x = 0x9ac10c02;  // sdiv x2, x0, x1
    constexpr std::uint32_t sdiv_w = 0x1ac10c02;  // sdiv w2, w0, w1

    CHECK(run2(f, udiv_x, 100, 7) == 14);
    CHECK(run2(f, udiv_x, ~0ull, 1) == ~0ull);
    CHECK(run2(f, udiv_x, 100, 0) == 0);
    CHECK(run2(f, udiv_x, ~0ull, 2) == 0x7fff'ffff'ffff'ffff);  // unsigned, not -1 / 2
    // 32-bit: only W0/W1 are read and the top half of X2 is zeroed.
    CHECK(run2(f, udiv_w, 0xffff'ffff'0000'0010, 0x0000'0001'0000'0003) == 5);
    CHECK(run2(f, udiv_w, 0xffff'ffff'ffff'ffff, 0) == 0);

    CHECK(run2(f, sdiv_x, static_cast<std::uint64_t>(-7), 2) == static_cast<std::uint64_t>(-3));
    CHECK(run2(f, sdiv_x, 7, static_cast<std::uint64_t>(-2)) == static_cast<std::uint64_t>(-3));
    CHECK(run2(f, sdiv_x, static_cast<std::uint64_t>(-9), 0) == 0);
    // INT64_MIN / -1 = +2^63 does not fit and truncates back to INT64_MIN; no trap.
    CHECK(run2(f, sdiv_x, kInt64Min, ~0ull) == kInt64Min);
    CHECK(run2(f, sdiv_w, 0x1234'5678'8000'0000, 0x0000'0000'ffff'ffff) == 0x8000'0000);
    CHECK(run2(f, sdiv_w, 0xffff'ffff'ffff'fff9, 2) == 0xffff'fffd);  // -7 / 2 = -3 in W2
    CHECK(run2(f, sdiv_w, 5, 0xffff'ffff'0000'0000) == 0);            // W1 = 0
}

TEST_CASE("LSLV/LSRV/ASRV/RORV take the shift amount modulo the width") {
    CpuFixture f;
    constexpr std::uint32_t lslv_x = 0x9ac12002, lsrv_x = 0x9ac12402, asrv_x = 0x9ac12802, rorv_x = 0x9ac12c02;
    constexpr std::uint32_t lslv_w = 0x1ac12002, lsrv_w = 0x1ac12402, asrv_w = 0x1ac12802, rorv_w = 0x1ac12c02;

    CHECK(run2(f, lslv_x, 0x0123'4567'89ab'cdef, 0) == 0x0123'4567'89ab'cdef);
    CHECK(run2(f, lslv_x, 1, 63) == kInt64Min);
    CHECK(run2(f, lslv_x, 1, 64 + 4) == 0x10);  // 68 mod 64 = 4
    CHECK(run2(f, lsrv_x, kInt64Min, 63) == 1);
    CHECK(run2(f, lsrv_x, kInt64Min, 64) == kInt64Min);
    CHECK(run2(f, asrv_x, kInt64Min, 63) == ~0ull);
    CHECK(run2(f, asrv_x, 0x4000'0000'0000'0000, 62) == 1);
    CHECK(run2(f, asrv_x, kInt64Min, ~0ull) == ~0ull);  // amount 63
    CHECK(run2(f, rorv_x, 1, 1) == kInt64Min);
    CHECK(run2(f, rorv_x, 0x0123'4567'89ab'cdef, 64) == 0x0123'4567'89ab'cdef);
    CHECK(run2(f, rorv_x, 0x0123'4567'89ab'cdef, 16) == 0xcdef'0123'4567'89ab);
    CHECK(run2(f, rorv_x, 0x8000'0000'0000'0001, 63) == 3);

    // 32-bit: the amount is mod 32, bits 63..32 of Xn never shift in, the top half is zeroed.
    CHECK(run2(f, lslv_w, 0xffff'ffff'0000'0001, 31) == 0x8000'0000);
    CHECK(run2(f, lslv_w, 0xffff'ffff'0000'0001, 32) == 1);
    CHECK(run2(f, lsrv_w, 0xffff'ffff'8000'0000, 33) == 0x4000'0000);
    CHECK(run2(f, lsrv_w, 0xffff'ffff'8000'0000, 0) == 0x8000'0000);
    CHECK(run2(f, asrv_w, 0x0000'0000'8000'0000, 31) == 0xffff'ffff);
    CHECK(run2(f, asrv_w, 0xffff'ffff'4000'0000, 30) == 1);
    CHECK(run2(f, rorv_w, 0xffff'ffff'0000'0001, 1) == 0x8000'0000);
    CHECK(run2(f, rorv_w, 0x1234'5678'0000'00ff, 36) == 0xf000'000f);  // 36 mod 32 = 4
}

TEST_CASE("CRC32 and CRC32C of the check string \"123456789\", every data size") {
    CpuFixture f;
    // The standard check values start from ~0 and invert the result; the instructions do neither.
    struct Sizes {
        std::uint32_t b, h, w, x;
    };
    const Sizes crc32{0x1ac14002, 0x1ac14402, 0x1ac14802, 0x9ac14c02};   // crc32{b,h,w,x} w2, w0, {w,x}1
    const Sizes crc32c{0x1ac15002, 0x1ac15402, 0x1ac15802, 0x9ac15c02};  // crc32c{b,h,w,x}

    for (const auto& [s, expected] : {std::pair{crc32, 0xcbf4'3926u}, std::pair{crc32c, 0xe306'9283u}}) {
        CAPTURE(expected);
        // "12345678" as one doubleword, then "9". Rn's top half must be ignored.
        std::uint64_t acc = 0xaaaa'aaaa'ffff'ffff;
        acc = run2(f, s.x, acc, 0x3837'3635'3433'3231);
        CHECK((acc >> 32) == 0);  // a W result
        acc = run2(f, s.b, acc, 0xffff'ffff'ffff'ff39);  // only the low byte is data
        CHECK((acc ^ 0xffff'ffff) == expected);

        // "1234", "56", "7", "89": word, halfword, byte, halfword.
        acc = run2(f, s.w, 0xffff'ffff, 0xffff'ffff'3433'3231);
        acc = run2(f, s.h, acc, 0xffff'ffff'ffff'3635);
        acc = run2(f, s.b, acc, 0x37);
        acc = run2(f, s.h, acc, 0x3938);
        CHECK((acc ^ 0xffff'ffff) == expected);

        // With a zero accumulator, zero data leaves zero (no inversion inside the instruction).
        CHECK(run2(f, s.x, 0, 0) == 0);
    }
    // One byte from a zero accumulator is one row of the reflected table: 0x80 -> poly' >> 0.
    CHECK(run2(f, crc32.b, 0, 0x80) == 0xedb8'8320);
    CHECK(run2(f, crc32c.b, 0, 0x80) == 0x82f6'3b78);
}

TEST_CASE("RBIT, REV16, REV, REV32") {
    CpuFixture f;
    CHECK(run2(f, 0xdac00002, 1) == kInt64Min);                                  // rbit x2, x0
    CHECK(run2(f, 0xdac00002, 0x0123'4567'89ab'cdef) == 0xf7b3'd591'e6a2'c480);  // rbit x2, x0
    CHECK(run2(f, 0x5ac00002, 0xffff'ffff'1234'5678) == 0x1e6a'2c48);            // rbit w2, w0
    CHECK(run2(f, 0x5ac00002, 0xffff'ffff'0000'0001) == 0x8000'0000);            // rbit w2, w0
    CHECK(run2(f, 0xdac00402, 0x0011'2233'4455'6677) == 0x1100'3322'5544'7766);  // rev16 x2, x0
    CHECK(run2(f, 0x5ac00402, 0xaaaa'aaaa'0011'2233) == 0x1100'3322);            // rev16 w2, w0
    CHECK(run2(f, 0x5ac00802, 0xaaaa'aaaa'1122'3344) == 0x4433'2211);            // rev w2, w0
    CHECK(run2(f, 0xdac00802, 0x0011'2233'4455'6677) == 0x3322'1100'7766'5544);  // rev32 x2, x0
    CHECK(run2(f, 0xdac00c02, 0x0011'2233'4455'6677) == 0x7766'5544'3322'1100);  // rev x2, x0
}

TEST_CASE("CLZ and CLS of zero, all ones and the edges") {
    CpuFixture f;
    constexpr std::uint32_t clz_x = 0xdac01002, clz_w = 0x5ac01002, cls_x = 0xdac01402, cls_w = 0x5ac01402;
    CHECK(run2(f, clz_x, 0) == 64);
    CHECK(run2(f, clz_x, ~0ull) == 0);
    CHECK(run2(f, clz_x, 1) == 63);
    CHECK(run2(f, clz_w, 0xffff'ffff'0000'0000) == 32);
    CHECK(run2(f, clz_w, 0xffff'ffff'0000'0001) == 31);
    CHECK(run2(f, clz_w, 0x0000'0000'8000'0000) == 0);

    // CLS counts the bits below the top one that equal it: N-1 for both 0 and all ones.
    CHECK(run2(f, cls_x, 0) == 63);
    CHECK(run2(f, cls_x, ~0ull) == 63);
    CHECK(run2(f, cls_x, 1) == 62);
    CHECK(run2(f, cls_x, kInt64Min) == 0);
    CHECK(run2(f, cls_x, 0x4000'0000'0000'0000) == 0);
    CHECK(run2(f, cls_x, 0xc000'0000'0000'0000) == 1);
    CHECK(run2(f, cls_x, 0xffff'ffff'ffff'fffe) == 62);
    CHECK(run2(f, cls_w, 0xaaaa'aaaa'0000'0000) == 31);
    CHECK(run2(f, cls_w, 0x0000'0000'ffff'ffff) == 31);
    CHECK(run2(f, cls_w, 0xffff'ffff'0000'0001) == 30);
    CHECK(run2(f, cls_w, 0x0000'0000'8000'0000) == 0);
}

TEST_CASE("logical (shifted register): every operation and shift type, amounts 0 and 63") {
    CpuFixture f;
    CHECK(run2(f, 0x8a010002, 0xff00, 0x0ff0) == 0x0f00);                          // and x2, x0, x1
    CHECK(run2(f, 0x8a01fc02, ~0ull, 3) == kInt64Min);                             // and x2, x0, x1, lsl #63
    CHECK(run2(f, 0x8a611002, ~0ull, 0xf0) == ~0xfull);                            // bic x2, x0, x1, lsr #4
    CHECK(run2(f, 0xaa81fc02, 0x10, kInt64Min) == ~0ull);                          // orr x2, x0, x1, asr #63
    CHECK(run2(f, 0xaa81fc02, 0x10, 0x7fff'ffff'ffff'ffff) == 0x10);               // orr x2, x0, x1, asr #63
    CHECK(run2(f, 0xaae12002, 0, 0xff) == 0x00ff'ffff'ffff'ffff);                  // orn x2, x0, x1, ror #8
    CHECK(run2(f, 0xcac1fc02, 0xf, 0x8000'0000'0000'0001) == 0xc);                 // eor x2, x0, x1, ror #63
    CHECK(run2(f, 0x4a217c02, 0xffff'ffff'ffff'ffff, 0xffff'ffff'0000'0001) ==     // eon w2, w0, w1, lsl #31
          0x8000'0000);
    CHECK(run2(f, 0x2ac11002, 0xffff'ffff'0000'0000, 0xabcd'ef00'0000'000f) ==     // orr w2, w0, w1, ror #4
          0xf000'0000);

    // ANDS/BICS set N and Z from the result and clear C and V.
    f.cpu.regs.nzcv = kAllFlags;
    CHECK(run2(f, 0xea010002, 0xf0, 0x0f) == 0);  // ands x2, x0, x1
    CHECK(f.nzcv() == kFlagZ);
    f.cpu.regs.nzcv = kFlagC | kFlagV;
    CHECK(run2(f, 0x6a817c02, 0x0000'0000'8000'0001, 0xffff'ffff'8000'0000) == 0x8000'0001);  // ands w, asr #31
    CHECK(f.nzcv() == kFlagN);
    f.cpu.regs.nzcv = kFlagN;
    CHECK(run2(f, 0x6a817c02, kInt64Min | 1, 0x4000'0000) == 0);  // 32-bit: X bit 63 is not N
    CHECK(f.nzcv() == kFlagZ);
    CHECK(run2(f, 0xeae10002, 0x1234, 0x1234) == 0);  // bics x2, x0, x1, ror #0
    CHECK(f.nzcv() == kFlagZ);
    CHECK(run2(f, 0xeae10002, kInt64Min | 1, 1) == kInt64Min);
    CHECK(f.nzcv() == kFlagN);

    // TST writes XZR: no register changes, SP included.
    f.cpu.regs.sp() = 0x5000;
    CHECK(run2(f, 0xea01001f, 0, 0) == 0xdead'beef'dead'beef);  // tst x0, x1
    CHECK(f.nzcv() == kFlagZ);
    CHECK(f.cpu.regs.sp() == 0x5000);
    // MOV (ORR with XZR) and MVN read register 31 as zero, not SP.
    f.x(1) = 0x77;
    f.run({0xaa0103e2});  // mov x2, x1
    CHECK(f.x(2) == 0x77);
    f.run({0x2a2103e2});  // mvn w2, w1
    CHECK(f.x(2) == 0xffff'ff88);
}

TEST_CASE("ADD/SUB (shifted register): shifts by 0 and 63, flags, register 31 is XZR") {
    CpuFixture f;
    CHECK(run2(f, 0x8b01fc02, 1, 1) == 0x8000'0000'0000'0001);              // add x2, x0, x1, lsl #63
    CHECK(run2(f, 0x8b81fc02, 5, kInt64Min) == 4);                          // add x2, x0, x1, asr #63
    CHECK(run2(f, 0x0b417c02, 0xffff'ffff'ffff'ffff, 0x8000'0000) == 0);    // add w2, w0, w1, lsr #31
    CHECK(run2(f, 0xcb011002, 0x100, 1) == 0xf0);                           // sub x2, x0, x1, lsl #4

    constexpr std::uint32_t adds_x = 0xab010002, adds_w = 0x2b010002, subs_x = 0xeb010002, subs_w = 0x6b010002;
    CHECK(run2(f, adds_x, 0x7fff'ffff'ffff'ffff, 1) == kInt64Min);
    CHECK(f.nzcv() == (kFlagN | kFlagV));
    CHECK(run2(f, adds_x, ~0ull, 1) == 0);
    CHECK(f.nzcv() == (kFlagZ | kFlagC));
    CHECK(run2(f, adds_x, kInt64Min, kInt64Min) == 0);
    CHECK(f.nzcv() == (kFlagZ | kFlagC | kFlagV));
    CHECK(run2(f, adds_w, 0xffff'ffff'7fff'ffff, 0xffff'ffff'0000'0001) == 0x8000'0000);
    CHECK(f.nzcv() == (kFlagN | kFlagV));
    CHECK(run2(f, adds_w, 0xffff'ffff, 1) == 0);
    CHECK(f.nzcv() == (kFlagZ | kFlagC));

    CHECK(run2(f, subs_x, 0, 1) == ~0ull);  // borrow: C clear
    CHECK(f.nzcv() == kFlagN);
    CHECK(run2(f, subs_x, 5, 5) == 0);  // no borrow: C set
    CHECK(f.nzcv() == (kFlagZ | kFlagC));
    CHECK(run2(f, subs_x, kInt64Min, 1) == 0x7fff'ffff'ffff'ffff);
    CHECK(f.nzcv() == (kFlagC | kFlagV));
    CHECK(run2(f, subs_w, 0x8000'0000, 1) == 0x7fff'ffff);
    CHECK(f.nzcv() == (kFlagC | kFlagV));

    // CMP writes XZR, not SP; NEG reads XZR, not SP.
    f.cpu.regs.sp() = 0x5000;
    CHECK(run2(f, 0xeb81041f, static_cast<std::uint64_t>(-2), static_cast<std::uint64_t>(-4)) ==  // cmp x0, x1, asr #1
          0xdead'beef'dead'beef);
    CHECK(f.nzcv() == (kFlagZ | kFlagC));
    CHECK(f.cpu.regs.sp() == 0x5000);
    f.x(1) = 3;
    f.run({0xcb0103e2});  // neg x2, x1
    CHECK(f.x(2) == static_cast<std::uint64_t>(-3));
}

TEST_CASE("ADD/SUB (extended register): every extend, shifts 0..4, SP operands") {
    CpuFixture f;
    auto sp = [&]() -> std::uint64_t& { return f.cpu.regs.sp(); };

    sp() = 0x1000;
    f.x(1) = 0xffff'ff05;
    f.run({0x8b210bff});  // add sp, sp, w1, uxtb #2
    CHECK(sp() == 0x1014);

    sp() = 0x1000;
    f.x(1) = ~0ull;
    f.run({0x8b21f3e2});  // add x2, sp, x1, sxtx #4
    CHECK(f.x(2) == 0xff0);

    CHECK(run2(f, 0x8b218002, 0, 0x80) == 0xffff'ffff'ffff'ff80);                   // add x2, x0, w1, sxtb
    CHECK(run2(f, 0x8b218002, 0, 0x7f) == 0x7f);                                     // add x2, x0, w1, sxtb
    CHECK(run2(f, 0x8b21a402, 0x1'0000, 0x1234'8000) == 0);                          // add x2, x0, w1, sxth #1
    CHECK(run2(f, 0x8b21cc02, 0, 0xffff'ffff'8000'0000) == 0xffff'fffc'0000'0000);   // add x2, x0, w1, sxtw #3
    CHECK(run2(f, 0x8b212002, 1, 0xffff'ffff'ffff'8001) == 0x8002);                  // add x2, x0, w1, uxth
    CHECK(run2(f, 0x8b215002, 0, 0xffff'ffff'8000'0000) == 0x8'0000'0000);           // add x2, x0, w1, uxtw #4
    CHECK(run2(f, 0x8b216002, 1, ~0ull) == 0);                                       // add x2, x0, x1, uxtx
    CHECK(run2(f, 0x0b219002, 0xffff'ffff'0000'0800, 0x80) == 0);                    // add w2, w0, w1, sxtb #4
    CHECK(run2(f, 0x0b219002, 0, 0x80) == 0xffff'f800);                              // add w2, w0, w1, sxtb #4

    // The flag-setting forms read SP as Rn but write XZR as Rd (CMN/CMP).
    sp() = ~0ull;
    f.x(1) = 0xffff'ffff'0000'0001;
    f.run({0xab2143e2});  // adds x2, sp, w1, uxtw
    CHECK(f.x(2) == 0);
    CHECK(f.nzcv() == (kFlagZ | kFlagC));
    sp() = 5;
    f.x(1) = 1;
    f.run({0xab2143ff});  // cmn sp, w1, uxtw
    CHECK(f.nzcv() == 0);
    CHECK(sp() == 5);
    sp() = 7;
    f.x(1) = 7;
    f.run({0xeb2163ff});  // cmp sp, x1
    CHECK(f.nzcv() == (kFlagZ | kFlagC));
    CHECK(sp() == 7);

    // Rd is SP in the non-flag-setting forms.
    f.x(0) = 0x100;
    f.x(1) = 0x10;
    f.run({0xcb21641f});  // sub sp, x0, x1, lsl #1 (uxtx #1)
    CHECK(sp() == 0xe0);

    sp() = 0;
    f.x(1) = 0xffff'ffff;
    f.cpu.regs.nzcv = kAllFlags;
    f.run({0xeb21cbe2});  // subs x2, sp, w1, sxtw #2: 0 - (-4)
    CHECK(f.x(2) == 4);
    CHECK(f.nzcv() == 0);  // a borrow (C clear), no overflow

    CHECK(run2(f, 0x6b210002, 0xffff'ffff'0000'0100, 0x1ff) == 1);  // subs w2, w0, w1, uxtb
    CHECK(f.nzcv() == kFlagC);

    // SUB reads SP as Rn as well.
    sp() = 0x2000;
    f.x(1) = 0x10;
    f.run({0xcb2163e2});  // sub x2, sp, x1
    CHECK(f.x(2) == 0x1ff0);
}

TEST_CASE("ADC/ADCS/SBC/SBCS use the carry flag and set carry and overflow") {
    CpuFixture f;
    constexpr std::uint32_t adc_x = 0x9a010002, adcs_x = 0xba010002, adcs_w = 0x3a010002, adc_w = 0x1a010002;
    constexpr std::uint32_t sbc_x = 0xda010002, sbcs_x = 0xfa010002, sbcs_w = 0x7a010002, sbc_w = 0x5a010002;

    f.cpu.regs.nzcv = kFlagC;
    CHECK(run2(f, adc_x, 1, 2) == 4);
    CHECK(f.nzcv() == kFlagC);  // ADC leaves the flags alone
    f.cpu.regs.nzcv = kFlagN | kFlagZ | kFlagV;
    CHECK(run2(f, adc_x, 1, 2) == 3);
    f.cpu.regs.nzcv = kFlagC;
    CHECK(run2(f, adc_w, 0xaaaa'aaaa'ffff'ffff, 0) == 0);

    f.cpu.regs.nzcv = kFlagC;
    CHECK(run2(f, adcs_x, ~0ull, 0) == 0);  // the carry in carries out
    CHECK(f.nzcv() == (kFlagZ | kFlagC));
    f.cpu.regs.nzcv = kFlagC;
    CHECK(run2(f, adcs_x, 0x7fff'ffff'ffff'ffff, 0) == kInt64Min);  // the carry in overflows
    CHECK(f.nzcv() == (kFlagN | kFlagV));
    f.cpu.regs.nzcv = kFlagC;
    CHECK(run2(f, adcs_x, ~0ull, ~0ull) == ~0ull);
    CHECK(f.nzcv() == (kFlagN | kFlagC));
    f.cpu.regs.nzcv = 0;
    CHECK(run2(f, adcs_x, ~0ull, 0) == ~0ull);
    CHECK(f.nzcv() == kFlagN);
    f.cpu.regs.nzcv = kFlagC;
    CHECK(run2(f, adcs_w, 0xaaaa'aaaa'ffff'ffff, 0) == 0);
    CHECK(f.nzcv() == (kFlagZ | kFlagC));
    f.cpu.regs.nzcv = 0;
    CHECK(run2(f, adcs_w, 0x7fff'ffff, 0x7fff'ffff) == 0xffff'fffe);
    CHECK(f.nzcv() == (kFlagN | kFlagV));

    // SBC is Rn - Rm - NOT(C): with C set it is a plain subtraction.
    f.cpu.regs.nzcv = kFlagC;
    CHECK(run2(f, sbc_x, 5, 3) == 2);
    f.cpu.regs.nzcv = 0;
    CHECK(run2(f, sbc_x, 5, 3) == 1);
    f.cpu.regs.nzcv = 0;
    CHECK(run2(f, sbc_w, 0xaaaa'aaaa'0000'0000, 0) == 0xffff'ffff);

    f.cpu.regs.nzcv = 0;
    CHECK(run2(f, sbcs_x, 0, 0) == ~0ull);  // 0 - 0 - 1 borrows
    CHECK(f.nzcv() == kFlagN);
    f.cpu.regs.nzcv = kFlagC;
    CHECK(run2(f, sbcs_x, 0, 0) == 0);
    CHECK(f.nzcv() == (kFlagZ | kFlagC));
    f.cpu.regs.nzcv = kFlagC;
    CHECK(run2(f, sbcs_x, kInt64Min, 1) == 0x7fff'ffff'ffff'ffff);
    CHECK(f.nzcv() == (kFlagC | kFlagV));
    f.cpu.regs.nzcv = 0;
    CHECK(run2(f, sbcs_x, kInt64Min, 0) == 0x7fff'ffff'ffff'ffff);  // the borrow in overflows
    CHECK(f.nzcv() == (kFlagC | kFlagV));
    f.cpu.regs.nzcv = 0;
    CHECK(run2(f, sbcs_w, 0xaaaa'aaaa'0000'0000, 0) == 0xffff'ffff);
    CHECK(f.nzcv() == kFlagN);
    f.cpu.regs.nzcv = kFlagC;
    CHECK(run2(f, sbcs_w, 0x8000'0000, 1) == 0x7fff'ffff);
    CHECK(f.nzcv() == (kFlagC | kFlagV));
}

TEST_CASE("CCMP/CCMN compare when the condition holds, else set the immediate nzcv") {
    CpuFixture f;
    auto ccmp = [&](std::uint32_t word, std::uint32_t nzcv_before, std::uint64_t n, std::uint64_t m = 0) {
        f.cpu.regs.nzcv = nzcv_before;
        run2(f, word, n, m);
        return f.nzcv();
    };
    constexpr std::uint32_t ccmp_reg_eq = 0xfa410005;  // ccmp x0, x1, #5, eq
    CHECK(ccmp(ccmp_reg_eq, kFlagZ, 3, 3) == (kFlagZ | kFlagC));
    CHECK(ccmp(ccmp_reg_eq, kFlagZ, 3, 4) == kFlagN);
    CHECK(ccmp(ccmp_reg_eq, 0, 3, 3) == (kFlagZ | kFlagV));  // EQ fails: #5 = 0b0101

    constexpr std::uint32_t ccmp_imm_ne = 0xfa43180a;  // ccmp x0, #3, #10, ne
    CHECK(ccmp(ccmp_imm_ne, 0, 3) == (kFlagZ | kFlagC));
    CHECK(ccmp(ccmp_imm_ne, 0, 2) == kFlagN);
    CHECK(ccmp(ccmp_imm_ne, kFlagZ, 3) == (kFlagN | kFlagC));  // NE fails: #10 = 0b1010

    constexpr std::uint32_t ccmn_reg_ge = 0xba41a000;  // ccmn x0, x1, #0, ge
    CHECK(ccmp(ccmn_reg_ge, 0, ~0ull, 1) == (kFlagZ | kFlagC));
    CHECK(ccmp(ccmn_reg_ge, kFlagN | kFlagV, 0x7fff'ffff'ffff'ffff, 1) == (kFlagN | kFlagV));
    CHECK(ccmp(ccmn_reg_ge, kFlagN, 1, 1) == 0);  // GE fails: #0

    // 32-bit forms compare W registers only.
    CHECK(ccmp(0x3a5fe80f, 0, 0xffff'ffff'7fff'ffe1) == (kFlagN | kFlagV));  // ccmn w0, #31, #15, al
    CHECK(ccmp(0x7a41f002, 0, 0xffff'ffff'0000'0001, 2) == kFlagN);         // ccmp w0, w1, #2, nv (always)
    CHECK(ccmp(0x7a408803, kFlagZ | kFlagC, 5) == (kFlagC | kFlagV));       // ccmp w0, #0, #3, hi: fails
    CHECK(ccmp(0x7a408803, kFlagC, 0xffff'ffff'0000'0000) == (kFlagZ | kFlagC));  // holds: W0 - 0 = 0
}

TEST_CASE("CSEL/CSINC/CSINV/CSNEG and their aliases") {
    CpuFixture f;
    auto sel = [&](std::uint32_t word, std::uint32_t nzcv, std::uint64_t n, std::uint64_t m) {
        f.cpu.regs.nzcv = nzcv;
        return run2(f, word, n, m);
    };
    CHECK(sel(0x9a810002, kFlagZ, 10, 20) == 10);  // csel x2, x0, x1, eq
    CHECK(sel(0x9a810002, 0, 10, 20) == 20);
    CHECK(sel(0x9a811402, 0, 10, 20) == 10);  // csinc x2, x0, x1, ne
    CHECK(sel(0x9a811402, kFlagZ, 10, 20) == 21);
    CHECK(sel(0x9a811402, kFlagZ, 10, ~0ull) == 0);
    CHECK(sel(0xda81b002, kFlagN, 10, 20) == 10);  // csinv x2, x0, x1, lt
    CHECK(sel(0xda81b002, kFlagN | kFlagV, 10, 20) == ~20ull);
    CHECK(sel(0xda81c402, 0, 10, 20) == 10);  // csneg x2, x0, x1, gt
    CHECK(sel(0xda81c402, kFlagZ, 10, 20) == static_cast<std::uint64_t>(-20));
    CHECK(sel(0xda81c402, kFlagZ, 10, kInt64Min) == kInt64Min);

    // 32-bit forms with the condition false: the W result, top half zero.
    CHECK(sel(0x1a810002, 0, 1, 0xaaaa'aaaa'1234'5678) == 0x1234'5678);  // csel w2, w0, w1, eq
    CHECK(sel(0x1a810002, kFlagZ, 0xaaaa'aaaa'1234'5678, 0) == 0x1234'5678);
    CHECK(sel(0x1a810402, 0, 1, 0x0000'0000'ffff'ffff) == 0);            // csinc w2, w0, w1, eq
    CHECK(sel(0x5a810002, 0, 1, 0xffff'ffff'0000'0000) == 0xffff'ffff);  // csinv w2, w0, w1, eq
    CHECK(sel(0x5a810402, 0, 1, 1) == 0xffff'ffff);                      // csneg w2, w0, w1, eq

    CHECK(sel(0x9a9f37e2, kFlagC, 0, 0) == 1);           // cset x2, hs
    CHECK(sel(0x9a9f37e2, 0, 0, 0) == 0);
    CHECK(sel(0x5a9f23e2, 0, 0, 0) == 0xffff'ffff);      // csetm w2, lo
    CHECK(sel(0x5a9f23e2, kFlagC, 0, 0) == 0);
    CHECK(sel(0xda805402, kFlagN, 5, 0) == static_cast<std::uint64_t>(-5));  // cneg x2, x0, mi
    CHECK(sel(0xda805402, 0, 5, 0) == 5);
}

TEST_CASE("MADD/MSUB, the long forms and the high halves") {
    CpuFixture f;
    auto mul = [&](std::uint32_t word, std::uint64_t n, std::uint64_t m, std::uint64_t a) {
        f.x(0) = n;
        f.x(1) = m;
        f.x(2) = a;
        f.x(3) = 0xdead'beef'dead'beef;
        f.run({word});
        return f.x(3);
    };
    CHECK(mul(0x9b010803, 3, 4, 5) == 17);                                  // madd x3, x0, x1, x2
    CHECK(mul(0x9b010803, 1ull << 32, 1ull << 32, 7) == 7);                 // the product wraps
    CHECK(mul(0x9b018803, 3, 4, 5) == static_cast<std::uint64_t>(-7));      // msub x3, x0, x1, x2
    CHECK(mul(0x1b010803, 0xffff'ffff'0001'0000, 0x1'0001'0000, 1) == 1);   // madd w3, w0, w1, w2
    CHECK(mul(0x1b018803, 2, 3, 0xffff'ffff'0000'0000) == 0xffff'fffa);     // msub w3, w0, w1, w2

    f.cpu.regs.sp() = 0x5000;  // MUL's Ra is XZR, never SP
    CHECK(mul(0x9b017c03, 6, 7, 100) == 42);  // mul x3, x0, x1

    CHECK(mul(0x9b210803, 0xaaaa'aaaa'ffff'fffe, 3, 10) == 4);                   // smaddl: -2 * 3 + 10
    CHECK(mul(0x9b218803, 0x8000'0000, 0x8000'0000, 0) == 0xc000'0000'0000'0000);  // smsubl: 0 - 2^62
    CHECK(mul(0x9ba10803, 0xffff'ffff, 0xaaaa'aaaa'ffff'ffff, 1) == 0xffff'fffe'0000'0002);  // umaddl
    CHECK(mul(0x9ba18803, 2, 3, 0) == static_cast<std::uint64_t>(-6));           // umsubl
    CHECK(mul(0x9b217c03, 0xffff'ffff, 0xffff'ffff, 99) == 1);                   // smull: -1 * -1
    CHECK(mul(0x9ba17c03, 0xffff'ffff, 2, 99) == 0x1'ffff'fffe);                 // umull

    CHECK(mul(0x9b417c03, ~0ull, 1, 0) == ~0ull);                    // smulh: -1 * 1 = -1
    CHECK(mul(0x9b417c03, kInt64Min, kInt64Min, 0) == 0x4000'0000'0000'0000);  // 2^126
    CHECK(mul(0x9b417c03, kInt64Min, 0x7fff'ffff'ffff'ffff, 0) == 0xc000'0000'0000'0000);
    CHECK(mul(0x9bc17c03, ~0ull, ~0ull, 0) == 0xffff'ffff'ffff'fffe);  // umulh: (2^64-1)^2
    CHECK(mul(0x9bc17c03, 1ull << 32, 1ull << 32, 0) == 1);
    CHECK(mul(0x9bc17c03, ~0ull, 1, 0) == 0);
}

TEST_CASE("reserved encodings of the class are UNDEFINED") {
    CpuFixture f;
    for (std::uint32_t word : {
             0x1ac14c02u,  // CRC32X with sf = 0
             0x9ac14002u,  // CRC32B with sf = 1
             0x8bc10002u,  // ADD (shifted register) with shift type ROR
             0x8b211402u,  // ADD (extended register) with a left shift of 5
             0x0a018002u,  // AND (shifted register), 32-bit, shift amount 32
         }) {
        CAPTURE(word);
        const RunResult r = f.run({word});
        CHECK(r.retired == 0);
        CHECK(r.exit.reason == ExitReason::Exception);
        CHECK(r.exit.ec() == ExceptionClass::Unknown);
    }
}
