// Exclusives, acquire/release accesses and the LSE atomics: results, old values, the
// exclusive monitor, alignment and faults.
#include <doctest/doctest.h>

#include "emulator/exception_class.h"
#include "support/cpu_fixture.h"

using namespace trapeze;
using namespace trapeze::test;

namespace {

constexpr std::uint64_t D = kDataBase;

void check_alignment_fault(const RunResult& r, std::uint64_t far, bool write) {
    CHECK(r.exit.reason == ExitReason::Exception);
    CHECK(r.exit.ec() == ExceptionClass::DataAbortLower);
    const DataAbortIss iss = DataAbortIss::decode(r.exit.iss());
    CHECK(iss.dfsc == kFscAlignment);
    CHECK(iss.wnr == write);
    CHECK(r.exit.far == far);
    CHECK(r.exit.pc == kCodeBase);
    CHECK(r.retired == 0);
}

}  // namespace

TEST_CASE("LDXR then STXR to the same address stores and writes 0 to Ws, every size") {
    struct Case {
        std::uint32_t ldxr, stxr;
        std::uint64_t before, after;
    };
    const Case cases[] = {
        {0x085f7c22, 0x08037c22, 0xff, 0x00},                                   // ldxrb / stxrb (wraps)
        {0x485f7c22, 0x48037c22, 0x1234, 0x1235},                               // ldxrh / stxrh
        {0x885f7c22, 0x88037c22, 0xffff'ffff, 0},                               // ldxr w / stxr w
        {0xc85f7c22, 0xc8037c22, 0xffff'ffff, 0x1'0000'0000},                   // ldxr x / stxr x
        {0x085ffc22, 0x08037c22, 0x7f, 0x80},                                   // ldaxrb / stxrb
        {0xc85ffc22, 0xc803fc22, 0x8000'0000'0000'0000, 0x8000'0000'0000'0001}, // ldaxr / stlxr
    };
    for (const Case& c : cases) {
        CAPTURE(c.ldxr);
        CpuFixture f;
        f.put<std::uint64_t>(D, c.before);
        f.put<std::uint64_t>(D + 8, 0xeeee'eeee'eeee'eeee);
        f.x(1) = D;
        f.x(3) = ~0ull;
        const RunResult r = f.run({c.ldxr,
                                   0x91000442,  // add x2, x2, #1
                                   c.stxr});
        CHECK(r.retired == 3);
        CHECK(f.x(3) == 0);
        CHECK(f.get<std::uint64_t>(D) == c.after);
        CHECK(f.get<std::uint64_t>(D + 8) == 0xeeee'eeee'eeee'eeee);
    }
}

TEST_CASE("LDXR zero-extends into the register") {
    CpuFixture f;
    f.put<std::uint64_t>(D, 0xffff'ffff'ffff'ff80);
    f.x(1) = D;
    f.x(2) = ~0ull;
    f.run({0x085f7c22});  // ldxrb w2, [x1]
    CHECK(f.x(2) == 0x80);
}

TEST_CASE("STXR without a matching LDXR fails: Ws = 1 and memory is unchanged") {
    CpuFixture f;
    f.put<std::uint64_t>(D, 5);
    f.put<std::uint64_t>(D + 16, 9);
    f.x(1) = D;
    f.x(2) = 77;
    f.x(3) = ~0ull;
    RunResult r = f.run({0xc8037c22});  // stxr w3, x2, [x1]
    CHECK(r.retired == 1);
    CHECK(f.x(3) == 1);
    CHECK(f.get<std::uint64_t>(D) == 5);

    // LDXR of one address, STXR to another: fails, and clears the monitor, so a later STXR
    // to the marked address fails too.
    f.x(4) = D + 16;
    r = f.run({0xc85f7c22,    // ldxr x2, [x1]
               0x91000442,    // add x2, x2, #1
               0xc8037c82,    // stxr w3, x2, [x4]
               0xc8037c22});  // stxr w3, x2, [x1]
    CHECK(r.retired == 4);
    CHECK(f.x(3) == 1);
    CHECK(f.get<std::uint64_t>(D + 16) == 9);
    CHECK(f.get<std::uint64_t>(D) == 5);

    // The monitor tracks the size too: LDXRB then STXR (doubleword) fails.
    f.x(3) = 0;
    r = f.run({0x085f7c22,    // ldxrb w2, [x1]
               0x91000442,    // add x2, x2, #1
               0xc8037c22});  // stxr w3, x2, [x1]
    CHECK(f.x(3) == 1);
    CHECK(f.get<std::uint64_t>(D) == 5);

    // A successful STXR clears the monitor: a second one fails.
    f.x(2) = 0;
    r = f.run({0xc85f7c22,    // ldxr x2, [x1]
               0xc8037c22,    // stxr w3, x2, [x1]
               0x91000442,    // add x2, x2, #1
               0xc8037c22});  // stxr w3, x2, [x1]
    CHECK(f.x(3) == 1);
    CHECK(f.get<std::uint64_t>(D) == 5);
}

TEST_CASE("STXR to a misaligned address is an alignment fault even without LDXR") {
    CpuFixture f;
    f.x(1) = D + 4;
    f.x(3) = 0x33;
    const RunResult r = f.run({0xc8037c22});  // stxr w3, x2, [x1]
    check_alignment_fault(r, D + 4, true);
    CHECK(f.x(3) == 0x33);
}

TEST_CASE("LDXR needs natural alignment even on Normal memory") {
    CpuFixture f;
    f.x(1) = D + 2;
    f.x(2) = 0x22;
    const RunResult r = f.run({0x885f7c22});  // ldxr w2, [x1]
    check_alignment_fault(r, D + 2, false);
    CHECK(f.x(2) == 0x22);
}

TEST_CASE("STXR to an address the monitor does not cover fails without translating it") {
    CpuFixture f;
    f.x(1) = D;
    f.run({0xc85f7c22});  // ldxr x2, [x1]  (marks D)
    f.x(4) = 0x0900'0000;
    f.x(3) = 0x33;
    RunResult r = f.run({0xc8037c82});  // stxr w3, x2, [x4]
    CHECK(r.exit.reason == ExitReason::InstructionLimit);
    CHECK(f.x(3) == 1);
}

TEST_CASE("LDXP/STXP: 64- and 32-bit pairs, aligned to the pair's size") {
    CpuFixture f;
    f.put<std::uint64_t>(D, 0x1111);
    f.put<std::uint64_t>(D + 8, 0x2222);
    f.x(1) = D;
    f.x(4) = ~0ull;
    RunResult r = f.run({0xc87f0c22,    // ldxp x2, x3, [x1]
                         0x91000442,    // add x2, x2, #1
                         0xc8240c22});  // stxp w4, x2, x3, [x1]
    CHECK(r.retired == 3);
    CHECK(f.x(3) == 0x2222);
    CHECK(f.x(4) == 0);
    CHECK(f.get<std::uint64_t>(D) == 0x1112);
    CHECK(f.get<std::uint64_t>(D + 8) == 0x2222);

    // Without the LDXP, STXP fails.
    f.x(5) = 0x55;
    f.x(6) = 0x66;
    r = f.run({0xc8249825});  // stlxp w4, x5, x6, [x1]
    CHECK(f.x(4) == 1);
    CHECK(f.get<std::uint64_t>(D) == 0x1112);

    r = f.run({0xc87f8c22,    // ldaxp x2, x3, [x1]
               0xc8249825});  // stlxp w4, x5, x6, [x1]
    CHECK(f.x(4) == 0);
    CHECK(f.get<std::uint64_t>(D) == 0x55);
    CHECK(f.get<std::uint64_t>(D + 8) == 0x66);

    // The 32-bit pair: Rt is the word at the lower address.
    f.put<std::uint64_t>(D + 16, 0xbbbb'bbbb'aaaa'aaaa);
    f.x(1) = D + 16;
    f.x(2) = ~0ull;
    f.x(3) = ~0ull;
    r = f.run({0x887f0c22,    // ldxp w2, w3, [x1]
               0x91000442,    // add x2, x2, #1
               0x88240c22});  // stxp w4, w2, w3, [x1]
    CHECK(f.x(2) == 0xaaaa'aaab);
    CHECK(f.x(3) == 0xbbbb'bbbb);
    CHECK(f.x(4) == 0);
    CHECK(f.get<std::uint64_t>(D + 16) == 0xbbbb'bbbb'aaaa'aaab);
}

TEST_CASE("LDXP of 2 x 64 bits faults unless 16-byte aligned; 2 x 32 bits unless 8-byte aligned") {
    CpuFixture f;
    f.x(1) = D + 8;
    f.x(2) = 0x22;
    RunResult r = f.run({0xc87f0c22});  // ldxp x2, x3, [x1]
    check_alignment_fault(r, D + 8, false);
    CHECK(f.x(2) == 0x22);

    f.x(1) = D + 4;
    r = f.run({0x887f0c22});  // ldxp w2, w3, [x1]
    check_alignment_fault(r, D + 4, false);

    f.x(1) = D + 8;
    r = f.run({0x887f0c22});  // ldxp w2, w3, [x1]
    CHECK(r.exit.reason == ExitReason::InstructionLimit);
}

TEST_CASE("LDAR/STLR/LDAPR: every size, zero-extended") {
    CpuFixture f;
    f.put<std::uint64_t>(D, 0x8877'6655'4433'2211);
    f.x(1) = D;
    for (unsigned r = 2; r <= 5; ++r) f.x(r) = ~0ull;
    for (unsigned r = 10; r <= 13; ++r) f.x(r) = ~0ull;
    f.run({0xc8dffc22,    // ldar x2, [x1]
           0x08dffc23,    // ldarb w3, [x1]
           0x48dffc24,    // ldarh w4, [x1]
           0x88dffc25,    // ldar w5, [x1]
           0xf8bfc02a,    // ldapr x10, [x1]
           0x38bfc02b,    // ldaprb w11, [x1]
           0x78bfc02c,    // ldaprh w12, [x1]
           0xb8bfc02d});  // ldapr w13, [x1]
    CHECK(f.x(2) == 0x8877'6655'4433'2211);
    CHECK(f.x(3) == 0x11);
    CHECK(f.x(4) == 0x2211);
    CHECK(f.x(5) == 0x4433'2211);
    CHECK(f.x(10) == 0x8877'6655'4433'2211);
    CHECK(f.x(11) == 0x11);
    CHECK(f.x(12) == 0x2211);
    CHECK(f.x(13) == 0x4433'2211);

    f.x(6) = 0x0102'0304'0506'0708;
    f.x(7) = 0xaa;
    f.x(8) = 0xbbcc;
    f.x(9) = 0xdddd'eeee;
    f.x(1) = D + 0x100;
    f.run({0xc89ffc26});  // stlr x6, [x1]
    CHECK(f.get<std::uint64_t>(D + 0x100) == 0x0102'0304'0506'0708);
    f.run({0x889ffc29});  // stlr w9, [x1]
    CHECK(f.get<std::uint64_t>(D + 0x100) == 0x0102'0304'dddd'eeee);
    f.run({0x489ffc28});  // stlrh w8, [x1]
    CHECK(f.get<std::uint64_t>(D + 0x100) == 0x0102'0304'dddd'bbcc);
    f.run({0x089ffc27});  // stlrb w7, [x1]
    CHECK(f.get<std::uint64_t>(D + 0x100) == 0x0102'0304'dddd'bbaa);
}

TEST_CASE("LDAR/STLR need natural alignment; an STLR outside RAM reports AR and ISV") {
    CpuFixture f;
    f.x(1) = D + 2;
    f.x(5) = 0x55;
    RunResult r = f.run({0x88dffc25});  // ldar w5, [x1]
    check_alignment_fault(r, D + 2, false);
    CHECK(f.x(5) == 0x55);
    CHECK(r.exit.esr == 0x9200'0021);  // a stage-1 fault: no instruction syndrome for EL1 (ISV = 0)

    f.x(1) = D + 1;
    r = f.run({0x489ffc28});  // stlrh w8, [x1]
    check_alignment_fault(r, D + 1, true);

    f.x(2) = 0x0900'0000;
    r = f.run({0x889ffc41});  // stlr w1, [x2]
    CHECK(r.exit.ec() == ExceptionClass::DataAbortLower);
    CHECK(r.exit.far == 0x0900'0000);
    const DataAbortIss iss = DataAbortIss::decode(r.exit.iss());
    CHECK(iss.isv);
    CHECK(iss.ar);
    CHECK(iss.wnr);
    CHECK(iss.sas == 2);
    CHECK(iss.srt == 1);
    CHECK_FALSE(iss.sf);
    CHECK(iss.dfsc == kFscTranslationLevel0);
}

TEST_CASE("LSE atomics (64-bit): each op's result in memory and the old value in Rt") {
    struct Case {
        std::uint32_t word;
        std::uint64_t memory, operand, result;
    };
    constexpr std::uint64_t neg2 = static_cast<std::uint64_t>(-2);
    const Case cases[] = {
        {0xf8220023, 0xffff'ffff'ffff'fff0, 0x20, 0x10},           // ldadd x2, x3, [x1]
        {0xf8221023, 0xff00'ff00'ff00'ff0f, 0x0f0f, 0xff00'ff00'ff00'f000},  // ldclr
        {0xf8222023, 0xff00, 0x0ff0, 0xf0f0},                      // ldeor
        {0xf8223023, 0xff00, 0x0ff0, 0xfff0},                      // ldset
        {0xf8224023, neg2, 3, 3},                                  // ldsmax: -2 < 3
        {0xf8224023, 5, neg2, 5},                                  // ldsmax: 5 > -2
        {0xf8225023, neg2, 3, neg2},                               // ldsmin
        {0xf8226023, neg2, 3, neg2},                               // ldumax: unsigned
        {0xf8227023, neg2, 3, 3},                                  // ldumin: unsigned
        {0xf8228023, 0x1234, 0x5678, 0x5678},                      // swp
        {0xf8e20023, 1, 2, 3},                                     // ldaddal
    };
    for (const Case& c : cases) {
        CAPTURE(c.word);
        CpuFixture f;
        f.put<std::uint64_t>(D, c.memory);
        f.x(1) = D;
        f.x(2) = c.operand;
        const RunResult r = f.run({c.word});
        CHECK(r.retired == 1);
        CHECK(f.get<std::uint64_t>(D) == c.result);
        CHECK(f.x(3) == c.memory);
        CHECK(f.x(2) == c.operand);
    }
}

TEST_CASE("LSE atomics on bytes, halfwords and words: the size's arithmetic, zero-extended old value") {
    struct Case {
        std::uint32_t word;
        std::uint64_t operand;
        std::uint64_t result;  // the doubleword at D afterwards
        std::uint64_t old;     // what Rt gets
    };
    // Memory starts as 0x1111'1111'8000'80ff for every case.
    const Case cases[] = {
        {0x38220023, 0x01, 0x1111'1111'8000'8000, 0xff},             // ldaddb: 0xff + 1 wraps in the byte
        {0x78220023, 0xffff'0001, 0x1111'1111'8000'8100, 0x80ff},    // ldaddh: only the low half of Ws
        {0xb8220023, 0x1'0000'0001, 0x1111'1111'8000'8100, 0x8000'80ff},  // ldadd w
        {0x38224023, 0x01, 0x1111'1111'8000'8001, 0xff},             // ldsmaxb: -1 < 1
        {0x38226023, 0x01, 0x1111'1111'8000'80ff, 0xff},             // ldumaxb: 255 > 1
        {0x78225023, 0x7fff, 0x1111'1111'8000'80ff, 0x80ff},         // ldsminh: 0x80ff is negative
        {0x78227023, 0x7fff, 0x1111'1111'8000'7fff, 0x80ff},         // lduminh
        {0xb8225023, 0x0000'0001, 0x1111'1111'8000'80ff, 0x8000'80ff},  // ldsmin w
        {0xb8227023, 0x0000'0001, 0x1111'1111'0000'0001, 0x8000'80ff},  // ldumin w
        {0x38228023, 0xabcd, 0x1111'1111'8000'80cd, 0xff},           // swpb
        {0xb8e28023, 0xdead'beef, 0x1111'1111'dead'beef, 0x8000'80ff},  // swpal w
        {0x78621023, 0x00f0, 0x1111'1111'8000'800f, 0x80ff},         // ldclrlh
        {0xb8a22023, 0xffff'ffff, 0x1111'1111'7fff'7f00, 0x8000'80ff},  // ldeora w
        {0x38223023, 0x00, 0x1111'1111'8000'80ff, 0xff},             // ldsetb
    };
    for (const Case& c : cases) {
        CAPTURE(c.word);
        CpuFixture f;
        f.put<std::uint64_t>(D, 0x1111'1111'8000'80ff);
        f.x(1) = D;
        f.x(2) = c.operand;
        f.x(3) = ~0ull;
        f.run({c.word});
        CHECK(f.get<std::uint64_t>(D) == c.result);
        CHECK(f.x(3) == c.old);
    }
}

TEST_CASE("ST<op> aliases (Rt = 31) update memory and discard the old value") {
    CpuFixture f;
    f.put<std::uint64_t>(D, 40);
    f.put<std::uint32_t>(D + 8, 0xffff'fff0);  // -16
    f.x(1) = D;
    f.x(2) = 2;
    f.cpu.regs.sp() = 0x5;
    const RunResult r = f.run({0xf822003f});  // stadd x2, [x1]
    CHECK(r.retired == 1);
    CHECK(f.get<std::uint64_t>(D) == 42);
    CHECK(f.cpu.regs.sp() == 0x5);

    f.x(1) = D + 8;
    f.run({0xb822403f});  // stsmax w2, [x1]
    CHECK(f.get<std::uint32_t>(D + 8) == 2);
}

TEST_CASE("LSE atomics: SP base, alignment fault on Normal memory, nothing changes") {
    CpuFixture f;
    f.put<std::uint64_t>(D, 10);
    f.cpu.regs.sp() = D;
    f.x(2) = 5;
    RunResult r = f.run({0xf82203e3});  // ldadd x2, x3, [sp]
    CHECK(f.get<std::uint64_t>(D) == 15);
    CHECK(f.x(3) == 10);

    f.x(1) = D + 4;
    f.x(3) = 0x33;
    r = f.run({0xf8220023});  // ldadd x2, x3, [x1]
    check_alignment_fault(r, D + 4, false);  // a read-modify-write: WnR = 0, a read would fault too
    CHECK(f.x(3) == 0x33);
    CHECK(f.get<std::uint64_t>(D) == 15);

    f.x(4) = 0x0900'0000;
    r = f.run({0xf8228083});  // swp x2, x3, [x4]
    CHECK(r.exit.ec() == ExceptionClass::DataAbortLower);
    CHECK(r.exit.far == 0x0900'0000);
    CHECK_FALSE(DataAbortIss::decode(r.exit.iss()).isv);
    CHECK_FALSE(DataAbortIss::decode(r.exit.iss()).wnr);
    CHECK(f.x(3) == 0x33);
}

TEST_CASE("CAS: a hit stores Rt, a miss does not; Rs gets the old value either way") {
    struct Case {
        std::uint32_t word;
        std::uint64_t memory, expected, desired;
        std::uint64_t result, rs;  // memory afterwards (the doubleword), Rs afterwards
    };
    const Case cases[] = {
        {0xc8a27c23, 7, 7, 9, 9, 7},                                     // cas x2, x3: hit
        {0xc8a27c23, 7, 8, 9, 7, 7},                                     // miss
        {0xc8e2fc23, 0xffff'ffff'ffff'ffff, ~0ull, 1, 1, ~0ull},         // casal: hit
        {0x08a27c23, 0xaaaa'aaaa'aaaa'aa12, 0xffff'ff12, 0x34, 0xaaaa'aaaa'aaaa'aa34, 0x12},  // casb: hit on the byte
        {0x08a27c23, 0xaaaa'aaaa'aaaa'aa12, 0x13, 0x34, 0xaaaa'aaaa'aaaa'aa12, 0x12},         // casb: miss
        {0x48a27c23, 0xaaaa'aaaa'aaaa'8001, 0x8001, 0xffff'0102, 0xaaaa'aaaa'aaaa'0102, 0x8001},  // cash: hit
        {0x88a27c23, 0xaaaa'aaaa'8000'0000, 0xffff'ffff'8000'0000, 5, 0xaaaa'aaaa'0000'0005,
         0x8000'0000},                                                   // cas w: hit on the low word
        {0x88e27c23, 0xaaaa'aaaa'8000'0000, 0x8000'0001, 5, 0xaaaa'aaaa'8000'0000, 0x8000'0000},  // casa w: miss
    };
    for (const Case& c : cases) {
        CAPTURE(c.word);
        CpuFixture f;
        f.put<std::uint64_t>(D, c.memory);
        f.x(1) = D;
        f.x(2) = c.expected;
        f.x(3) = c.desired;
        const RunResult r = f.run({c.word});
        CHECK(r.retired == 1);
        CHECK(f.get<std::uint64_t>(D) == c.result);
        CHECK(f.x(2) == c.rs);
        CHECK(f.x(3) == c.desired);
    }
}

TEST_CASE("CAS with Rs = XZR compares with zero and discards the old value") {
    CpuFixture f;
    f.x(1) = D;
    f.x(3) = 0x77;
    f.cpu.regs.sp() = 0x10;
    f.run({0xc8bf7c23});  // cas xzr, x3, [x1]  (memory is 0: a hit)
    CHECK(f.get<std::uint64_t>(D) == 0x77);
    CHECK(f.cpu.regs.sp() == 0x10);
    f.run({0xc8bf7c23});  // miss: memory stays 0x77
    CHECK(f.get<std::uint64_t>(D) == 0x77);
}

TEST_CASE("CASP: both halves must match; Rs:Rs+1 get the old pair") {
    CpuFixture f;
    f.put<std::uint64_t>(D, 0x1111);
    f.put<std::uint64_t>(D + 8, 0x2222);
    f.x(1) = D;
    f.x(4) = 0x1111;
    f.x(5) = 0x2222;
    f.x(6) = 0x6666;
    f.x(7) = 0x7777;
    f.run({0x48247c26});  // casp x4, x5, x6, x7, [x1]: hit
    CHECK(f.get<std::uint64_t>(D) == 0x6666);
    CHECK(f.get<std::uint64_t>(D + 8) == 0x7777);
    CHECK(f.x(4) == 0x1111);
    CHECK(f.x(5) == 0x2222);

    f.x(4) = 0x6666;
    f.x(5) = 0x0000;  // the second half differs
    f.x(6) = 0x8888;
    f.run({0x4864fc26});  // caspal x4, x5, x6, x7, [x1]: miss
    CHECK(f.get<std::uint64_t>(D) == 0x6666);
    CHECK(f.get<std::uint64_t>(D + 8) == 0x7777);
    CHECK(f.x(4) == 0x6666);
    CHECK(f.x(5) == 0x7777);

    // 32-bit: the pair is one doubleword, Rs the low word.
    f.put<std::uint64_t>(D + 16, 0xbbbb'bbbb'aaaa'aaaa);
    f.x(1) = D + 16;
    f.x(4) = 0xffff'ffff'aaaa'aaaa;
    f.x(5) = 0xbbbb'bbbb;
    f.x(6) = 0x1'0000'0006;
    f.x(7) = 7;
    f.run({0x08247c26});  // casp w4, w5, w6, w7, [x1]: hit (only the W halves compare)
    CHECK(f.get<std::uint64_t>(D + 16) == 0x0000'0007'0000'0006);
    CHECK(f.x(4) == 0xaaaa'aaaa);
    CHECK(f.x(5) == 0xbbbb'bbbb);

    // The second register of a pair may be XZR.
    f.put<std::uint64_t>(D, 0x3030);
    f.put<std::uint64_t>(D + 8, 0);
    f.x(1) = D;
    f.x(30) = 0x3030;
    f.x(6) = 0x6060;
    f.x(7) = 0x7070;
    f.cpu.regs.sp() = 0x20;
    f.run({0x483e7c26});  // casp x30, xzr, x6, x7, [x1]: hit, since the high half is 0
    CHECK(f.get<std::uint64_t>(D) == 0x6060);
    CHECK(f.get<std::uint64_t>(D + 8) == 0x7070);
    CHECK(f.x(30) == 0x3030);
    CHECK(f.cpu.regs.sp() == 0x20);
    f.x(4) = 0x6060;
    f.x(5) = 0x7070;
    f.x(30) = 0xabc;
    f.run({0x48247c3e});  // casp x4, x5, x30, xzr, [x1]: hit, stores X30 and zero
    CHECK(f.get<std::uint64_t>(D) == 0xabc);
    CHECK(f.get<std::uint64_t>(D + 8) == 0);
}

TEST_CASE("CASP is aligned to the pair's size") {
    CpuFixture f;
    f.x(1) = D + 8;
    f.x(4) = 0x44;
    RunResult r = f.run({0x48247c26});  // casp x4, x5, x6, x7, [x1]
    check_alignment_fault(r, D + 8, false);
    CHECK(f.x(4) == 0x44);
    f.x(1) = D + 4;
    r = f.run({0x08247c26});  // casp w4, w5, w6, w7, [x1]
    check_alignment_fault(r, D + 4, false);
}

TEST_CASE("an atomic store over a decoded instruction runs the new one") {
    CpuFixture f;
    const std::uint32_t words[] = {0x889ffc41,   // stlr w1, [x2]
                                   0xd2800020};  // movz x0, #1
    f.memory.write(kCodeBase, words, sizeof(words));
    f.cpu.invalidate_code(kCodeBase, sizeof(words));
    f.cpu.regs.pc = kCodeBase + 4;
    f.cpu.run(1);
    CHECK(f.x(0) == 1);
    f.x(1) = 0xd2800540;  // movz x0, #42
    f.x(2) = kCodeBase + 4;
    f.cpu.regs.pc = kCodeBase;
    f.cpu.run(2);
    CHECK(f.x(0) == 42);
}
