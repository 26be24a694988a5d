// Branches: offsets both ways and across pages, every condition code, the link register,
// and the PC alignment fault of a misaligned register branch.
#include <doctest/doctest.h>

#include <vector>

#include "support/cpu_fixture.h"

using namespace trapeze;
using namespace trapeze::test;

namespace {

// Place words at `offset` from kCodeBase without running them (code longer than a page).
void place(CpuFixture& f, std::uint64_t offset, std::initializer_list<std::uint32_t> words) {
    std::vector<std::uint32_t> code(words);
    f.memory.write(kCodeBase + offset, code.data(), code.size() * 4);
    f.cpu.invalidate_code(kCodeBase + offset, code.size() * 4);
}

RunResult run_from(CpuFixture& f, std::uint64_t offset, std::uint64_t budget) {
    f.cpu.regs.pc = kCodeBase + offset;
    return f.cpu.run(budget);
}

// ConditionHolds as the manual's table states it, written out per condition.
bool manual_condition(unsigned cond, unsigned nzcv) {
    const bool n = nzcv & 8, z = nzcv & 4, c = nzcv & 2, v = nzcv & 1;
    switch (cond) {
        case 0x0: return z;                  // EQ
        case 0x1: return !z;                 // NE
        case 0x2: return c;                  // CS
        case 0x3: return !c;                 // CC
        case 0x4: return n;                  // MI
        case 0x5: return !n;                 // PL
        case 0x6: return v;                  // VS
        case 0x7: return !v;                 // VC
        case 0x8: return c && !z;            // HI
        case 0x9: return !c || z;            // LS
        case 0xa: return n == v;             // GE
        case 0xb: return n != v;             // LT
        case 0xc: return !z && n == v;       // GT
        case 0xd: return z || n != v;        // LE
        default: return true;                // AL, NV
    }
}

}  // namespace

TEST_CASE("B forward and backward") {
    CpuFixture f;
    const RunResult r = f.run({0x14000003,    // 0x00: b 0x0c
                               0xd2800062,    // 0x04: mov x2, #3
                               0x14000003,    // 0x08: b 0x14
                               0xd2800041,    // 0x0c: mov x1, #2
                               0x17fffffd,    // 0x10: b 0x04
                               0xd503201f},   // 0x14: nop
                              5);
    CHECK(r.retired == 5);
    CHECK(r.exit.reason == ExitReason::InstructionLimit);
    CHECK(f.x(1) == 2);
    CHECK(f.x(2) == 3);
    CHECK(f.cpu.regs.pc == kCodeBase + 0x14);
}

TEST_CASE("B crosses page boundaries both ways") {
    CpuFixture f;
    place(f, 0x18, {0x14000402});    // 0x0018: b 0x1020
    place(f, 0x1020, {0xd28000e0,    // 0x1020: mov x0, #7
                      0x17fffbfe});  // 0x1024: b 0x001c (.-0x1008, back to the first page)
    place(f, 0x1c, {0xd2800121});    // 0x001c: mov x1, #9
    const RunResult r = run_from(f, 0x18, 4);
    CHECK(r.retired == 4);
    CHECK(f.x(0) == 7);
    CHECK(f.x(1) == 9);
    CHECK(f.cpu.regs.pc == kCodeBase + 0x20);
}

TEST_CASE("a loop whose conditional branch sits on the next page") {
    CpuFixture f;
    place(f, 0xffc, {0xf1000400,    // 0x0ffc: subs x0, x0, #1
                     0x54ffffe1,    // 0x1000: b.ne 0x0ffc
                     0xd2800025});  // 0x1004: mov x5, #1
    f.x(0) = 3;
    const RunResult r = run_from(f, 0xffc, 7);
    CHECK(r.retired == 7);
    CHECK(f.x(0) == 0);
    CHECK(f.x(5) == 1);
    CHECK(f.cpu.regs.pc == kCodeBase + 0x1008);
}

