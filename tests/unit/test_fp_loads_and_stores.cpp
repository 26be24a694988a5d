// SIMD&FP loads and stores: B/H/S/D/Q registers in each addressing mode (a load zeroes the rest
// of the register), pairs, literals, LD1-LD4/ST1-ST4 of multiple and single structures, LDnR,
// post-index by immediate and by register, and alignment faults on Device memory.
#include <doctest/doctest.h>

#include <cstring>

#include "emulator/exception_class.h"
#include "emulator/semantics.h"
#include "support/cpu_fixture.h"
#include "support/table_rows.h"

using namespace trapeze;
using namespace trapeze::test;

namespace {

constexpr std::uint64_t D = kDataBase;

VReg vreg(std::uint64_t lo, std::uint64_t hi) {
    VReg r;
    r.lo = lo;
    r.hi = hi;
    return r;
}

// Bytes 0x00, 0x01, ... 0xff at D, D + 256...
void fill_bytes(CpuFixture& f) {
    for (unsigned i = 0; i < 512; ++i) f.put<std::uint8_t>(D + i, static_cast<std::uint8_t>(i));
}

}  // namespace

TEST_CASE("every row of simd_fp_loads_and_stores.inc has semantics") {
    CHECK(check_rows_have_semantics(Op::LDR_lit_fp, Op::LD_rep_post) == 29);
}

