// v3's handlers: from a vCPU state and a real exit, the exact whole next state -- every
// general register, both stack pointers, PC, PSTATE and every virtual system register.
#include <doctest/doctest.h>

#include "support/vcpu_snapshot.h"
#include "versions/v2/handlers.h"
#include "versions/v3/handlers.h"
#include "vm_fixture.h"
#include "vmm/devices/pl011.h"

using namespace trapeze;
using namespace trapeze::test;

namespace {

// Instruction words (llvm-mc --triple=aarch64 -show-encoding).
constexpr std::uint32_t SVC_12 = 0xd4000241, BRK_7 = 0xd42000e0, HVC_0 = 0xd4000002, SMC_0 = 0xd4000003,
                        HLT_0 = 0xd4400000, UDF_1 = 0x00000001, ERET = 0xd69f03e0, NOP = 0xd503201f,
                        MRS_X0_SCTLR = 0xd5381000, MRS_X0_SCTLR_EL3 = 0xd53e1000, MRS_X6_HCR_EL2 = 0xd53c1106,
                        MRS_X7_ID_RESERVED = 0xd5380487, MRS_X1_CNTVCT = 0xd53be041, MRS_X5_CURRENTEL = 0xd5384245,
                        MSR_DAIFCLR_2 = 0xd50342ff, MSR_SPSEL_0 = 0xd50040bf, MSR_PAN_1 = 0xd500419f,
                        MSR_SP_EL0_X1 = 0xd5184101, MRS_X1_SP_EL0 = 0xd5384101, LDXR_X1_X2 = 0xc85f7c41,
                        STXR_W3_X4_X2 = 0xc8037c44, WFI = 0xd503207f, LDR_X1_X2 = 0xf9400041,
                        STR_X1_X2 = 0xf9000041, LDRSB_X1_X0_18 = 0x39806001, BR_X1 = 0xd61f0020,
                        DC_ZVA_X0 = 0xd50b7420, TLBI_VMALLE1 = 0xd508871f, MRS_X3_CTR = 0xd53b0023,
                        MSR_TPIDRRO_X0 = 0xd51bd060, MRS_X0_TPIDRRO = 0xd53bd060;

constexpr std::uint64_t kVbar = 0x4009'0000;
constexpr std::uint64_t kSpEl0 = 0x4007'0ff0, kSpEl1 = 0x4007'8000;
constexpr std::uint32_t kEsrUndefined = 0x0200'0000;

// A v3 VM whose vCPU is at `mode` (EL0t, EL1t or EL1h) with both stack pointers, the
// vectors and the general registers set to recognisable values.
struct V3 : VmFixture {
    V3(const std::vector<std::uint32_t>& words, std::uint32_t mode, std::uint32_t nzcv_daif = 0)
        : VmFixture(v3::install, words) {
        Vcpu& v = vcpu();
        v.set_pstate(pstate::kEL1h);
        v.regs().sp() = kSpEl1;
        v.set_sp_el0(kSpEl0);
        v.set_sysreg(SysregId::VBAR_EL1, kVbar);
        for (unsigned n = 0; n < 31; ++n) v.set_x(n, 0x1000 + n);
        v.set_pstate(mode | nzcv_daif);
    }
    // Run to the next exit and let the monitor handle it as the run loop would.
    Exit step() {
        vcpu().sync_to_cpu();
        const RunResult r = pcpu.cpu.run(1000);
        pcpu.clock_ns += r.retired;
        REQUIRE(r.exit.reason == ExitReason::Exception);
        monitor.handle_exit(vcpu(), r.exit);
        return r.exit;
    }
    VcpuSnapshot state() const { return VcpuSnapshot::of(const_cast<V3*>(this)->vcpu()); }
};

// The expected state after a synchronous exception from `before`'s EL to the guest kernel.
VcpuSnapshot after_exception(VcpuSnapshot s, std::uint64_t vector_offset, std::uint32_t esr,
                             std::uint64_t return_address) {
    s.set_sysreg(SysregId::ESR_EL1, esr);
    s.set_sysreg(SysregId::ELR_EL1, return_address);
    s.set_sysreg(SysregId::SPSR_EL1, s.pstate);
    s.pstate = (s.pstate & pstate::kNzcvMask) | pstate::kDaifMask | pstate::kEL1h;
    s.pc = kVbar + vector_offset;
    return s;
}

}  // namespace

