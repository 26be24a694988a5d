// System instructions at EL0: the exact syndrome of every trap, that a trap retires nothing,
// and what executes natively (hints, barriers, CLREX, NZCV, TPIDR_EL0). Also the policy table.
#include <doctest/doctest.h>

#include <string>

#include "decoder/decoder.h"
#include "emulator/trap_policy.h"
#include "support/cpu_fixture.h"

using namespace trapeze;
using namespace trapeze::test;

namespace {

struct TrapCase {
    std::uint32_t word;
    std::uint32_t esr;  // worked out field by field from the manual's ESR_EL1 layout
    const char* text;
};

// EC 0x18 ISS: Op0 [21:20], Op2 [19:17], Op1 [16:14], CRn [13:10], Rt [9:5], CRm [4:1], Direction [0].
// ESR = EC << 26 | IL (1 << 25) | ISS.
const TrapCase kTraps[] = {
    // Op0=3 Op2=0 Op1=0 CRn=12 Rt=0 CRm=0 write
    {0xd518c000, 0x62303000, "msr vbar_el1, x0"},
    // Op0=3 Op2=2 Op1=3 CRn=14 Rt=3 CRm=0 read
    {0xd53be043, 0x6234f861, "mrs x3, cntvct_el0"},
    // Op0=0 Op2=6 Op1=3 CRn=4 Rt=31 CRm=2 write (SCTLR_EL1.UMA = 0)
    {0xd50342df, 0x620cd3e4, "msr daifset, #2"},
    // Op0=0 Op2=7 Op1=3 CRn=4 Rt=31 CRm=15 write
    {0xd5034fff, 0x620ed3fe, "msr daifclr, #15"},
    // Op0=1 Op2=0 Op1=0 CRn=8 Rt=31 CRm=7 write
    {0xd508871f, 0x621023ee, "tlbi vmalle1"},
    // Op0=1 Op2=1 Op1=3 CRn=7 Rt=5 CRm=14 write
    {0xd50b7e25, 0x6212dcbc, "dc civac, x5"},
    // Op0=1 Op2=0 Op1=0 CRn=7 Rt=0 CRm=5 read
    {0xd5287500, 0x62101c0b, "sysl x0, #0, c7, c5, #0"},
    // Op0=3 Op2=1 Op1=3 CRn=4 Rt=0 CRm=2 read
    {0xd53b4220, 0x6232d005, "mrs x0, daif"},
    // Op0=3 Op2=1 Op1=3 CRn=14 Rt=0 CRm=3 write
    {0xd51be320, 0x6232f806, "msr cntv_ctl_el0, x0"},
    // Op0=3 Op2=0 Op1=0 CRn=12 Rt=0 CRm=12 read
    {0xd538cc00, 0x62303019, "mrs x0, icc_iar1_el1"},
    // Op0=2 Op2=2 Op1=0 CRn=0 Rt=1 CRm=2 read
    {0xd5300241, 0x62240025, "mrs x1, mdscr_el1"},
    // Exception generation: ISS = imm16.
    {0xd4000841, 0x56000042, "svc #0x42"},
    {0xd4000002, 0x5a000000, "hvc #0"},
    {0xd4000023, 0x5e000001, "smc #1"},
    {0xd4200060, 0xf2000003, "brk #3"},
    // WFx: CV=1, COND=0b1110, TI = 00 (WFI) / 01 (WFE).
    {0xd503207f, 0x07e00000, "wfi"},
    {0xd503205f, 0x07e00001, "wfe"},
    // UNDEFINED at EL0: EC 0x00, IL=1, ISS 0.
    {0xd4400080, 0x02000000, "hlt #4"},
    {0xd69f03e0, 0x02000000, "eret"},
    {0xd69f0bff, 0x02000000, "eretaa"},
    {0xd6bf03e0, 0x02000000, "drps"},
    {0xd50041bf, 0x02000000, "msr spsel, #1"},
    {0xd500419f, 0x02000000, "msr pan, #1"},
};

}  // namespace

