// Advanced SIMD corners, exactly: saturating narrowing and FPSR.QC, doubling multiplies at the
// most negative value, rounding narrowing shifts, FMLA by element, table lookups out of range,
// permutes and EXT, the FP reductions' pairing order with NaNs, copies and immediates, and the
// AES steps against FIPS-197's vectors.
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
template <typename T, std::size_t N>
VReg lanes(const T (&values)[N]) {
    VReg r{};
    for (unsigned i = 0; i < N; ++i) r.set<T>(i, values[i]);
    return r;
}
std::uint32_t s(float f) { return std::bit_cast<std::uint32_t>(f); }

}  // namespace

TEST_CASE("every row of the Advanced SIMD and crypto tables has semantics") {
    CHECK(check_rows_have_semantics(Op::SHADD, Op::SHA256SU0) == 361);
}

TEST_CASE("saturating narrowing: SQXTN, SQXTN2, UQXTN, SQXTUN saturate and set FPSR.QC") {
    CpuFixture f;
    const std::uint16_t wide[] = {0x7fff, 0x8000, 0x0080, 0xff7f, 0x007f, 0x0000, 0xffff, 0x0100};
    f.cpu.regs.v[1] = lanes(wide);
    f.cpu.regs.v[2] = vreg(0x0001'0001'0001'0001, 0x0001'0001'0001'0001);
    f.cpu.regs.v[4] = vreg(0xaaaa'0100);
    const std::int32_t words[] = {-5, 70000, 65535, 12};
    f.cpu.regs.v[6] = lanes(words);
    const RunResult r = f.run({0x0e214820,    // sqxtn v0.8b, v1.8h
                               0x4e214840,    // sqxtn2 v0.16b, v2.8h
                               0x7e214883,    // uqxtn b3, h4
                               0x2e6128c5});  // sqxtun v5.4h, v6.4s
    CHECK(r.retired == 4);
    CHECK(f.cpu.regs.v[0] == vreg(0x7fff'007f'807f'807f, 0x0101'0101'0101'0101));
    CHECK(f.cpu.regs.v[3] == vreg(0xff));
    CHECK(f.cpu.regs.v[5] == vreg(0x000c'ffff'ffff'0000));
    CHECK(f.cpu.regs.fpsr == kFpsrQc);

    // Nothing saturates: QC stays as it was (clear).
    CpuFixture g;
    g.cpu.regs.v[1] = vreg(0x0001'ffff'007f'ff80);
    g.run({0x0e214820});
    CHECK(g.cpu.regs.v[0] == vreg(0x01ff'7f80));
    CHECK(g.cpu.regs.fpsr == 0);
}

TEST_CASE("SQDMULH at the most negative value, SQADD, rounding narrow shift, UQSHL") {
    CpuFixture f;
    f.cpu.regs.v[11] = vreg(0x4000'8000'4000'8000);
    f.cpu.regs.v[12] = vreg(0x4000'8000'4000'8000);
    f.cpu.regs.v[8] = vreg(0x7fff'ffff'0000'0001, 0x8000'0000'8000'0000);
    f.cpu.regs.v[9] = vreg(0x0000'0001'0000'0002, 0xffff'ffff'0000'0001);
    const std::int32_t words[] = {100, -100, 0x7fff'ffff, INT32_MIN};
    f.cpu.regs.v[14] = lanes(words);
    f.cpu.regs.v[16] = vreg(0x0000'0000'0000'0201);
    const RunResult r = f.run({0x4e6cb56a,    // sqdmulh v10.8h, v11.8h, v12.8h
                               0x4ea90d07,    // sqadd v7.4s, v8.4s, v9.4s
                               0x0f1d9dcd,    // sqrshrn v13.4h, v14.4s, #3
                               0x6f0f760f});  // uqshl v15.16b, v16.16b, #7
    CHECK(r.retired == 4);
    CHECK(f.cpu.regs.v[10] == vreg(0x2000'7fff'2000'7fff));
    CHECK(f.cpu.regs.v[7] == vreg(0x7fff'ffff'0000'0003, 0x8000'0000'8000'0001));
    CHECK(f.cpu.regs.v[13] == vreg(0x8000'7fff'fff4'000d));
    CHECK(f.cpu.regs.v[15] == vreg(0xff80));
    CHECK(f.cpu.regs.fpsr == kFpsrQc);
}

TEST_CASE("FMLA by element, TBL out of range, EXT, ZIP1") {
    CpuFixture f;
    const float n[] = {1.0f, 2.0f, 3.0f, 4.0f}, acc[] = {0.5f, 0.5f, 0.5f, 0.5f}, m[] = {9.0f, 9.0f, 9.0f, 2.0f};
    f.cpu.regs.v[18] = lanes(n);
    f.cpu.regs.v[17] = lanes(acc);
    f.cpu.regs.v[19] = lanes(m);
    f.cpu.regs.v[21] = vreg(0x0706'0504'0302'0100, 0x0f0e'0d0c'0b0a'0908);
    f.cpu.regs.v[22] = vreg(0x1716'1514'1312'1110, 0x1f1e'1d1c'1b1a'1918);
    f.cpu.regs.v[23] = vreg(0x0000'00ff'201f'1000, 0x0101'0101'0101'0101);
    f.cpu.regs.v[25] = vreg(0x0706'0504'0302'0100, 0x0f0e'0d0c'0b0a'0908);
    f.cpu.regs.v[26] = vreg(0x1716'1514'1312'1110, 0x1f1e'1d1c'1b1a'1918);
    f.cpu.regs.v[28] = vreg(0x0000'0001'0000'0000, 0x0000'0003'0000'0002);
    f.cpu.regs.v[29] = vreg(0x0000'0011'0000'0010, 0x0000'0013'0000'0012);
    const RunResult r = f.run({0x4fb31a51,    // fmla v17.4s, v18.4s, v19.s[3]
                               0x4e1722b4,    // tbl v20.16b, {v21.16b, v22.16b}, v23.16b
                               0x6e1a1b38,    // ext v24.16b, v25.16b, v26.16b, #3
                               0x4e9d3b9b});  // zip1 v27.4s, v28.4s, v29.4s
    CHECK(r.retired == 4);
    const float fmla[] = {2.5f, 4.5f, 6.5f, 8.5f};
    CHECK(f.cpu.regs.v[17] == lanes(fmla));
    // Indices 0, 16, 31, 32 and 255: the last two are out of the 32-byte table: zero.
    CHECK(f.cpu.regs.v[20] == vreg(0x0000'0000'001f'1000, 0x0101'0101'0101'0101));
    CHECK(f.cpu.regs.v[24] == vreg(0x0a09'0807'0605'0403, 0x1211'100f'0e0d'0c0b));
    CHECK(f.cpu.regs.v[27] == vreg(0x0000'0010'0000'0000, 0x0000'0011'0000'0001));
}

TEST_CASE("FP reductions pair lanes as Reduce() does: a NaN in one half survives FMAXV, not FMAXNMV") {
    CpuFixture f;
    const std::uint32_t values[] = {s(1.0f), 0x7fc0'0001, s(3.0f), 0xff80'0000};
    f.cpu.regs.v[31] = lanes(values);
    f.run({0x6e30fbfe});  // fmaxv s30, v31.4s: max(max(1, NaN), max(3, -inf))
    CHECK(f.cpu.regs.v[30] == vreg(0x7fc0'0001));
    f.run({0x6e30cbfe});  // fmaxnmv s30, v31.4s
    CHECK(f.cpu.regs.v[30] == vreg(s(3.0f)));
    CHECK(f.cpu.regs.fpsr == 0);
}

TEST_CASE("ADDV wraps, CNT, UMOV/SMOV, MOVI/MVNI, DUP and INS (general)") {
    CpuFixture f;
    f.cpu.regs.v[1] = vreg(0xffff'ffff'ffff'ffff, 0xffff'ffff'ffff'ff02);
    f.cpu.regs.v[3] = vreg(0x8000'0000'0000'ff07);
    f.cpu.regs.v[5] = vreg(0, 0x8123'0000'0000'0000);
    f.cpu.regs.v[7] = vreg(0, 0x8000'0000'0000'0000);
    f.cpu.regs.v[12] = vreg(0x1234, 0x5678);
    f.x(11) = 0x1'2345'6789;
    f.x(13) = 0xdead'beef;
    const RunResult r = f.run({0x4e31b820,    // addv b0, v1.16b
                               0x4e205862,    // cnt v2.16b, v3.16b
                               0x0e1e3ca4,    // umov w4, v5.h[7]
                               0x4e1f2ce6,    // smov x6, v7.b[15]
                               0x6f05e548,    // movi v8.2d, #0xff00ff00ff00ff00
                               0x6f002649,    // mvni v9.4s, #0x12, lsl #8
                               0x4e040d6a,    // dup v10.4s, w11
                               0x4e181dac});  // ins v12.d[1], x13
    CHECK(r.retired == 8);
    CHECK(f.cpu.regs.v[0] == vreg(0xf3));  // 15 * 0xff + 2 = 0xef3: the low byte
    CHECK(f.cpu.regs.v[2] == vreg(0x0100'0000'0000'0803));
    CHECK(f.x(4) == 0x8123);
    CHECK(f.x(6) == 0xffff'ffff'ffff'ff80);
    CHECK(f.cpu.regs.v[8] == vreg(0xff00'ff00'ff00'ff00, 0xff00'ff00'ff00'ff00));
    CHECK(f.cpu.regs.v[9] == vreg(0xffff'edff'ffff'edff, 0xffff'edff'ffff'edff));
    CHECK(f.cpu.regs.v[10] == vreg(0x2345'6789'2345'6789, 0x2345'6789'2345'6789));
    CHECK(f.cpu.regs.v[12] == vreg(0x1234, 0xdead'beef));
}

TEST_CASE("AES steps: ShiftRows and SubBytes against FIPS-197's S-box, MixColumns and its inverse") {
    CpuFixture f;
    // AESE with a zero round key: SubBytes(ShiftRows(state)). With the bytes 0..15 as the state,
    // output byte i is S(input byte of row i%4, column (i/4 + i%4) % 4): the S-box's first row
    // (63 7c 77 7b f2 6b 6f c5 30 01 67 2b fe d7 ab 76) in ShiftRows order.
    f.cpu.regs.v[14] = vreg(0x0706'0504'0302'0100, 0x0f0e'0d0c'0b0a'0908);
    f.cpu.regs.v[15] = vreg(0, 0);
    f.cpu.regs.v[20] = vreg(0x5353'5353'5353'5353, 0x5353'5353'5353'5353);
    f.cpu.regs.v[21] = vreg(0, 0);
    // MixColumns of the column db 13 53 45 is 8e 4d a1 bc.
    f.cpu.regs.v[17] = vreg(0x4553'13db'4553'13db, 0x4553'13db'4553'13db);
    const RunResult r = f.run({0x4e2849ee,    // aese v14.16b, v15.16b
                               0x4e284ab4,    // aese v20.16b, v21.16b
                               0x4e286a30,    // aesmc v16.16b, v17.16b
                               0x4e287a12,    // aesimc v18.16b, v16.16b
                               0x4e285a96});  // aesd v22.16b, v20.16b  (v22 = 0: InvSubBytes(0xed) = 0x53)
    CHECK(r.retired == 5);
    CHECK(f.cpu.regs.v[14] == vreg(0x7bab'01f2'7667'6b63, 0x2b6f'7cfe'c577'd730));
    CHECK(f.cpu.regs.v[20] == vreg(0xeded'eded'eded'eded, 0xeded'eded'eded'eded));  // S(0x53) = 0xed
    CHECK(f.cpu.regs.v[16] == vreg(0xbca1'4d8e'bca1'4d8e, 0xbca1'4d8e'bca1'4d8e));
    CHECK(f.cpu.regs.v[18] == f.cpu.regs.v[17]);
    CHECK(f.cpu.regs.v[22] == vreg(0x5353'5353'5353'5353, 0x5353'5353'5353'5353));
}

TEST_CASE("the modified-immediate rows live inside the shifts' immh = 0000: a reserved field hands the word on") {
    // USHR with immh = 0000 would be reserved; the same bits with o2 = 0 are MOVI (64-bit).
    CHECK(decode(0x6f05e548).op == Op::MOVI);   // movi v8.2d, #0xff00ff00ff00ff00
    CHECK(decode(0x6f01e548).op == Op::MOVI);
    // With bit 11 set no modified-immediate row matches: UNDEFINED, not a shift by zero.
    CHECK(decode(0x6f05ed48).undefined());
    // And a real shift: immh != 0000.
    CHECK(decode(0x6f0f0600).op == Op::USHR);
}
