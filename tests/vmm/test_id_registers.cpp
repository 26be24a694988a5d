// The identification registers say exactly what Trapeze implements: their values through a
// trapped MRS, the instructions each claimed feature brings (decoded) and the ones it leaves
// out (UNDEFINED), the debug registers they announce, an absent PMU, and the EL0 gates of the
// physical timer and counter.
#include <doctest/doctest.h>

#include <string>

#include "decoder/decoder.h"
#include "versions/v3/handlers.h"
#include "vm_fixture.h"
#include "vmm/el0_access.h"
#include "vmm/sysreg_emulation.h"

using namespace trapeze;
using namespace trapeze::test;

namespace {

constexpr std::uint32_t mrs_x0(unsigned op0, unsigned op1, unsigned crn, unsigned crm, unsigned op2) {
    return 0xd5300000u | ((op0 - 2) << 19) | (op1 << 16) | (crn << 12) | (crm << 8) | (op2 << 5);
}

struct IdValue {
    const char* name;
    unsigned op0, op1, crn, crm, op2;
    std::uint64_t value;
};

// Values chosen in vmm/sysregs.inc; each field is the manual's.
constexpr IdValue kIdValues[] = {
    {"MIDR_EL1", 3, 0, 0, 0, 0, 0x000F'0010},
    {"MPIDR_EL1", 3, 0, 0, 0, 5, 0x8000'0000},
    {"REVIDR_EL1", 3, 0, 0, 0, 6, 0},
    {"ID_PFR0_EL1", 3, 0, 0, 1, 0, 0},
    {"ID_ISAR0_EL1", 3, 0, 0, 2, 0, 0},
    {"MVFR0_EL1", 3, 0, 0, 3, 0, 0},
    // EL0 [3:0] = 1 and EL1 [7:4] = 1 (AArch64 only), EL2/EL3 absent, FP [19:16] = 0 and
    // AdvSIMD [23:20] = 0 (implemented, no half precision), GIC [27:24] = 1 (system registers),
    // CSV2 [59:56] = 1 and CSV3 [63:60] = 1 (nothing is executed speculatively).
    {"ID_AA64PFR0_EL1", 3, 0, 0, 4, 0, 0x1100'0000'0100'0011ull},
    {"ID_AA64PFR1_EL1", 3, 0, 0, 4, 1, 0},
    {"ID_AA64ZFR0_EL1", 3, 0, 0, 4, 4, 0},
    // DebugVer [3:0] = 6 (Armv8), BRPs [15:12] = 1 and WRPs [23:20] = 1 (two of each), PMUVer 0.
    {"ID_AA64DFR0_EL1", 3, 0, 0, 5, 0, 0x0010'1006},
    {"ID_AA64DFR1_EL1", 3, 0, 0, 5, 1, 0},
    {"ID_AA64AFR0_EL1", 3, 0, 0, 5, 4, 0},
    {"ID_AA64AFR1_EL1", 3, 0, 0, 5, 5, 0},
    // AES [7:4] = 2 (with PMULL), SHA1 [11:8] = 1, SHA2 [15:12] = 1, CRC32 [19:16] = 1, Atomic [23:20] = 2.
    {"ID_AA64ISAR0_EL1", 3, 0, 0, 6, 0, 0x0021'1120},
    {"ID_AA64ISAR1_EL1", 3, 0, 0, 6, 1, 0x0010'0000},  // LRCPC [23:20] = 1
    {"ID_AA64ISAR2_EL1", 3, 0, 0, 6, 2, 0},
    // PARange 0 (32 bits), ASIDBits 2 (16), TGran16 0 and TGran64 0xF (absent), TGran4 0 (4 KiB).
    {"ID_AA64MMFR0_EL1", 3, 0, 0, 7, 0, 0x0F00'0020},
    // ECBHB [63:60] = 1: branch history cannot steer indirect branches across an exception
    // (an interpreter predicts nothing); HAFDBS, VMIDBits, VH, HPDS, LO, PAN... 0.
    {"ID_AA64MMFR1_EL1", 3, 0, 0, 7, 1, 0x1000'0000'0000'0000ull},
    {"ID_AA64MMFR2_EL1", 3, 0, 0, 7, 2, 0},
    {"CTR_EL0", 3, 3, 0, 0, 1, 0x8004'C004},
    {"DCZID_EL0", 3, 3, 0, 0, 7, 0x14},
    {"OSLSR_EL1", 2, 0, 1, 1, 4, 0x8},
    {"MDRAR_EL1", 2, 0, 1, 0, 0, 0},
};

}  // namespace

TEST_CASE("each ID register reads its value through a trapped MRS at virtual EL1 (v3)") {
    for (const IdValue& id : kIdValues) {
        CAPTURE(id.name);
        VmFixture f(v3::install, {mrs_x0(id.op0, id.op1, id.crn, id.crm, id.op2)});
        f.vcpu().set_x(0, 0xdead);
        const RunResult r = f.pcpu.cpu.run(1);
        REQUIRE(r.exit.reason == ExitReason::Exception);
        f.monitor.handle_exit(f.vcpu(), r.exit);
        CHECK(f.vm.running());
        CHECK(f.vcpu().x(0) == id.value);
        CHECK(f.vcpu().pc() == kLoad + 4);
    }
}

TEST_CASE("MIDR_EL1's fields say a software CPU, r0p0, whose features the ID registers name (v3)") {
    VmFixture f(v3::install, {mrs_x0(3, 0, 0, 0, 0)});
    const RunResult r = f.pcpu.cpu.run(1);
    REQUIRE(r.exit.reason == ExitReason::Exception);
    f.monitor.handle_exit(f.vcpu(), r.exit);
    const std::uint64_t midr = f.vcpu().x(0);
    CHECK((midr >> 32) == 0);              // RES0
    CHECK(((midr >> 24) & 0xff) == 0x00);  // Implementer: reserved for software use
    CHECK(((midr >> 20) & 0xf) == 0);      // Variant: r0
    CHECK(((midr >> 16) & 0xf) == 0xf);    // Architecture: individually identified by the ID registers
    CHECK(((midr >> 4) & 0xfff) == 0x001); // PartNum
    CHECK((midr & 0xf) == 0);              // Revision: p0
}

TEST_CASE("the features the ID registers claim decode; the ones they leave out are UNDEFINED") {
    struct Word {
        const char* what;
        std::uint32_t word;
    };
    const Word claimed[] = {
        {"LDADD (ISAR0.Atomic = 2)", 0xb8200041},      {"CRC32B (ISAR0.CRC32 = 1)", 0x1ac24020},
        {"AESE (ISAR0.AES >= 1)", 0x4e284820},         {"PMULL2 1Q (ISAR0.AES = 2)", 0x4ee2e020},
        {"SHA1C (ISAR0.SHA1 = 1)", 0x5e020020},        {"SHA256H (ISAR0.SHA2 = 1)", 0x5e024020},
        {"LDAPR (ISAR1.LRCPC = 1)", 0xb8bfc020},        {"FADD d0, d1, d2 (PFR0.FP = 0)", 0x1e622820},
    };
    for (const Word& w : claimed) {
        CAPTURE(w.what);
        CHECK_FALSE(decode(w.word).undefined());
    }
    const Word absent[] = {
        {"SHA512H (ISAR0.SHA2 < 2)", 0xce628020},        {"EOR3 (ISAR0.SHA3 = 0)", 0xce020c20},
        {"SQRDMLAH (ISAR0.RDM = 0)", 0x6e828420},        {"SDOT (ISAR0.DP = 0)", 0x4e829420},
        {"FJCVTZS (ISAR1.JSCVT = 0)", 0x1e7e0020},       {"FADD h0, h1, h2 (PFR0.FP = 0, no FP16)", 0x1ee22820},
    };
    for (const Word& w : absent) {
        CAPTURE(w.what);
        CHECK(decode(w.word).undefined());
    }
}

TEST_CASE("the debug registers ID_AA64DFR0_EL1 announces are kept; the OS lock shows in OSLSR_EL1") {
    VmFixture f(v3::install, {0xd503201f});
    Vcpu& v = f.vcpu();
    for (const SysregId id : {SysregId::DBGBVR1_EL1, SysregId::DBGBCR1_EL1, SysregId::DBGWVR1_EL1,
                              SysregId::DBGWCR1_EL1, SysregId::MDSCR_EL1, SysregId::OSDLR_EL1}) {
        write_sysreg(v, id, 0x1234);
        CHECK(read_sysreg(v, id) == 0x1234);
    }
    write_sysreg(v, SysregId::OSLAR_EL1, 1);
    CHECK(read_sysreg(v, SysregId::OSLSR_EL1) == 0xA);  // OSLK = 1
    write_sysreg(v, SysregId::OSLAR_EL1, 0);
    CHECK(read_sysreg(v, SysregId::OSLSR_EL1) == 0x8);
}

TEST_CASE("without a PMU (PMUVer = 0), MRS PMCR_EL0 is UNDEFINED: the guest kernel takes EC 0x00") {
    VmFixture f(v3::install, {mrs_x0(3, 3, 9, 12, 0)});
    Vcpu& v = f.vcpu();
    v.set_sysreg(SysregId::VBAR_EL1, kLoad + 0x800);
    const RunResult r = f.pcpu.cpu.run(1);
    REQUIRE(r.exit.reason == ExitReason::Exception);
    f.monitor.handle_exit(v, r.exit);
    CHECK(f.vm.running());
    CHECK(v.sysreg(SysregId::ESR_EL1) == 0x0200'0000);  // EC 0x00, IL = 1
    CHECK(v.sysreg(SysregId::ELR_EL1) == kLoad);
    CHECK(v.pc() == kLoad + 0x800 + 0x200);  // current EL with SP_ELx, synchronous
}

TEST_CASE("EL0 reaches the physical timer only with CNTKCTL_EL1.EL0PTEN, its counter with EL0PCTEN") {
    VmFixture f(v3::install, {0xd503201f});
    Vcpu& v = f.vcpu();
    const SysRegIss cntp_ctl{3, 3, 14, 2, 1, 0, true}, cntpct{3, 3, 14, 0, 1, 0, true};
    CHECK(el0_access(v, cntp_ctl).verdict == El0Verdict::TrapToEl1);
    CHECK(el0_access(v, cntpct).verdict == El0Verdict::TrapToEl1);
    v.set_sysreg(SysregId::CNTKCTL_EL1, 1u << 9);  // EL0PTEN
    CHECK(el0_access(v, cntp_ctl).verdict == El0Verdict::Allowed);
    CHECK(el0_access(v, cntpct).verdict == El0Verdict::TrapToEl1);
    v.set_sysreg(SysregId::CNTKCTL_EL1, 1u << 0);  // EL0PCTEN
    CHECK(el0_access(v, cntp_ctl).verdict == El0Verdict::TrapToEl1);
    CHECK(el0_access(v, cntpct).verdict == El0Verdict::Allowed);
}