TEST_CASE("LDR/STR of B, H, S, D and Q registers: loads zero the rest of the register") {
    CpuFixture f;
    fill_bytes(f);
    for (unsigned v = 0; v < 8; ++v) f.cpu.regs.v[v] = vreg(~0ull, ~0ull);
    f.x(2) = D;
    f.x(3) = D + 0x100;
    f.x(4) = 3;
    const RunResult r = f.run({0x3dc00441,    // ldr q1, [x2, #16]
                               0xfc647842,    // ldr d2, [x2, x4, lsl #3]
                               0x3c401c43,    // ldr b3, [x2, #1]!
                               0x7d400444,    // ldr h4, [x2, #2]   (x2 is D + 1 now)
                               0xbc1fc045,    // stur s5, [x2, #-4]
                               0x3c9e0461});  // str q1, [x3], #-32
    CHECK(r.retired == 6);
    CHECK(f.cpu.regs.v[1] == vreg(0x1716'1514'1312'1110, 0x1f1e'1d1c'1b1a'1918));
    CHECK(f.cpu.regs.v[2] == vreg(0x1f1e'1d1c'1b1a'1918, 0));
    CHECK(f.cpu.regs.v[3] == vreg(0x01, 0));
    CHECK(f.cpu.regs.v[4] == vreg(0x0403, 0));
    CHECK(f.x(2) == D + 1);
    CHECK(f.get<std::uint32_t>(D - 3) == 0xffff'ffff);  // S5 = the low word of all-ones V5
    CHECK(f.get<std::uint64_t>(D + 0x100) == 0x1716'1514'1312'1110);
    CHECK(f.get<std::uint64_t>(D + 0x108) == 0x1f1e'1d1c'1b1a'1918);
    CHECK(f.x(3) == D + 0x100 - 32);
}

TEST_CASE("LDP/STP of Q and D registers, and the literal load") {
    CpuFixture f;
    fill_bytes(f);
    f.x(2) = D;
    f.x(3) = D + 0x200;
    f.cpu.regs.v[8] = vreg(0x8888, 0x1);
    f.cpu.regs.v[9] = vreg(0x9999, 0x2);
    const RunResult r = f.run({0xad411c46,    // ldp q6, q7, [x2, #32]
                               0x6dbf2468,    // stp d8, d9, [x3, #-16]!
                               0x1c00004a,    // ldr s10, [pc, #8]
                               0xd503201f,    // nop
                               0x3f800000},   // the literal, not executed
                              4);
    CHECK(r.retired == 4);
    CHECK(f.cpu.regs.v[6] == vreg(0x2726'2524'2322'2120, 0x2f2e'2d2c'2b2a'2928));
    CHECK(f.cpu.regs.v[7] == vreg(0x3736'3534'3332'3130, 0x3f3e'3d3c'3b3a'3938));
    CHECK(f.get<std::uint64_t>(D + 0x1f0) == 0x8888);
    CHECK(f.get<std::uint64_t>(D + 0x1f8) == 0x9999);
    CHECK(f.x(3) == D + 0x1f0);
    CHECK(f.cpu.regs.v[10] == vreg(0x3f80'0000, 0));
}

TEST_CASE("LD1/LD2/LD3 (multiple structures) de-interleave; ST4 post-indexed by a register") {
    CpuFixture f;
    fill_bytes(f);
    f.x(2) = D;
    f.cpu.regs.v[4] = vreg(~0ull, ~0ull);
    const RunResult r = f.run({0x4c40a840,    // ld1 {v0.4s, v1.4s}, [x2]
                               0x4c408442,    // ld2 {v2.8h, v3.8h}, [x2]
                               0x0cdf4844});  // ld3 {v4.2s, v5.2s, v6.2s}, [x2], #24
    CHECK(r.retired == 3);
    CHECK(f.cpu.regs.v[0] == vreg(0x0706'0504'0302'0100, 0x0f0e'0d0c'0b0a'0908));
    CHECK(f.cpu.regs.v[1] == vreg(0x1716'1514'1312'1110, 0x1f1e'1d1c'1b1a'1918));
    // LD2 .8h: even halfwords to v2, odd ones to v3.
    CHECK(f.cpu.regs.v[2] == vreg(0x0d0c'0908'0504'0100, 0x1d1c'1918'1514'1110));
    CHECK(f.cpu.regs.v[3] == vreg(0x0f0e'0b0a'0706'0302, 0x1f1e'1b1a'1716'1312));
    // LD3 .2s: words 0 and 3 to v4 (the upper half zeroed), 1 and 4 to v5, 2 and 5 to v6.
    CHECK(f.cpu.regs.v[4] == vreg(0x0f0e'0d0c'0302'0100, 0));
    CHECK(f.cpu.regs.v[5] == vreg(0x1312'1110'0706'0504, 0));
    CHECK(f.cpu.regs.v[6] == vreg(0x1716'1514'0b0a'0908, 0));
    CHECK(f.x(2) == D + 24);

    CpuFixture g;
    for (unsigned v = 28; v < 32; ++v) g.cpu.regs.v[v] = vreg(0x0101'0101'0101'0101 * (v - 27), 0);
    g.x(3) = D;
    g.x(4) = 100;
    g.run({0x4c84007c});  // st4 {v28.16b-v31.16b}, [x3], x4
    CHECK(g.get<std::uint32_t>(D) == 0x0403'0201);  // byte 0 of each register, in turn
    CHECK(g.get<std::uint32_t>(D + 28) == 0x0403'0201);
    CHECK(g.get<std::uint32_t>(D + 32) == 0);  // the upper bytes were zero
    CHECK(g.x(3) == D + 100);
}

TEST_CASE("LD1/ST1 (single structure) keep the other lanes; LD4R and LD1R replicate") {
    CpuFixture f;
    fill_bytes(f);
    f.x(2) = D + 0x40;
    f.x(3) = D + 0x100;
    f.cpu.regs.v[7] = vreg(~0ull, ~0ull);
    f.cpu.regs.v[0] = vreg(0x1111, 0x2222'3333'4444'5555);
    const RunResult r = f.run({0x4d409047,    // ld1 {v7.s}[3], [x2]
                               0x0dffe048,    // ld4r {v8.8b-v11.8b}, [x2], #4
                               0x4d008460,    // st1 {v0.d}[1], [x3]
                               0x4d40cc4c});  // ld1r {v12.2d}, [x2]   (x2 is D + 0x44 now)
    CHECK(r.retired == 4);
    CHECK(f.cpu.regs.v[7] == vreg(~0ull, 0x4342'4140'ffff'ffffull));
    CHECK(f.cpu.regs.v[8] == vreg(0x4040'4040'4040'4040, 0));
    CHECK(f.cpu.regs.v[11] == vreg(0x4343'4343'4343'4343, 0));
    CHECK(f.get<std::uint64_t>(D + 0x100) == 0x2222'3333'4444'5555);
    CHECK(f.cpu.regs.v[12] == vreg(0x4b4a'4948'4746'4544, 0x4b4a'4948'4746'4544));
    CHECK(f.x(2) == D + 0x44);
}

TEST_CASE("SIMD&FP accesses on Device memory fault unless aligned: Q to 16 bytes, LD1 to its elements") {
    CpuFixture f;
    f.cpu.set_strict_alignment(true);
    f.x(2) = D + 8;
    RunResult r = f.run({0x3dc00041});  // ldr q1, [x2]
    CHECK(r.exit.ec() == ExceptionClass::DataAbortLower);
    CHECK(DataAbortIss::decode(r.exit.iss()).dfsc == kFscAlignment);
    CHECK(DataAbortIss::decode(r.exit.iss()).isv == false);  // no syndrome for SIMD&FP registers
    CHECK(r.exit.far == D + 8);
    r = f.run({0x4c40a840});  // ld1 {v0.4s, v1.4s}, [x2]: 4-byte elements, aligned
    CHECK(r.exit.reason == ExitReason::InstructionLimit);
    f.x(2) = D + 2;
    r = f.run({0x4c40a840});
    CHECK(r.exit.ec() == ExceptionClass::DataAbortLower);
    CHECK(r.exit.far == D + 2);
}

TEST_CASE("SP-based SIMD&FP accesses check SP's alignment (SCTLR_EL1.SA), after the FP/SIMD trap") {
    CpuFixture f;  // the reset SCTLR_EL1 has SA set
    constexpr std::uint32_t kSpAlignmentEsr = (0x26u << 26) | (1u << 25);
    f.cpu.regs.sp() = D + 8;
    f.x(1) = D + 8;
    for (std::uint32_t word : {0x3dc003e0u /* ldr q0, [sp] */, 0x4c4073e0u /* ld1 {v0.16b}, [sp] */,
                               0x6d8107e0u /* stp d0, d1, [sp, #16]! */}) {
        CAPTURE(word);
        RunResult r = f.run({word});
        CHECK(r.exit.esr == kSpAlignmentEsr);
        CHECK(r.retired == 0);
        CHECK(f.cpu.regs.sp() == D + 8);
        f.cpu.set_fp_enabled(false);  // CheckFPAdvSIMDEnabled64 comes first
        r = f.run({word});
        CHECK(r.exit.ec() == ExceptionClass::FpAccess);
        f.cpu.set_fp_enabled(true);
    }
    // Another base register: no SP check; an aligned SP: none either.
    RunResult r = f.run({0x3dc00021});  // ldr q1, [x1]
    CHECK(r.retired == 1);
    f.cpu.regs.sp() = D + 16;
    r = f.run({0x3dc003e0, 0x4c4073e0, 0x6d8107e0});
    CHECK(r.retired == 3);
    CHECK(f.cpu.regs.sp() == D + 32);
}