TEST_CASE("each trap reports the syndrome EL1 would see, at the trapping instruction") {
    for (const TrapCase& c : kTraps) {
        CAPTURE(c.text);
        CpuFixture f;
        const RunResult r = f.run({c.word});
        CHECK(r.exit.reason == ExitReason::Exception);
        CHECK(r.exit.esr == c.esr);
        CHECK(r.exit.pc == kCodeBase);
        CHECK(r.exit.instruction == c.word);
        CHECK(r.retired == 0);
        CHECK(f.cpu.regs.pc == kCodeBase);
    }
}

TEST_CASE("the registers the policy names all trap with EC 0x18 and their own fields") {
    struct Case {
        std::uint32_t word;
        unsigned op0, op1, crn, crm, op2, rt;
        bool read;
        const char* text;
    };
    const Case cases[] = {
        {0xd51b4221, 3, 3, 4, 2, 1, 1, false, "msr daif, x1"},
        {0xd53b0020, 3, 3, 0, 0, 1, 0, true, "mrs x0, ctr_el0"},
        {0xd53b00e0, 3, 3, 0, 0, 7, 0, true, "mrs x0, dczid_el0"},
        {0xd53be000, 3, 3, 14, 0, 0, 0, true, "mrs x0, cntfrq_el0"},
        {0xd51be340, 3, 3, 14, 3, 2, 0, false, "msr cntv_cval_el0, x0"},
        {0xd518cc20, 3, 0, 12, 12, 1, 0, false, "msr icc_eoir1_el1, x0"},
        {0xd5184600, 3, 0, 4, 6, 0, 0, false, "msr icc_pmr_el1, x0"},
        {0xd5181002, 3, 0, 1, 0, 0, 2, false, "msr sctlr_el1, x2"},
        {0xd5384240, 3, 0, 4, 2, 2, 0, true, "mrs x0, currentel"},
        {0xd538f200, 3, 0, 15, 2, 0, 0, true, "mrs x0, s3_0_c15_c2_0"},
        {0xd53bd064, 3, 3, 13, 0, 3, 4, true, "mrs x4, tpidrro_el0"},
        {0xd53b4505, 3, 3, 4, 5, 0, 5, true, "mrs x5, dspsr_el0"},
        {0xd508751f, 1, 0, 7, 5, 0, 31, false, "ic iallu"},
        {0xd5087800, 1, 0, 7, 8, 0, 0, false, "at s1e1r, x0"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.text);
        CpuFixture f;
        const RunResult r = f.run({c.word});
        REQUIRE(r.exit.reason == ExitReason::Exception);
        CHECK(r.exit.ec() == ExceptionClass::SysRegister);
        const std::uint32_t iss = (c.op0 << 20) | (c.op2 << 17) | (c.op1 << 14) | (c.crn << 10) | (c.rt << 5) |
                                  (c.crm << 1) | (c.read ? 1u : 0u);
        CHECK(r.exit.iss() == iss);
        CHECK(r.retired == 0);
    }
}

TEST_CASE("a trapped instruction leaves PC at itself and retires nothing after the ones before it") {
    CpuFixture f;
    f.x(1) = 0x55;
    const RunResult r = f.run({0xd2800020,    // mov x0, #1
                               0xd4000001,    // svc #0
                               0xd2800041});  // mov x1, #2
    CHECK(r.retired == 1);
    CHECK(r.exit.esr == 0x56000000);
    CHECK(r.exit.pc == kCodeBase + 4);
    CHECK(f.cpu.regs.pc == kCodeBase + 4);
    CHECK(f.x(0) == 1);
    CHECK(f.x(1) == 0x55);

    // Resuming after the trap (what the layer above does for SVC: PC + 4) continues normally.
    f.cpu.regs.pc = kCodeBase + 8;
    const RunResult resumed = f.cpu.run(1);
    CHECK(resumed.retired == 1);
    CHECK(f.x(1) == 2);
}

TEST_CASE("a trapping MRS writes nothing to Rt") {
    CpuFixture f;
    f.x(3) = 0x1234;
    f.run({0xd53be043});  // mrs x3, cntvct_el0
    CHECK(f.x(3) == 0x1234);
}

