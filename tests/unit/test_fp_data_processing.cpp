// Scalar FP instructions as instructions: compares writing NZCV (and FCCMP's immediate flags
// when the condition fails), FCSEL, FMOV (immediate and general), conversions to W/X that
// saturate, and scalar results zeroing the rest of the V register; negated NaNs of FNMUL/FMSUB.
#include <doctest/doctest.h>

#include <bit>

#include "emulator/semantics.h"
#include "support/cpu_fixture.h"
#include "support/table_rows.h"

using namespace trapeze;
using namespace trapeze::test;

namespace {

VReg vreg(std::uint64_t lo, std::uint64_t hi = 0) {
    VReg r;
    r.lo = lo;
    r.hi = hi;
    return r;
}
std::uint64_t d(double v) { return std::bit_cast<std::uint64_t>(v); }
std::uint32_t s(float v) { return std::bit_cast<std::uint32_t>(v); }

}  // namespace

TEST_CASE("every row of fp_conversions.inc and fp_data_processing.inc has semantics") {
    CHECK(check_rows_have_semantics(Op::SCVTF_fix, Op::FNMSUB_fp) == 49);
}

TEST_CASE("FCMP and FCMPE write NZCV; FCCMP takes its immediate flags when the condition fails") {
    CpuFixture f;
    f.cpu.regs.v[1] = vreg(d(1.0), 0xffff);
    f.cpu.regs.v[2] = vreg(d(2.0));
    f.cpu.regs.v[3] = vreg(0x7fc0'0000);  // a quiet NaN: FCMPE signals it
    RunResult r = f.run({0x1e622020});    // fcmp d1, d2
    CHECK(f.nzcv() == kFlagN);
    r = f.run({0x1e202078});  // fcmpe s3, #0.0
    CHECK(f.nzcv() == (kFlagC | kFlagV));
    CHECK(f.cpu.regs.fpsr == kFpsrIoc);
    f.cpu.regs.nzcv = 0;                      // EQ fails: NZCV = #5
    r = f.run({0x1e620425});                  // fccmp d1, d2, #5, eq
    CHECK(f.nzcv() == (kFlagZ | kFlagV));
    f.cpu.regs.nzcv = kFlagZ;                 // EQ holds: compare
    r = f.run({0x1e620425});
    CHECK(f.nzcv() == kFlagN);
    CHECK(r.retired == 1);
}

TEST_CASE("FCSEL, FMOV (immediate, general) and scalar results zero the rest of the register") {
    CpuFixture f;
    f.cpu.regs.v[4] = vreg(~0ull, ~0ull);
    f.cpu.regs.v[5] = vreg(s(5.0f) | 0xaaaa'0000'0000'0000ull, 0x1234);
    f.cpu.regs.v[6] = vreg(s(6.0f));
    f.cpu.regs.v[7] = vreg(~0ull, ~0ull);
    f.cpu.regs.v[21] = vreg(d(-0.75), 0x5555);
    f.cpu.regs.nzcv = kFlagN;  // LT holds (N != V)
    f.x(19) = 0xdead'beef'3f80'0000;
    const RunResult r = f.run({0x1e26bca4,    // fcsel s4, s5, s6, lt
                               0x1e709007,    // fmov d7, #-2.5
                               0x1e270272,    // fmov s18, w19
                               0x9e6602b4});  // fmov x20, d21
    CHECK(r.retired == 4);
    CHECK(f.cpu.regs.v[4] == vreg(s(5.0f)));
    CHECK(f.cpu.regs.v[7] == vreg(d(-2.5)));
    CHECK(f.cpu.regs.v[18] == vreg(s(1.0f)));
    CHECK(f.x(20) == d(-0.75));
}

TEST_CASE("conversions to W and X saturate; from W and X with fraction bits") {
    CpuFixture f;
    f.cpu.regs.v[9] = vreg(d(-3e10));
    f.cpu.regs.v[11] = vreg(s(-1.0f));
    f.cpu.regs.v[13] = vreg(d(-2.5));
    f.x(8) = f.x(10) = f.x(12) = ~0ull;
    f.x(15) = 0xffff'ffff'8000'0000;  // W15 = INT32_MIN
    f.x(17) = 0x180;
    const RunResult r = f.run({0x1e780128,    // fcvtzs w8, d9     -> INT32_MIN, Invalid
                               0x9e39016a,    // fcvtzu x10, s11   -> 0, Invalid
                               0x1e6001ac,    // fcvtns w12, d13   -> -2 (ties to even)
                               0x1e6201ee,    // scvtf d14, w15
                               0x9e03e230});  // ucvtf s16, x17, #8 -> 1.5
    CHECK(r.retired == 5);
    CHECK(f.x(8) == 0x8000'0000);  // a W result zeroes bits 63..32
    CHECK(f.x(10) == 0);
    CHECK(f.x(12) == 0xffff'fffe);
    CHECK(f.cpu.regs.v[14] == vreg(d(-2147483648.0)));
    CHECK(f.cpu.regs.v[16] == vreg(s(1.5f)));
    CHECK(f.cpu.regs.fpsr == (kFpsrIoc | kFpsrIxc));  // the saturations; -2.5 to -2
}

TEST_CASE("FNMUL and FMSUB negate NaN operands too, as the manual's FPNeg does") {
    CpuFixture f;
    f.cpu.regs.v[23] = vreg(0x7ff8'0000'0000'0001);  // quiet NaN
    f.cpu.regs.v[24] = vreg(d(2.0));
    f.cpu.regs.v[26] = vreg(0x7ff8'0000'0000'0002);  // Vn of FMSUB: negated before FPMulAdd
    f.cpu.regs.v[27] = vreg(d(3.0));
    f.cpu.regs.v[28] = vreg(d(1.0));
    f.run({0x1e788af6,    // fnmul d22, d23, d24
           0x1f5bf359});  // fmsub d25, d26, d27, d28
    CHECK(f.cpu.regs.v[22] == vreg(0xfff8'0000'0000'0001));
    CHECK(f.cpu.regs.v[25] == vreg(0xfff8'0000'0000'0002));
    CHECK(f.cpu.regs.fpsr == 0);
}