TEST_CASE("the largest offsets reach exactly: B imm26, CBZ imm19, TBZ/TBNZ imm14") {
    // Targets outside the VM's memory: the fetch there faults and the exit names the target.
    struct Case {
        std::uint32_t word;
        std::int64_t offset;
        const char* text;
    };
    const Case cases[] = {
        {0x16000000, -0x8000000, "b .-0x8000000"},
        {0x15ffffff, 0x7fffffc, "b .+0x7fffffc"},
        {0xb4800000, -0x100000, "cbz x0, .-0x100000"},
        {0x36040001, -0x8000, "tbz w1, #0, .-0x8000"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.text);
        CpuFixture f;
        f.x(0) = 0;
        f.x(1) = 0;
        const RunResult r = f.run({c.word}, 2);
        CHECK(r.retired == 1);
        CHECK(r.exit.ec() == ExceptionClass::InstructionAbortLower);
        CHECK(r.exit.pc == kCodeBase + static_cast<std::uint64_t>(c.offset));
    }
    // TBNZ's largest forward offset stays inside RAM.
    CpuFixture f;
    f.x(1) = 1ull << 63;
    f.run({0xb7fbffe1});  // tbnz x1, #63, .+0x7ffc
    CHECK(f.cpu.regs.pc == kCodeBase + 0x7ffc);
}

TEST_CASE("B.cond follows ConditionHolds for every condition and every NZCV") {
    // b.<cond> .+8 for cond = EQ, NE, CS, CC, MI, PL, VS, VC, HI, LS, GE, LT, GT, LE, AL, NV
    const std::uint32_t words[16] = {0x54000040, 0x54000041, 0x54000042, 0x54000043, 0x54000044, 0x54000045,
                                     0x54000046, 0x54000047, 0x54000048, 0x54000049, 0x5400004a, 0x5400004b,
                                     0x5400004c, 0x5400004d, 0x5400004e, 0x5400004f};
    CpuFixture f;
    for (unsigned cond = 0; cond < 16; ++cond) {
        for (unsigned flags = 0; flags < 16; ++flags) {
            CAPTURE(cond);
            CAPTURE(flags);
            f.cpu.regs.nzcv = flags << 28;
            f.run({words[cond]});
            CHECK(f.cpu.regs.pc == kCodeBase + (manual_condition(cond, flags) ? 8 : 4));
        }
    }
}

TEST_CASE("B.cond backward") {
    CpuFixture f;
    f.cpu.regs.nzcv = 0;  // Z clear: NE holds
    f.run({0xd503201f, 0xd503201f, 0x54ffffc1}, 3);  // nop; nop; b.ne .-8
    CHECK(f.cpu.regs.pc == kCodeBase);
}

TEST_CASE("CBZ/CBNZ test 32 or 64 bits") {
    CpuFixture f;
    f.x(3) = 0x1'0000'0000;  // W3 is zero, X3 is not
    f.run({0x34000043});     // cbz w3, .+8
    CHECK(f.cpu.regs.pc == kCodeBase + 8);
    f.run({0xb4000043});  // cbz x3, .+8
    CHECK(f.cpu.regs.pc == kCodeBase + 4);
    f.run({0x35000043});  // cbnz w3, .+8
    CHECK(f.cpu.regs.pc == kCodeBase + 4);
    f.run({0xb5000043});  // cbnz x3, .+8
    CHECK(f.cpu.regs.pc == kCodeBase + 8);
}