TEST_CASE("NZCV reads and writes execute natively") {
    CpuFixture f;
    f.x(0) = 0xffff'ffff'ffff'ffff;
    const RunResult r = f.run({0xd51b4200,    // msr nzcv, x0
                               0xd53b4201});  // mrs x1, nzcv
    CHECK(r.exit.reason == ExitReason::InstructionLimit);
    CHECK(r.retired == 2);
    CHECK(f.nzcv() == 0xf000'0000);  // only bits 31..28 exist
    CHECK(f.x(1) == 0xf000'0000);

    // The flags written take effect: Z set makes b.eq branch.
    f.x(0) = kFlagZ;
    f.run({0xd51b4200, 0x54000040}, 2);  // msr nzcv, x0; b.eq .+8 (from 0x4: to 0xc)
    CHECK(f.cpu.regs.pc == kCodeBase + 0xc);

    // MRS to XZR discards the value.
    f.run({0xd53b421f});  // mrs xzr, nzcv
    CHECK(f.cpu.regs.x[31] == 0);
}

TEST_CASE("TPIDR_EL0 reads and writes execute natively and live in the register file") {
    CpuFixture f;
    f.x(2) = 0xdead'beef'0000'1234;
    const RunResult r = f.run({0xd51bd042,    // msr tpidr_el0, x2
                               0xd53bd043});  // mrs x3, tpidr_el0
    CHECK(r.exit.reason == ExitReason::InstructionLimit);
    CHECK(r.retired == 2);
    CHECK(f.cpu.regs.tpidr_el0 == 0xdead'beef'0000'1234);
    CHECK(f.x(3) == 0xdead'beef'0000'1234);

    f.cpu.regs.tpidr_el0 = 42;  // as the layer above restores it on a context switch
    f.run({0xd53bd043});
    CHECK(f.x(3) == 42);
}

TEST_CASE("hints and barriers execute as no-ops") {
    CpuFixture f;
    f.x(0) = 7;
    const RunResult r = f.run({0xd503201f,    // nop
                               0xd503203f,    // yield
                               0xd503209f,    // sev
                               0xd50320bf,    // sevl
                               0xd503245f,    // hint #34
                               0xd5033f9f,    // dsb sy
                               0xd5033bbf,    // dmb ish
                               0xd5033fdf});  // isb
    CHECK(r.exit.reason == ExitReason::InstructionLimit);
    CHECK(r.retired == 8);
    CHECK(f.cpu.regs.pc == kCodeBase + 32);
    CHECK(f.x(0) == 7);
}

TEST_CASE("CLREX clears the exclusive monitor") {
    CpuFixture f;
    f.cpu.mark_exclusive(kDataBase, 8);
    f.run({0xd503201f});  // nop: the monitor stays set
    CHECK(f.cpu.check_and_clear_exclusive(kDataBase, 8));

    f.cpu.mark_exclusive(kDataBase, 8);
    f.run({0xd5033f5f});  // clrex
    CHECK_FALSE(f.cpu.check_and_clear_exclusive(kDataBase, 8));
}

TEST_CASE("the decoder rows of the system space decode as the manual's encodings") {
    CHECK(decode(0xd503245f).op == Op::HINT);     // hint #34
    CHECK(decode(0xd50342df).op == Op::MSR_imm);  // msr daifset, #2
    CHECK(decode(0xd508871f).op == Op::SYS);      // tlbi vmalle1
    CHECK(decode(0xd5287500).op == Op::SYSL);     // sysl x0, #0, c7, c5, #0
    CHECK(decode(0xd518c000).op == Op::MSR_reg);  // msr vbar_el1, x0
    CHECK(decode(0xd53be043).op == Op::MRS);      // mrs x3, cntvct_el0
    CHECK(decode(0xd69f0bff).op == Op::ERETA);    // eretaa
    CHECK(decode(0xd65f03c0).op == Op::RET);      // ret
    CHECK(decode(0xd5033f5f).op == Op::CLREX);    // clrex
}

TEST_CASE("the policy table: lookups, names for traces, and the listing") {
    const TrapDecision vbar = trap_policy(0xd518c000u);  // msr vbar_el1, x0
    CHECK(vbar.action == TrapAction::Exit);
    CHECK(vbar.esr == 0x62303000);
    REQUIRE(vbar.rule != nullptr);
    CHECK(vbar.rule->ec == ExceptionClass::SysRegister);

    const TrapDecision nzcv = trap_policy(0xd53b4201u);  // mrs x1, nzcv
    CHECK(nzcv.action == TrapAction::Native);
    CHECK(nzcv.native == NativeRegister::Nzcv);
    CHECK(trap_policy(0xd51bd042u).native == NativeRegister::TpidrEl0);  // msr tpidr_el0, x2

    CHECK(trap_policy(0xd2800020u).rule == nullptr);  // mov x0, #1: not a system instruction

    CHECK(system_access_text(0xd518c000) == "MSR VBAR_EL1");
    CHECK(system_access_text(0xd53be043) == "MRS CNTVCT_EL0");
    CHECK(system_access_text(0xd50342df) == "MSR DAIFSet");
    CHECK(system_access_text(0xd50041bf) == "MSR SPSel");
    CHECK(system_access_text(0xd508871f) == "TLBI VMALLE1");
    CHECK(system_access_text(0xd50b7e25) == "DC CIVAC");
    CHECK(system_access_text(0xd538cc00) == "MRS ICC_IAR1_EL1");
    CHECK(system_access_text(0xd538f200) == "MRS S3_0_C15_C2_0");
    CHECK(system_access_text(0xd5287500) == "SYSL #0, C7, C5, #0");
    CHECK(system_access_text(0xd2800020).empty());

    const auto listing = render_trap_policy();
    CHECK(listing.size() == trap_rules().size + 1);  // a header and one row per rule
    auto has = [&](std::string_view needle) {
        for (const std::string& row : listing)
            if (row.find(needle) != std::string::npos) return true;
        return false;
    };
    CHECK(has("MRS/MSR NZCV"));
    CHECK(has("MSR (immediate) DAIFSet"));
    CHECK(has("EC 0x18 SYS64"));
    CHECK(has("EC 0x01 WFx"));
    CHECK(has("native"));
}

TEST_CASE("every rule of the policy is reachable from some instruction word") {
    // The system rules are tried in order: a rule hidden behind an earlier, wider one would
    // never decide anything. Sweep the whole Op0:Op1:CRn:CRm:Op2 space of every form.
    const TrapRuleTable table = trap_rules();
    std::vector<bool> seen(table.size, false);
    struct Form {
        std::uint32_t base;  // the fixed bits
        unsigned bits;       // how many field bits above bit 5 vary
    };
    const Form forms[] = {
        {0xd5300000, 15},  // MRS: Op0<0>:Op1:CRn:CRm:Op2 in bits 19..5
        {0xd5100000, 15},  // MSR (register)
        {0xd5080000, 14},  // SYS: Op1:CRn:CRm:Op2 in bits 18..5
        {0xd5280000, 14},  // SYSL
    };
    for (const Form& form : forms)
        for (std::uint32_t fields = 0; fields < (1u << form.bits); ++fields) {
            const TrapDecision d = trap_policy(form.base | (fields << 5));
            if (d.rule) seen[static_cast<std::size_t>(d.rule - table.rows)] = true;
        }
    // MSR (immediate): Op1 (bits 18..16), CRm (11..8), Op2 (7..5); CRn = 4, Rt = 31.
    for (std::uint32_t op1 = 0; op1 < 8; ++op1)
        for (std::uint32_t crm = 0; crm < 16; ++crm)
            for (std::uint32_t op2 = 0; op2 < 8; ++op2) {
                const TrapDecision d = trap_policy(0xd500401fu | (op1 << 16) | (crm << 8) | (op2 << 5));
                if (d.rule) seen[static_cast<std::size_t>(d.rule - table.rows)] = true;
            }
    for (std::size_t i = 0; i < table.size; ++i) {
        if (table.rows[i].forms == 0) continue;  // instruction rules are found by Op
        CAPTURE(table.rows[i].name);
        CHECK(seen[i]);
    }
}
