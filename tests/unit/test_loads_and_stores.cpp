// Loads and stores: every addressing mode and size, sign extension, writeback, pairs,
// literals, unaligned and page-crossing accesses, faults and self-modifying code.
#include <doctest/doctest.h>

#include <cstring>

#include "emulator/exception_class.h"
#include "emulator/semantics.h"
#include "support/cpu_fixture.h"

using namespace trapeze;
using namespace trapeze::test;

namespace {

constexpr std::uint64_t D = kDataBase;

// Runs `count` instructions from `pc` without rewriting the code (the decoded pages stay).
RunResult run_from(CpuFixture& f, std::uint64_t pc, std::uint64_t count) {
    f.cpu.regs.pc = pc;
    return f.cpu.run(count);
}

void set_all(CpuFixture& f, std::uint64_t value, unsigned first, unsigned last) {
    for (unsigned r = first; r <= last; ++r) f.x(r) = value;
}

}  // namespace

TEST_CASE("every row of loads_and_stores.inc has semantics") {
    // The rows of one .inc file are consecutive in the Op enum: STXR is its first, PRFM_imm its last.
    const EncodingTable table = encoding_table();
    unsigned rows = 0;
    for (std::size_t r = 0; r < table.size; ++r) {
        const Op op = table.rows[r].op;
        if (op < Op::STXR || op > Op::PRFM_imm) continue;
        CAPTURE(op_name(op));
        const bool has_semantics = semantics_table().prepare[static_cast<std::size_t>(op)] != nullptr;
        CHECK(has_semantics);
        ++rows;
    }
    CHECK(rows == 64);
}