TEST_CASE("SVC from EL0 enters VBAR_EL1 + 0x400 with EC 0x15, ELR after the SVC, SPSR = the user's PSTATE") {
    V3 f({SVC_12}, pstate::kEL0t, kFlagZ | kFlagC);
    const VcpuSnapshot before = f.state();
    f.step();
    CHECK_VCPU_STATE(f.vcpu(), after_exception(before, 0x400, 0x5600'0012, kLoad + 4));
    CHECK(f.vcpu().regs().sp() == kSpEl1);  // the kernel runs on SP_EL1
    CHECK(f.vcpu().forwarded_by_ec[0x15] == 1);
}

TEST_CASE("SVC at EL1h enters +0x200, at EL1t +0x000") {
    V3 h({SVC_12}, pstate::kEL1h);
    VcpuSnapshot before = h.state();
    h.step();
    CHECK_VCPU_STATE(h.vcpu(), after_exception(before, 0x200, 0x5600'0012, kLoad + 4));

    V3 t({SVC_12}, pstate::kEL1t, pstate::kI);
    before = t.state();
    t.step();
    CHECK_VCPU_STATE(t.vcpu(), after_exception(before, 0x000, 0x5600'0012, kLoad + 4));
}

TEST_CASE("a vIRQ taken at EL0 enters +0x480 and saves the user's context exactly") {
    V3 f({NOP, NOP}, pstate::kEL0t, kFlagN);
    f.vcpu().set_pc(kLoad + 4);
    const VcpuSnapshot before = f.state();
    CHECK(v2::deliver_irq(f.vcpu()));
    VcpuSnapshot want = before;
    want.set_sysreg(SysregId::ELR_EL1, kLoad + 4);  // the interrupted instruction, not the next
    want.set_sysreg(SysregId::SPSR_EL1, kFlagN | pstate::kEL0t);
    want.pstate = kFlagN | pstate::kDaifMask | pstate::kEL1h;
    want.pc = kVbar + 0x480;
    CHECK_VCPU_STATE(f.vcpu(), want);
}

TEST_CASE("vIRQ vector offsets: EL1t +0x080, EL1h +0x280") {
    for (auto [mode, offset] : {std::pair{pstate::kEL1t, 0x080ull}, std::pair{pstate::kEL1h, 0x280ull}}) {
        V3 f({NOP}, mode);
        CHECK(v2::deliver_irq(f.vcpu()));
        CHECK(f.vcpu().pc() == kVbar + offset);
        CHECK(f.vcpu().sysreg(SysregId::SPSR_EL1) == mode);
    }
}

TEST_CASE("ERET returns to EL0t, EL1t and EL1h with the right SP, NZCV and DAIF") {
    struct Case {
        std::uint32_t spsr;
        std::uint64_t live_sp;
    };
    for (const Case c : {Case{kFlagV | pstate::kEL0t, kSpEl0}, Case{pstate::kF | pstate::kEL1t, kSpEl0},
                         Case{kFlagN | pstate::kI | pstate::kEL1h, kSpEl1}}) {
        V3 f({ERET}, pstate::kEL1h, pstate::kDaifMask);
        f.vcpu().set_sysreg(SysregId::SPSR_EL1, c.spsr);
        f.vcpu().set_sysreg(SysregId::ELR_EL1, 0x4008'1000);
        VcpuSnapshot want = f.state();
        want.pstate = c.spsr;
        want.pc = 0x4008'1000;
        f.step();
        CHECK_VCPU_STATE(f.vcpu(), want);
        CHECK(f.vcpu().regs().sp() == c.live_sp);
    }
}

TEST_CASE("an illegal ERET keeps EL and SP, sets PSTATE.IL, and the next instruction raises EC 0x0E") {
    // SPSR_EL1.M naming EL2h, EL3h, AArch32 (M[4] = 1), EL0 with SP_ELx, and the reserved M[1].
    for (std::uint32_t mode : {0b01001u, 0b01101u, 0b10000u, 0b00001u, 0b00110u}) {
        CAPTURE(mode);
        V3 f({ERET, NOP, NOP}, pstate::kEL1h, pstate::kDaifMask);
        f.vcpu().set_sysreg(SysregId::SPSR_EL1, kFlagC | pstate::kI | mode);
        f.vcpu().set_sysreg(SysregId::ELR_EL1, kLoad + 8);
        VcpuSnapshot want = f.state();
        want.pstate = kFlagC | pstate::kI | pstate::kIL | pstate::kEL1h;
        want.pc = kLoad + 8;
        f.step();
        CHECK_VCPU_STATE(f.vcpu(), want);
        // The NOP at ELR does not run: it raises the Illegal Execution state exception.
        const VcpuSnapshot before = f.state();
        const Exit e = f.step();
        CHECK(e.ec() == ExceptionClass::IllegalState);
        CHECK(f.vcpu().retired == 0);
        VcpuSnapshot entered = after_exception(before, 0x200, 0x3a00'0000, kLoad + 8);
        entered.pstate &= ~pstate::kIL;  // taking the exception clears IL; SPSR_EL1 keeps it
        CHECK_VCPU_STATE(f.vcpu(), entered);
        CHECK((f.vcpu().sysreg(SysregId::SPSR_EL1) & pstate::kIL) != 0);
    }
}

TEST_CASE("ERET and HVC are UNDEFINED at EL0; SMC and HLT everywhere; BRK reports its immediate") {
    struct Case {
        std::uint32_t word, mode, esr;
        std::uint64_t offset;
    };
    for (const Case c : {Case{ERET, pstate::kEL0t, kEsrUndefined, 0x400}, Case{HVC_0, pstate::kEL0t, kEsrUndefined, 0x400},
                         Case{SMC_0, pstate::kEL1h, kEsrUndefined, 0x200}, Case{HLT_0, pstate::kEL1h, kEsrUndefined, 0x200},
                         Case{UDF_1, pstate::kEL0t, kEsrUndefined, 0x400}, Case{BRK_7, pstate::kEL0t, 0xf200'0007, 0x400},
                         Case{BRK_7, pstate::kEL1h, 0xf200'0007, 0x200}}) {
        CAPTURE(c.word);
        V3 f({c.word}, c.mode);
        const VcpuSnapshot before = f.state();
        f.step();
        CHECK_VCPU_STATE(f.vcpu(), after_exception(before, c.offset, c.esr, kLoad));
        CHECK(f.vm.running());
    }
}

TEST_CASE("EL1 registers are UNDEFINED at EL0; EL2/EL3 registers at EL1; the ID space reads as zero") {
    struct Case {
        std::uint32_t word, mode;
    };
    for (const Case c : {Case{MRS_X0_SCTLR, pstate::kEL0t}, Case{MRS_X5_CURRENTEL, pstate::kEL0t},
                         Case{MSR_SP_EL0_X1, pstate::kEL0t}, Case{MSR_TPIDRRO_X0, pstate::kEL0t},
                         Case{MRS_X0_SCTLR_EL3, pstate::kEL1h}, Case{MRS_X6_HCR_EL2, pstate::kEL1h},
                         Case{TLBI_VMALLE1, pstate::kEL0t}}) {
        CAPTURE(c.word);
        V3 f({c.word}, c.mode);
        const VcpuSnapshot before = f.state();
        f.step();
        CHECK_VCPU_STATE(f.vcpu(), after_exception(before, c.mode == pstate::kEL0t ? 0x400 : 0x200, kEsrUndefined, kLoad));
    }
    V3 id({MRS_X7_ID_RESERVED}, pstate::kEL1h);
    VcpuSnapshot want = id.state();
    want.x[7] = 0;
    want.pc = kLoad + 4;
    id.step();
    CHECK_VCPU_STATE(id.vcpu(), want);
}

TEST_CASE("TPIDRRO_EL0 is read-only at EL0 and read-write at EL1") {
    V3 f({MSR_TPIDRRO_X0, MRS_X0_TPIDRRO}, pstate::kEL1h);
    f.vcpu().set_x(0, 0x77);
    f.step();
    f.vcpu().set_pstate(pstate::kEL0t);
    f.vcpu().set_x(0, 0);
    f.step();
    CHECK(f.vcpu().x(0) == 0x77);
    CHECK(f.vcpu().pc() == kLoad + 8);
}

TEST_CASE("CNTVCT_EL0 at EL0: trapped to the kernel (EC 0x18) unless CNTKCTL_EL1.EL0VCTEN lets it through") {
    V3 closed({MRS_X1_CNTVCT}, pstate::kEL0t);
    const VcpuSnapshot before = closed.state();
    const Exit e = closed.step();
    CHECK_VCPU_STATE(closed.vcpu(), after_exception(before, 0x400, e.esr, kLoad));
    CHECK(e.esr == 0x6234'f821);  // EC 0x18: Op0 3, Op2 2, Op1 3, CRn 14, Rt 1, CRm 0, read

    V3 open({MRS_X1_CNTVCT}, pstate::kEL0t);
    open.vcpu().set_sysreg(SysregId::CNTKCTL_EL1, 2);
    open.pcpu.clock_ns = 16 * 1234;
    VcpuSnapshot want = open.state();
    want.x[1] = 1234;
    want.pc = kLoad + 4;
    open.step();
    CHECK_VCPU_STATE(open.vcpu(), want);
}

TEST_CASE("CTR_EL0 and DAIF at EL0 follow SCTLR_EL1.UCT and SCTLR_EL1.UMA") {
    V3 ctr({MRS_X3_CTR}, pstate::kEL0t);
    ctr.vcpu().set_sysreg(SysregId::SCTLR_EL1, ctr.vcpu().sysreg(SysregId::SCTLR_EL1) & ~(1ull << 15));
    VcpuSnapshot before = ctr.state();
    Exit e = ctr.step();
    CHECK_VCPU_STATE(ctr.vcpu(), after_exception(before, 0x400, e.esr, kLoad));

    V3 daif({MSR_DAIFCLR_2}, pstate::kEL0t, pstate::kDaifMask);
    before = daif.state();
    e = daif.step();
    CHECK(e.ec() == ExceptionClass::SysRegister);
    CHECK_VCPU_STATE(daif.vcpu(), after_exception(before, 0x400, e.esr, kLoad));

    V3 uma({MSR_DAIFCLR_2}, pstate::kEL0t, pstate::kDaifMask);
    uma.vcpu().set_sysreg(SysregId::SCTLR_EL1, uma.vcpu().sysreg(SysregId::SCTLR_EL1) | (1ull << 9));
    VcpuSnapshot want = uma.state();
    want.pstate &= ~pstate::kI;
    want.pc = kLoad + 4;
    uma.step();
    CHECK_VCPU_STATE(uma.vcpu(), want);
}

TEST_CASE("CurrentEL reads EL1 as 0b0100 at EL1") {
    V3 f({MRS_X5_CURRENTEL}, pstate::kEL1h);
    f.step();
    CHECK(f.vcpu().x(5) == 0x4);
}

TEST_CASE("MSR SPSel #0 moves EL1 onto SP_EL0; SP_EL0 reads and writes the banked register") {
    V3 f({MSR_SPSEL_0, MRS_X1_SP_EL0}, pstate::kEL1h);
    VcpuSnapshot want = f.state();
    want.pstate = pstate::kEL1t;
    want.pc = kLoad + 4;
    f.step();
    CHECK_VCPU_STATE(f.vcpu(), want);
    CHECK(f.vcpu().regs().sp() == kSpEl0);
    f.step();
    CHECK(f.vcpu().x(1) == kSpEl0);

    V3 w({MSR_SP_EL0_X1}, pstate::kEL1h);
    w.vcpu().set_x(1, 0x4006'0000);
    w.step();
    CHECK(w.vcpu().sp_el0() == 0x4006'0000);
    CHECK(w.vcpu().regs().sp() == kSpEl1);

    V3 pan({MSR_PAN_1}, pstate::kEL1h);  // no PAN on this machine: UNDEFINED
    const VcpuSnapshot before = pan.state();
    pan.step();
    CHECK_VCPU_STATE(pan.vcpu(), after_exception(before, 0x200, kEsrUndefined, kLoad));
}

TEST_CASE("exception entry and ERET clear the exclusive monitor") {
    // LDXR; SVC -> the vector's STXR fails.
    V3 f({LDXR_X1_X2, SVC_12}, pstate::kEL0t);
    f.vcpu().set_x(2, kLoad + 0x100);
    const std::uint32_t stxr = STXR_W3_X4_X2;
    f.vm.memory().write(kVbar + 0x400, &stxr, 4);
    f.step();
    f.vcpu().sync_to_cpu();
    f.pcpu.cpu.run(1);
    CHECK(f.vcpu().x(3) == 1);

    // LDXR; ERET -> the STXR at ELR fails.
    V3 e({LDXR_X1_X2, ERET, STXR_W3_X4_X2}, pstate::kEL1h);
    e.vcpu().set_x(2, kLoad + 0x100);
    e.vcpu().set_sysreg(SysregId::ELR_EL1, kLoad + 8);
    e.vcpu().set_sysreg(SysregId::SPSR_EL1, pstate::kEL1h);
    e.step();
    e.vcpu().sync_to_cpu();
    e.pcpu.cpu.run(1);
    CHECK(e.vcpu().x(3) == 1);

    // Without the exception the same pair succeeds: the test can tell the difference.
    V3 plain({LDXR_X1_X2, STXR_W3_X4_X2}, pstate::kEL1h);
    plain.vcpu().set_x(2, kLoad + 0x100);
    plain.vcpu().sync_to_cpu();
    plain.pcpu.cpu.run(2);
    CHECK(plain.vcpu().x(3) == 0);
}

TEST_CASE("WFI at EL0 traps to the kernel when SCTLR_EL1.nTWI = 0, and blocks the vCPU when it is 1") {
    V3 trapped({WFI}, pstate::kEL0t);
    trapped.vcpu().set_sysreg(SysregId::SCTLR_EL1, trapped.vcpu().sysreg(SysregId::SCTLR_EL1) & ~(1ull << 16));
    const VcpuSnapshot before = trapped.state();
    trapped.step();
    CHECK_VCPU_STATE(trapped.vcpu(), after_exception(before, 0x400, 0x07e0'0000, kLoad));

    V3 blocks({WFI}, pstate::kEL0t);
    VcpuSnapshot want = blocks.state();
    want.pc = kLoad + 4;
    want.state = VcpuState::Blocked;
    blocks.step();
    CHECK_VCPU_STATE(blocks.vcpu(), want);
}

TEST_CASE("an access to no memory is a synchronous external abort: EC 0x25 from EL1, 0x24 from EL0") {
    V3 load({LDR_X1_X2}, pstate::kEL1h);
    load.vcpu().set_x(2, 0x1000'0000);
    VcpuSnapshot before = load.state();
    load.step();
    VcpuSnapshot want = after_exception(before, 0x200, 0x9600'0010, kLoad);
    want.set_sysreg(SysregId::FAR_EL1, 0x1000'0000);
    CHECK_VCPU_STATE(load.vcpu(), want);

    V3 store({STR_X1_X2}, pstate::kEL0t);
    store.vcpu().set_x(2, 0x1000'0008);
    before = store.state();
    store.step();
    want = after_exception(before, 0x400, 0x9200'0050, kLoad);  // EC 0x24, WnR, FSC 0x10
    want.set_sysreg(SysregId::FAR_EL1, 0x1000'0008);
    CHECK_VCPU_STATE(store.vcpu(), want);
}

TEST_CASE("with the MMU off an unaligned access faults into the kernel with ISV = 0") {
    V3 f({LDR_X1_X2}, pstate::kEL1h);
    f.vcpu().set_x(2, kLoad + 0x101);
    const VcpuSnapshot before = f.state();
    f.step();
    VcpuSnapshot want = after_exception(before, 0x200, 0x9600'0021, kLoad);
    want.set_sysreg(SysregId::FAR_EL1, kLoad + 0x101);
    CHECK_VCPU_STATE(f.vcpu(), want);
}

TEST_CASE("a device is still emulated, and a sign-extending load keeps its sign") {
    V3 f({LDRSB_X1_X0_18}, pstate::kEL1h);
    f.vcpu().set_x(0, kPl011Base);
    VcpuSnapshot want = f.state();
    want.x[1] = 0xffff'ffff'ffff'ff90;  // FR = TXFE | RXFE = 0x90, sign-extended from bit 7
    want.pc = kLoad + 4;
    f.step();
    CHECK_VCPU_STATE(f.vcpu(), want);
}

TEST_CASE("a branch to an unaligned address raises PC alignment with FAR_EL1 = ELR_EL1 = the target") {
    V3 f({BR_X1}, pstate::kEL0t);
    f.vcpu().set_x(1, kLoad + 0x42);
    VcpuSnapshot before = f.state();
    before.pc = kLoad + 0x42;  // the BR retires; the fetch at its target faults
    f.step();
    VcpuSnapshot want = after_exception(before, 0x400, 0x8a00'0000, kLoad + 0x42);
    want.set_sysreg(SysregId::FAR_EL1, kLoad + 0x42);
    CHECK_VCPU_STATE(f.vcpu(), want);
}

TEST_CASE("DC ZVA with the MMU off hits Device memory: an alignment fault with WnR, at the block's address") {
    V3 f({DC_ZVA_X0}, pstate::kEL1h);
    f.vcpu().set_x(0, kLoad + 0x1234);
    const VcpuSnapshot before = f.state();
    f.step();
    VcpuSnapshot want = after_exception(before, 0x200, 0x9600'0061, kLoad);
    want.set_sysreg(SysregId::FAR_EL1, kLoad + 0x1200);
    CHECK_VCPU_STATE(f.vcpu(), want);
}

TEST_CASE("an instruction abort on the guest's own vector stops the VM instead of looping") {
    V3 f({UDF_1}, pstate::kEL1h);
    f.vcpu().set_sysreg(SysregId::VBAR_EL1, 0x1000'0000);  // no memory there
    f.step();  // UNDEFINED -> forwarded to 0x10000200
    CHECK(f.vcpu().pc() == 0x1000'0200);
    f.step();
    CHECK(f.vm.status == VmStatus::Failed);
    CHECK(f.vm.stop_reason ==
          "v3: the guest kernel's exception vector at 0x10000200 cannot be fetched (IFSC 0x04): no guest can handle that");
}