TEST_CASE("TBZ/TBNZ on bit 0, bit 31 and bit 63") {
    CpuFixture f;
    f.x(1) = 0x8000'0000'0000'0000;  // only bit 63 set
    f.run({0x36000041});             // tbz w1, #0, .+8
    CHECK(f.cpu.regs.pc == kCodeBase + 8);
    f.run({0x37000041});  // tbnz w1, #0, .+8
    CHECK(f.cpu.regs.pc == kCodeBase + 4);
    f.run({0xb6f80041});  // tbz x1, #63, .+8
    CHECK(f.cpu.regs.pc == kCodeBase + 4);
    f.run({0xb7f80041});  // tbnz x1, #63, .+8
    CHECK(f.cpu.regs.pc == kCodeBase + 8);
    f.run({0x36f80041});  // tbz w1, #31, .+8: bit 31 is clear
    CHECK(f.cpu.regs.pc == kCodeBase + 8);

    f.x(1) = 0x8000'0001;  // bits 31 and 0 set, bit 63 clear
    f.run({0x37000041});   // tbnz w1, #0, .+8
    CHECK(f.cpu.regs.pc == kCodeBase + 8);
    f.run({0x36f80041});  // tbz w1, #31, .+8
    CHECK(f.cpu.regs.pc == kCodeBase + 4);
    f.run({0xb6f80041});  // tbz x1, #63, .+8
    CHECK(f.cpu.regs.pc == kCodeBase + 8);
    f.run({0xb7f80041});  // tbnz x1, #63, .+8
    CHECK(f.cpu.regs.pc == kCodeBase + 4);
}

TEST_CASE("BL and BLR link to the next instruction") {
    CpuFixture f;
    f.run({0x94000002});  // bl .+8
    CHECK(f.x(30) == kCodeBase + 4);
    CHECK(f.cpu.regs.pc == kCodeBase + 8);

    f.x(5) = kCodeBase + 0x40;
    f.x(30) = 0;
    f.run({0xd63f00a0});  // blr x5
    CHECK(f.x(30) == kCodeBase + 4);
    CHECK(f.cpu.regs.pc == kCodeBase + 0x40);
}

TEST_CASE("BLR X30 jumps to the old X30") {
    CpuFixture f;
    f.x(30) = kCodeBase + 0x20;
    f.run({0xd63f03c0});  // blr x30
    CHECK(f.cpu.regs.pc == kCodeBase + 0x20);
    CHECK(f.x(30) == kCodeBase + 4);
}

TEST_CASE("RET uses X30 by default, BR and RET Xn any register, also on another page") {
    CpuFixture f;
    f.x(30) = kCodeBase + 0x10;
    f.run({0xd65f03c0});  // ret
    CHECK(f.cpu.regs.pc == kCodeBase + 0x10);
    CHECK(f.x(30) == kCodeBase + 0x10);

    f.x(7) = kCodeBase + 0x3000;
    f.run({0xd65f00e0});  // ret x7
    CHECK(f.cpu.regs.pc == kCodeBase + 0x3000);

    f.x(1) = kCodeBase + 0x24;
    f.run({0xd61f0020});  // br x1
    CHECK(f.cpu.regs.pc == kCodeBase + 0x24);
}

TEST_CASE("a misaligned BR/RET target raises the PC alignment fault at the target") {
    for (const std::uint32_t word : {0xd61f0020u /* br x1 */, 0xd65f0020u /* ret x1 */}) {
        CpuFixture f;
        f.x(1) = kCodeBase + 0x102;
        const RunResult r = f.run({word}, 2);
        CHECK(r.retired == 1);  // the branch retired; the fetch from the target faulted
        CHECK(r.exit.reason == ExitReason::Exception);
        CHECK(r.exit.esr == 0x8a000000);  // EC 0x22, IL 1, ISS 0
        CHECK(r.exit.pc == kCodeBase + 0x102);
        CHECK(r.exit.far == kCodeBase + 0x102);
    }
    // BLR links before the fault, as the branch itself completed.
    CpuFixture f;
    f.x(1) = kCodeBase + 0x101;
    const RunResult r = f.run({0xd63f0020}, 2);  // blr x1
    CHECK(r.exit.ec() == ExceptionClass::PcAlignment);
    CHECK(f.x(30) == kCodeBase + 4);
}