TEST_CASE("LDR/STR (unsigned immediate): every size, offset scaled by the size") {
    CpuFixture f;
    for (unsigned i = 0; i < 32; ++i) f.put<std::uint8_t>(D + i, i < 16 ? static_cast<std::uint8_t>(0x81 + i) : 0);
    f.put<std::uint64_t>(D + 32760, 0x0123'4567'89ab'cdef);
    f.x(1) = D;
    set_all(f, ~0ull, 2, 5);
    f.x(6) = 0x1122'3344'5566'7788;
    const RunResult r = f.run({0x39400422,    // ldrb w2, [x1, #1]
                               0x79400423,    // ldrh w3, [x1, #2]
                               0xb9400424,    // ldr w4, [x1, #4]
                               0xf9400425,    // ldr x5, [x1, #8]
                               0x39004026,    // strb w6, [x1, #16]
                               0x79002426,    // strh w6, [x1, #18]
                               0xb9001426,    // str w6, [x1, #20]
                               0xf9000c26,    // str x6, [x1, #24]
                               0xf97ffc27});  // ldr x7, [x1, #32760]  (imm12 = 4095, scaled by 8)
    CHECK(r.exit.reason == ExitReason::InstructionLimit);
    CHECK(r.retired == 9);
    CHECK(f.x(2) == 0x82);  // loads into W registers zero the upper half
    CHECK(f.x(3) == 0x8483);
    CHECK(f.x(4) == 0x8887'8685);
    CHECK(f.x(5) == 0x908f'8e8d'8c8b'8a89);
    CHECK(f.get<std::uint64_t>(D + 16) == 0x5566'7788'7788'0088);  // byte 17 untouched
    CHECK(f.get<std::uint64_t>(D + 24) == 0x1122'3344'5566'7788);
    CHECK(f.x(7) == 0x0123'4567'89ab'cdef);
    CHECK(f.x(1) == D);  // no writeback
}

TEST_CASE("LDRSB/LDRSH/LDRSW sign-extend to X, or to W with the upper half zeroed") {
    CpuFixture f;
    f.put<std::uint8_t>(D + 0, 0x80);
    f.put<std::uint16_t>(D + 2, 0x8001);
    f.put<std::uint32_t>(D + 4, 0x8000'0000);
    f.put<std::uint8_t>(D + 8, 0x7f);
    f.put<std::uint32_t>(D + 12, 0x7fff'ffff);
    f.x(1) = D;
    set_all(f, ~0ull, 2, 8);
    f.run({0x39800022,    // ldrsb x2, [x1]
           0x39c00023,    // ldrsb w3, [x1]
           0x79800424,    // ldrsh x4, [x1, #2]
           0x79c00425,    // ldrsh w5, [x1, #2]
           0xb9800426,    // ldrsw x6, [x1, #4]
           0x39802027,    // ldrsb x7, [x1, #8]
           0xb9800c28});  // ldrsw x8, [x1, #12]
    CHECK(f.x(2) == 0xffff'ffff'ffff'ff80);
    CHECK(f.x(3) == 0x0000'0000'ffff'ff80);
    CHECK(f.x(4) == 0xffff'ffff'ffff'8001);
    CHECK(f.x(5) == 0x0000'0000'ffff'8001);
    CHECK(f.x(6) == 0xffff'ffff'8000'0000);
    CHECK(f.x(7) == 0x7f);
    CHECK(f.x(8) == 0x7fff'ffff);
}

TEST_CASE("LDUR/STUR and the signed forms: unscaled, unaligned, negative offsets") {
    CpuFixture f;
    const std::uint64_t base = D + 0x100;
    f.put<std::uint64_t>(base - 3, 0x0102'0304'0506'0708);
    f.put<std::uint16_t>(base + 255, 0xbeef);
    f.put<std::uint8_t>(base - 256, 0x90);
    f.put<std::uint16_t>(base + 17, 0x8765);
    f.put<std::uint32_t>(base + 33, 0xfedc'ba98);
    f.x(1) = base;
    set_all(f, ~0ull, 2, 7);
    f.x(8) = 0xa1a2'a3a4'a5a6'a7a8;
    std::uint32_t words[] = {0xf85fd022,   // ldur x2, [x1, #-3]
                             0x784ff023,   // ldurh w3, [x1, #255]
                             0x38d00024,   // ldursb w4, [x1, #-256]
                             0x78811025,   // ldursh x5, [x1, #17]
                             0xb8821026,   // ldursw x6, [x1, #33]
                             0x385ff027,   // ldurb w7, [x1, #-1]
                             0x381c0028,   // sturb w8, [x1, #-64]
                             0x781c3028,   // sturh w8, [x1, #-61]
                             0xb81c5028,   // stur w8, [x1, #-59]
                             0xf81c9028};  // stur x8, [x1, #-55]
    f.memory.write(kCodeBase, words, sizeof(words));
    f.cpu.invalidate_code(kCodeBase, sizeof(words));
    const RunResult r = run_from(f, kCodeBase, std::size(words));
    CHECK(r.retired == std::size(words));
    CHECK(f.x(2) == 0x0102'0304'0506'0708);
    CHECK(f.x(3) == 0xbeef);
    CHECK(f.x(4) == 0xffff'ff90);
    CHECK(f.x(5) == 0xffff'ffff'ffff'8765);
    CHECK(f.x(6) == 0xffff'ffff'fedc'ba98);
    CHECK(f.x(7) == 0x06);  // byte 2 of the doubleword at base - 3
    CHECK(f.get<std::uint8_t>(base - 64) == 0xa8);
    CHECK(f.get<std::uint16_t>(base - 63) == 0);
    CHECK(f.get<std::uint16_t>(base - 61) == 0xa7a8);
    CHECK(f.get<std::uint32_t>(base - 59) == 0xa5a6'a7a8);
    CHECK(f.get<std::uint64_t>(base - 55) == 0xa1a2'a3a4'a5a6'a7a8);
    CHECK(f.x(1) == base);
}

TEST_CASE("LDTR/STTR family: unprivileged accesses behave as plain ones at EL0") {
    CpuFixture f;
    const std::uint64_t base = D + 0x10;
    f.put<std::uint16_t>(base, 0x1234);
    f.put<std::uint16_t>(base + 2, 0x8000);
    f.put<std::uint64_t>(base + 8, 0x1122'3344'5566'7788);
    f.put<std::uint8_t>(base - 1, 0xab);
    f.x(1) = base;
    set_all(f, ~0ull, 2, 6);
    f.x(7) = 0x1234'5678'cafe'f00d;
    f.x(10) = ~0ull;
    f.run({0xf8408822,    // ldtr x2, [x1, #8]
           0x385ff823,    // ldtrb w3, [x1, #-1]
           0x78802824,    // ldtrsh x4, [x1, #2]
           0x78c02825,    // ldtrsh w5, [x1, #2]
           0xb8800826,    // ldtrsw x6, [x1]
           0x38c0082a,    // ldtrsb w10, [x1]
           0xb8004827,    // sttr w7, [x1, #4]
           0x381fe827,    // sttrb w7, [x1, #-2]
           0x78006827,    // sttrh w7, [x1, #6]
           0x78406828,    // ldtrh w8, [x1, #6]
           0xb8404829});  // ldtr w9, [x1, #4]
    CHECK(f.x(2) == 0x1122'3344'5566'7788);
    CHECK(f.x(3) == 0xab);
    CHECK(f.x(4) == 0xffff'ffff'ffff'8000);
    CHECK(f.x(5) == 0x0000'0000'ffff'8000);
    CHECK(f.x(6) == 0xffff'ffff'8000'1234);
    CHECK(f.x(10) == 0x34);
    CHECK(f.get<std::uint8_t>(base - 2) == 0x0d);
    CHECK(f.x(8) == 0xf00d);
    CHECK(f.x(9) == 0xf00d'f00d);  // STTRH overwrote the top half of the STTR word
}

TEST_CASE("pre-index writes back the address, post-index the base plus the offset") {
    CpuFixture f;
    f.put<std::uint64_t>(D + 0x08, 0x0808'0808'0808'0808);
    f.put<std::uint64_t>(D + 0x20, 0x2020'2020'2020'2020);
    f.put<std::uint8_t>(D + 0x30, 0xff);
    f.put<std::uint16_t>(D + 0x50, 0x8001);
    f.put<std::uint8_t>(D + 0x170, 0x70);
    f.put<std::uint32_t>(D + 0x84, 0x8000'0000);
    f.x(1) = D;
    f.x(4) = D + 0x20;
    f.cpu.regs.sp() = D + 0x100;
    f.x(5) = 0xdead'beef'5555'5555;
    f.x(7) = D + 0x30;
    f.x(8) = 0x1234'abcd;
    f.x(9) = D + 0x40;
    f.x(10) = ~0ull;
    f.x(11) = D + 0x52;
    f.x(12) = 0x3c;
    f.x(13) = D + 0x60;
    f.x(15) = D + 0x170;
    f.x(17) = D + 0x80;
    f.x(18) = 0x1818'1818'1818'1818;
    f.x(19) = D + 0x90;
    const RunResult r = f.run({0xf8408c22,    // ldr x2, [x1, #8]!
                               0xf85f0483,    // ldr x3, [x4], #-16
                               0xb81f0fe5,    // str w5, [sp, #-16]!
                               0x388014e6,    // ldrsb x6, [x7], #1
                               0x78002528,    // strh w8, [x9], #2
                               0x78dfed6a,    // ldrsh w10, [x11, #-2]!
                               0x380ffdac,    // strb w12, [x13, #255]!
                               0x385005ee,    // ldrb w14, [x15], #-256
                               0xb8804e30,    // ldrsw x16, [x17, #4]!
                               0xf8008672});  // str x18, [x19], #8
    CHECK(r.retired == 10);
    CHECK(f.x(2) == 0x0808'0808'0808'0808);
    CHECK(f.x(1) == D + 0x08);
    CHECK(f.x(3) == 0x2020'2020'2020'2020);
    CHECK(f.x(4) == D + 0x10);
    CHECK(f.get<std::uint32_t>(D + 0xf0) == 0x5555'5555);
    CHECK(f.cpu.regs.sp() == D + 0xf0);
    CHECK(f.x(6) == ~0ull);
    CHECK(f.x(7) == D + 0x31);
    CHECK(f.get<std::uint16_t>(D + 0x40) == 0xabcd);
    CHECK(f.x(9) == D + 0x42);
    CHECK(f.x(10) == 0xffff'8001);
    CHECK(f.x(11) == D + 0x50);
    CHECK(f.get<std::uint8_t>(D + 0x15f) == 0x3c);
    CHECK(f.x(13) == D + 0x15f);
    CHECK(f.x(14) == 0x70);
    CHECK(f.x(15) == D + 0x70);
    CHECK(f.x(16) == 0xffff'ffff'8000'0000);
    CHECK(f.x(17) == D + 0x84);
    CHECK(f.get<std::uint64_t>(D + 0x90) == 0x1818'1818'1818'1818);
    CHECK(f.x(19) == D + 0x98);
}

TEST_CASE("Rt = 31 is XZR, Rn = 31 is SP") {
    CpuFixture f;
    f.put<std::uint64_t>(D, ~0ull);
    f.put<std::uint64_t>(D + 0x108, 0x5151'5151'5151'5151);
    f.x(1) = D;
    f.cpu.regs.sp() = D + 0x100;
    f.run({0xf940003f,    // ldr xzr, [x1]  (the value is discarded; SP is not written)
           0xf900003f,    // str xzr, [x1]
           0xf94007e0});  // ldr x0, [sp, #8]
    CHECK(f.cpu.regs.sp() == D + 0x100);
    CHECK(f.get<std::uint64_t>(D) == 0);
    CHECK(f.x(0) == 0x5151'5151'5151'5151);
}

TEST_CASE("register offset: LSL, UXTW, SXTW, SXTX, scaled by the size when S = 1") {
    CpuFixture f;
    const std::uint64_t base = D + 0x100;
    f.put<std::uint64_t>(base + 0x10, 0x1010'1010'1010'1010);
    f.put<std::uint32_t>(base + 0x0c, 0x0c0c'0c0c);
    f.put<std::uint64_t>(base - 0x08, 0xf8f8'f8f8'f8f8'f8f8);
    f.put<std::uint8_t>(base - 0x11, 0xef);
    f.put<std::uint16_t>(base + 0x20, 0x2020);
    f.put<std::uint32_t>(base + 0x24, 0x8000'0024);
    f.put<std::uint8_t>(base - 0x20, 0xe0);
    f.put<std::uint16_t>(base - 0x10, 0xfff0);
    f.put<std::uint64_t>(base, 0x0101'0101'0101'0101);
    f.put<std::uint64_t>(base + 0x30, 0x3030'3030'3030'3030);
    f.x(1) = base;
    f.x(3) = 2;
    f.x(5) = 0xffff'ffff'0000'0003;  // UXTW ignores the upper half
    f.x(7) = 0x0000'0000'ffff'ffff;  // SXTW: W7 = -1
    f.x(9) = static_cast<std::uint64_t>(-0x11);
    f.x(11) = 0x10;
    f.x(13) = 0x24;
    f.x(15) = 0x1234'5678'ffff'ffe0;  // SXTW: W15 = -32
    f.x(17) = static_cast<std::uint64_t>(-8);
    f.x(27) = 0x30;
    f.cpu.regs.sp() = base;
    set_all(f, ~0ull, 20, 20);
    const RunResult r = f.run({0xf8637822,    // ldr x2, [x1, x3, lsl #3]
                               0xb8655824,    // ldr w4, [x1, w5, uxtw #2]
                               0xf867d826,    // ldr x6, [x1, w7, sxtw #3]
                               0x3869e828,    // ldrb w8, [x1, x9, sxtx]
                               0x786b782a,    // ldrh w10, [x1, x11, lsl #1]
                               0xb8ad682c,    // ldrsw x12, [x1, x13]
                               0x38efc82e,    // ldrsb w14, [x1, w15, sxtw]
                               0x78b1f830,    // ldrsh x16, [x1, x17, sxtx #1]
                               0xf87f6834,    // ldr x20, [x1, xzr]
                               0xf87b6bfa});  // ldr x26, [sp, x27]
    CHECK(r.retired == 10);
    CHECK(f.x(2) == 0x1010'1010'1010'1010);
    CHECK(f.x(4) == 0x0c0c'0c0c);
    CHECK(f.x(6) == 0xf8f8'f8f8'f8f8'f8f8);
    CHECK(f.x(8) == 0xef);
    CHECK(f.x(10) == 0x2020);
    CHECK(f.x(12) == 0xffff'ffff'8000'0024);
    CHECK(f.x(14) == 0xffff'ffe0);
    CHECK(f.x(16) == 0xffff'ffff'ffff'fff0);
    CHECK(f.x(20) == 0x0101'0101'0101'0101);
    CHECK(f.x(26) == 0x3030'3030'3030'3030);
}

TEST_CASE("register offset stores") {
    CpuFixture f;
    const std::uint64_t base = D + 0x100;
    f.x(1) = base;
    f.x(18) = 0xaaaa'aaaa'1212'1212;
    f.x(19) = 0x50;
    f.x(20) = 0x2020'2020'2020'2021;
    f.x(21) = 0x1'0000'0060;  // UXTW: 0x60
    f.x(22) = 0x2222'2222'2222'2223;
    f.x(23) = 0xffff'fffc;  // SXTW: -4
    f.x(24) = 0x2424'2424'2424'2424;
    f.x(25) = static_cast<std::uint64_t>(-4);
    f.run({0xb8337832,    // str w18, [x1, x19, lsl #2]
           0x38354834,    // strb w20, [x1, w21, uxtw]
           0x7837d836,    // strh w22, [x1, w23, sxtw #1]
           0xf839f838});  // str x24, [x1, x25, sxtx #3]
    CHECK(f.get<std::uint64_t>(base + 0x140) == 0x1212'1212);
    CHECK(f.get<std::uint16_t>(base + 0x60) == 0x21);
    CHECK(f.get<std::uint32_t>(base - 8) == 0x2223);
    CHECK(f.get<std::uint64_t>(base - 32) == 0x2424'2424'2424'2424);
}

TEST_CASE("LDR (literal) is relative to the instruction, forwards and backwards") {
    CpuFixture f;
    set_all(f, ~0ull, 0, 2);
    RunResult r = f.run({0x58000060,   // ldr x0, .+12
                         0x18000041,   // ldr w1, .+8
                         0x98000042,   // ldrsw x2, .+8
                         0x89abcdef,   // data
                         0x80000001},  // data
                        3);
    CHECK(r.retired == 3);
    CHECK(f.x(0) == 0x8000'0001'89ab'cdef);
    CHECK(f.x(1) == 0x89ab'cdef);
    CHECK(f.x(2) == 0xffff'ffff'8000'0001);

    const std::uint32_t words[] = {0x11223344, 0x85566778,
                                   0x58ffffc0,   // ldr x0, .-8
                                   0x18ffffe1,   // ldr w1, .-4  (reads the LDR above)
                                   0x98ffffa2};  // ldrsw x2, .-12
    f.memory.write(kCodeBase, words, sizeof(words));
    f.cpu.invalidate_code(kCodeBase, sizeof(words));
    r = run_from(f, kCodeBase + 8, 3);
    CHECK(r.retired == 3);
    CHECK(f.x(0) == 0x8556'6778'1122'3344);
    CHECK(f.x(1) == 0x58ff'ffc0);
    CHECK(f.x(2) == 0xffff'ffff'8556'6778);
}

TEST_CASE("PRFM and PRFUM are hints: no access, no fault") {
    CpuFixture f;
    f.x(1) = 0x10;  // not RAM
    f.x(2) = 5;
    const RunResult r = f.run({0xf9800020,    // prfm pldl1keep, [x1]
                               0xf89ff033,    // prfum pstl2strm, [x1, #-1]
                               0xf8a2782c,    // prfm plil3keep, [x1, x2, lsl #3]
                               0xd8000080,    // prfm pldl1keep, .+16
                               0xf9bffc20});  // prfm pldl1keep, [x1, #32760]
    CHECK(r.exit.reason == ExitReason::InstructionLimit);
    CHECK(r.retired == 5);
    CHECK(f.cpu.regs.pc == kCodeBase + 20);
}

TEST_CASE("STP/LDP: 64- and 32-bit, offset, pre- and post-index, imm7 scaled") {
    CpuFixture f;
    f.x(1) = D + 0x100;
    f.x(2) = 0x1111'1111'1111'1111;
    f.x(3) = 0x2222'2222'2222'2222;
    f.x(6) = 0xaaaa'aaaa'0102'0304;
    f.x(7) = 0xbbbb'bbbb'0506'0708;
    set_all(f, ~0ull, 8, 9);
    const RunResult r = f.run({0xa9010c22,    // stp x2, x3, [x1, #16]
                               0xa9411424,    // ldp x4, x5, [x1, #16]
                               0x29bf1c26,    // stp w6, w7, [x1, #-8]!
                               0x28ff2428});  // ldp w8, w9, [x1], #-8
    CHECK(r.retired == 4);
    CHECK(f.get<std::uint64_t>(D + 0x110) == 0x1111'1111'1111'1111);
    CHECK(f.get<std::uint64_t>(D + 0x118) == 0x2222'2222'2222'2222);
    CHECK(f.x(4) == 0x1111'1111'1111'1111);
    CHECK(f.x(5) == 0x2222'2222'2222'2222);
    CHECK(f.get<std::uint64_t>(D + 0xf8) == 0x0506'0708'0102'0304);
    CHECK(f.x(8) == 0x0102'0304);
    CHECK(f.x(9) == 0x0506'0708);
    CHECK(f.x(1) == D + 0xf0);
}

TEST_CASE("STP/LDP with SP: push and pop") {
    CpuFixture f;
    f.cpu.regs.sp() = D + 0x200;
    f.x(10) = 0xa0a0;
    f.x(11) = 0xb0b0;
    f.run({0xa9be2fea,    // stp x10, x11, [sp, #-32]!
           0xa8c237ec});  // ldp x12, x13, [sp], #32
    CHECK(f.get<std::uint64_t>(D + 0x1e0) == 0xa0a0);
    CHECK(f.get<std::uint64_t>(D + 0x1e8) == 0xb0b0);
    CHECK(f.x(12) == 0xa0a0);
    CHECK(f.x(13) == 0xb0b0);
    CHECK(f.cpu.regs.sp() == D + 0x200);
}

TEST_CASE("LDPSW sign-extends both words") {
    CpuFixture f;
    f.put<std::uint32_t>(D + 0, 0x8000'0000);
    f.put<std::uint32_t>(D + 4, 0x7fff'ffff);
    f.put<std::uint32_t>(D + 8, 0xffff'fffe);
    f.put<std::uint32_t>(D + 12, 0x0000'0001);
    f.x(1) = D;
    f.run({0x69403c2e,    // ldpsw x14, x15, [x1]
           0x69c14430,    // ldpsw x16, x17, [x1, #8]!
           0x68ff4c32});  // ldpsw x18, x19, [x1], #-8
    CHECK(f.x(14) == 0xffff'ffff'8000'0000);
    CHECK(f.x(15) == 0x7fff'ffff);
    CHECK(f.x(16) == 0xffff'ffff'ffff'fffe);
    CHECK(f.x(17) == 1);
    CHECK(f.x(18) == 0xffff'ffff'ffff'fffe);
    CHECK(f.x(19) == 1);
    CHECK(f.x(1) == D);
}

TEST_CASE("STNP/LDNP and the extreme pair offsets") {
    CpuFixture f;
    const std::uint64_t base = D + 0x400;
    f.x(1) = base;
    f.x(20) = 0x2020;
    f.x(21) = 0x2121;
    f.x(24) = 0xffff'ffff'0000'2424;
    f.x(25) = 0x2525;
    set_all(f, ~0ull, 26, 27);
    f.put<std::uint32_t>(base + 252, 0xfcfc);
    f.put<std::uint32_t>(base + 256, 0x1000);
    f.run({0xa81fd434,    // stnp x20, x21, [x1, #504]
           0xa85fdc36,    // ldnp x22, x23, [x1, #504]
           0x28206438,    // stnp w24, w25, [x1, #-256]
           0x28606c3a,    // ldnp w26, w27, [x1, #-256]
           0x295f8c22});  // ldp w2, w3, [x1, #252]
    CHECK(f.get<std::uint64_t>(base + 504) == 0x2020);
    CHECK(f.get<std::uint64_t>(base + 512) == 0x2121);
    CHECK(f.x(22) == 0x2020);
    CHECK(f.x(23) == 0x2121);
    CHECK(f.get<std::uint64_t>(base - 256) == 0x2525'0000'2424);
    CHECK(f.x(26) == 0x2424);
    CHECK(f.x(27) == 0x2525);
    CHECK(f.x(2) == 0xfcfc);
    CHECK(f.x(3) == 0x1000);

    f.x(2) = 7;
    f.x(3) = 8;
    f.run({0xa9200c22});  // stp x2, x3, [x1, #-512]
    CHECK(f.get<std::uint64_t>(base - 512) == 7);
    CHECK(f.get<std::uint64_t>(base - 504) == 8);
}

TEST_CASE("unaligned accesses that cross a page work on Normal memory") {
    CpuFixture f;
    const std::uint64_t page = D + kPageSize;
    for (unsigned i = 0; i < 8; ++i) f.put<std::uint8_t>(page - 3 + i, static_cast<std::uint8_t>(i + 1));
    f.x(1) = page - 3;
    f.run({0xf9400020});  // ldr x0, [x1]
    CHECK(f.x(0) == 0x0807'0605'0403'0201);

    f.x(0) = 0x1122'3344'5566'7788;
    f.x(1) = page + kPageSize - 5;
    f.run({0xf9000020});  // str x0, [x1]
    CHECK(f.get<std::uint64_t>(page + kPageSize - 5) == 0x1122'3344'5566'7788);

    f.put<std::uint64_t>(page - 12, 0xaaaa'aaaa'aaaa'aaaa);
    f.put<std::uint64_t>(page - 4, 0xbbbb'bbbb'bbbb'bbbb);
    f.x(1) = page - 12;
    f.run({0xa9400c22});  // ldp x2, x3, [x1]  (the second element crosses)
    CHECK(f.x(2) == 0xaaaa'aaaa'aaaa'aaaa);
    CHECK(f.x(3) == 0xbbbb'bbbb'bbbb'bbbb);
}

TEST_CASE("an access that crosses out of RAM faults and changes no register") {
    CpuFixture f;
    const std::uint64_t end = kRamBase + kRamSize;
    f.x(0) = 0x5a5a;
    f.x(1) = end - 4;
    const RunResult r = f.run({0xf8408c20});  // ldr x0, [x1, #8]! with x1 + 8 beyond the end
    CHECK(r.exit.reason == ExitReason::Exception);
    CHECK(r.exit.ec() == ExceptionClass::DataAbortLower);
    CHECK(r.exit.far == end + 4);
    CHECK(r.retired == 0);
    CHECK(f.x(0) == 0x5a5a);
    CHECK(f.x(1) == end - 4);

    f.x(1) = end - 4;
    const RunResult crossing = f.run({0xf9400020});  // ldr x0, [x1]: four bytes in RAM, four beyond
    CHECK(crossing.exit.ec() == ExceptionClass::DataAbortLower);
    CHECK(DataAbortIss::decode(crossing.exit.iss()).dfsc == kFscTranslationLevel0);
    CHECK(crossing.exit.far == end);  // the first byte that faulted
    CHECK(f.x(0) == 0x5a5a);
}

TEST_CASE("strict alignment: an unaligned access is an alignment fault that changes nothing") {
    CpuFixture f;
    f.cpu.set_strict_alignment(true);
    f.put<std::uint64_t>(D + 8, 0x0808);
    f.x(0) = 0x5555;
    f.x(1) = D + 4;
    RunResult r = f.run({0xf8408c20});  // ldr x0, [x1, #8]!  -> D + 12, not 8-aligned
    CHECK(r.exit.reason == ExitReason::Exception);
    CHECK(r.exit.ec() == ExceptionClass::DataAbortLower);
    DataAbortIss iss = DataAbortIss::decode(r.exit.iss());
    CHECK(iss.dfsc == kFscAlignment);
    CHECK_FALSE(iss.wnr);
    CHECK_FALSE(iss.isv);  // writeback: the manual gives no ISV
    CHECK(r.exit.far == D + 12);
    CHECK(r.exit.pc == kCodeBase);
    CHECK(r.exit.instruction == 0xf8408c20);
    CHECK(r.retired == 0);
    CHECK(f.x(0) == 0x5555);
    CHECK(f.x(1) == D + 4);

    // An alignment fault is a stage-1 fault: ESR_EL1 gets no instruction syndrome (ISV = 0),
    // even for a plain STR; only WnR and the DFSC.
    r = f.run({0xf9000020});  // str x0, [x1]
    CHECK(r.exit.esr == 0x9200'0061);  // EC 0x24, IL, WnR, DFSC 0x21
    CHECK(f.get<std::uint32_t>(D + 4) == 0);  // memory unchanged

    f.x(1) = D + 2;
    r = f.run({0x785ffc20});  // ldrh w0, [x1, #-1]!
    CHECK(DataAbortIss::decode(r.exit.iss()).dfsc == kFscAlignment);
    CHECK(r.exit.far == D + 1);
    CHECK(f.x(1) == D + 2);

    // A pair needs only its element size: words at 4, doublewords at 8.
    f.put<std::uint32_t>(D + 4, 4);
    f.x(1) = D + 4;
    r = f.run({0x29400c22});  // ldp w2, w3, [x1]
    CHECK(r.exit.reason == ExitReason::InstructionLimit);
    CHECK(f.x(2) == 4);
    CHECK(f.x(3) == 0x0808);
    f.x(1) = D + 8;
    r = f.run({0xa9400c22});  // ldp x2, x3, [x1]
    CHECK(r.exit.reason == ExitReason::InstructionLimit);
    CHECK(f.x(2) == 0x0808);
    f.x(1) = D + 4;
    f.x(2) = 0x22;
    r = f.run({0xa9ff0c22});  // ldp x2, x3, [x1, #-16]!
    CHECK(DataAbortIss::decode(r.exit.iss()).dfsc == kFscAlignment);
    CHECK(f.x(2) == 0x22);
    CHECK(f.x(1) == D + 4);
}

TEST_CASE("a store outside RAM is a data abort with the syndrome of its access") {
    CpuFixture f;
    constexpr std::uint64_t uart = 0x0900'0000;
    f.x(1) = 0x1111;
    f.x(2) = uart;
    f.x(3) = 0x3333;
    RunResult r = f.run({0xb9000041});  // str w1, [x2]
    CHECK(r.exit.reason == ExitReason::Exception);
    CHECK(r.exit.ec() == ExceptionClass::DataAbortLower);
    CHECK(r.exit.far == uart);
    CHECK(r.exit.pc == kCodeBase);
    DataAbortIss iss = DataAbortIss::decode(r.exit.iss());
    CHECK(iss.isv);
    CHECK(iss.sas == 2);
    CHECK_FALSE(iss.sse);
    CHECK(iss.srt == 1);
    CHECK_FALSE(iss.sf);
    CHECK_FALSE(iss.ar);
    CHECK(iss.wnr);
    CHECK(iss.dfsc == kFscTranslationLevel0);

    r = f.run({0x79800443});  // ldrsh x3, [x2, #2]
    iss = DataAbortIss::decode(r.exit.iss());
    CHECK(r.exit.far == uart + 2);
    CHECK(iss.isv);
    CHECK(iss.sas == 1);
    CHECK(iss.sse);
    CHECK(iss.srt == 3);
    CHECK(iss.sf);
    CHECK_FALSE(iss.wnr);
    CHECK(f.x(3) == 0x3333);

    r = f.run({0xb9800044});  // ldrsw x4, [x2]
    iss = DataAbortIss::decode(r.exit.iss());
    CHECK(iss.sas == 2);
    CHECK(iss.sse);
    CHECK(iss.sf);
    CHECK(iss.srt == 4);

    f.x(5) = 0x10;
    r = f.run({0xf8656843});  // ldr x3, [x2, x5]
    iss = DataAbortIss::decode(r.exit.iss());
    CHECK(r.exit.far == uart + 0x10);
    CHECK(iss.isv);
    CHECK(iss.sas == 3);
    CHECK(iss.sf);
    CHECK_FALSE(iss.sse);

    r = f.run({0x79000045});  // strh w5, [x2]
    iss = DataAbortIss::decode(r.exit.iss());
    CHECK(iss.sas == 1);
    CHECK_FALSE(iss.sf);
    CHECK(iss.srt == 5);
    CHECK(iss.wnr);

    r = f.run({0xf8008c41});  // str x1, [x2, #8]!
    iss = DataAbortIss::decode(r.exit.iss());
    CHECK(r.exit.far == uart + 8);
    CHECK_FALSE(iss.isv);
    CHECK(iss.wnr);
    CHECK(f.x(2) == uart);  // no writeback

    r = f.run({0xa9001043});  // stp x3, x4, [x2]
    iss = DataAbortIss::decode(r.exit.iss());
    CHECK(r.exit.ec() == ExceptionClass::DataAbortLower);
    CHECK_FALSE(iss.isv);
    CHECK(iss.wnr);
}

TEST_CASE("self-modifying code: a store over a decoded instruction runs the new one") {
    CpuFixture f;
    const std::uint32_t words[] = {0xb9000041,   // str w1, [x2]
                                   0xd2800020};  // movz x0, #1
    f.memory.write(kCodeBase, words, sizeof(words));
    f.cpu.invalidate_code(kCodeBase, sizeof(words));

    run_from(f, kCodeBase + 4, 1);  // decode and run the MOVZ
    CHECK(f.x(0) == 1);

    f.x(1) = 0xd2800540;  // movz x0, #42
    f.x(2) = kCodeBase + 4;
    RunResult r = run_from(f, kCodeBase, 2);  // the store rewrites the very next instruction
    CHECK(r.retired == 2);
    CHECK(f.x(0) == 42);

    f.x(1) = 0xd28000e0;  // movz x0, #7: a second rewrite of the same, now re-decoded, page
    r = run_from(f, kCodeBase, 2);
    CHECK(f.x(0) == 7);

    // A pair store rewriting code decoded in an earlier run.
    f.x(3) = 0xd2800020;  // movz x0, #1
    f.x(4) = 0;
    f.x(2) = kCodeBase + 4;
    const std::uint32_t stp[] = {0xa9001043};  // stp x3, x4, [x2]: X3 lands on the words at +4 and +8
    f.memory.write(kCodeBase + 0x100, stp, sizeof(stp));
    f.cpu.invalidate_code(kCodeBase + 0x100, sizeof(stp));
    run_from(f, kCodeBase + 0x100, 1);
    run_from(f, kCodeBase + 4, 1);
    CHECK(f.x(0) == 1);
}
