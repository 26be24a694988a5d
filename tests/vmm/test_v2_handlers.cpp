// v2's handlers: from a given vCPU state and a real exit, the exact next state.
#include <doctest/doctest.h>

#include "versions/v2/handlers.h"
#include "vm_fixture.h"
#include "vmm/devices/psci.h"

using namespace trapeze;
using namespace trapeze::test;

namespace {

constexpr std::uint32_t MSR_VBAR_X0 = 0xd518c000, MRS_X1_VBAR = 0xd538c001, MSR_DAIFSET_2 = 0xd50342df,
                        MSR_DAIFCLR_2 = 0xd50342ff, MRS_X2_DAIF = 0xd53b4222, MSR_DAIF_X3 = 0xd51b4223,
                        ERET = 0xd69f03e0, WFI = 0xd503207f, WFE = 0xd503205f, HVC_0 = 0xd4000002,
                        MRS_X4_CNTVCT = 0xd53be044, MSR_CNTV_TVAL_X5 = 0xd51be305, MSR_TTBR0_X0 = 0xd5182000,
                        MSR_SCTLR_X1 = 0xd5181001, TLBI_VMALLE1 = 0xd508871f, MRS_X2_HCR_EL2 = 0xd53c1102,
                        NOP = 0xd503201f;

// Runs the vCPU until its next exit (none of these test programs runs long).
Exit next_exit(VmFixture& f) {
    const RunResult r = f.pcpu.cpu.run(1000);
    f.pcpu.clock_ns += r.retired;
    REQUIRE(r.exit.reason == ExitReason::Exception);
    return r.exit;
}

}  // namespace

TEST_CASE("MSR/MRS VBAR_EL1 keep irq_handler in the virtual state, bits 10..0 RES0") {
    VmFixture f(v2::install, {MSR_VBAR_X0, MRS_X1_VBAR});
    f.vcpu().set_x(0, 0x4008'0FFF);
    Exit e = next_exit(f);
    CHECK(e.ec() == ExceptionClass::SysRegister);
    Action a = v2::handle_sysreg(f.vcpu(), e);
    CHECK(a.kind == Action::Kind::ResumeNext);
    CHECK(f.vcpu().sysreg(SysregId::VBAR_EL1) == 0x4008'0800);
    f.monitor.handle_exit(f.vcpu(), e);  // the monitor applies it: PC + 4
    CHECK(f.vcpu().pc() == kLoad + 4);
    e = next_exit(f);
    f.monitor.handle_exit(f.vcpu(), e);
    CHECK(f.vcpu().x(1) == 0x4008'0800);
    CHECK(f.vcpu().pc() == kLoad + 8);
}

TEST_CASE("irq_bit: DAIFSet, DAIFClr and MSR/MRS DAIF change only the virtual PSTATE") {
    VmFixture f(v2::install, {MSR_DAIFCLR_2, MRS_X2_DAIF, MSR_DAIFSET_2, MSR_DAIF_X3});
    CHECK(f.vcpu().daif() == pstate::kDaifMask);  // reset: all masked
    f.monitor.handle_exit(f.vcpu(), next_exit(f));
    CHECK(f.vcpu().daif() == (pstate::kD | pstate::kA | pstate::kF));
    CHECK_FALSE(f.vcpu().irqs_masked());
    f.monitor.handle_exit(f.vcpu(), next_exit(f));
    CHECK(f.vcpu().x(2) == (pstate::kD | pstate::kA | pstate::kF));
    f.monitor.handle_exit(f.vcpu(), next_exit(f));
    CHECK(f.vcpu().irqs_masked());
    f.vcpu().set_x(3, 0);
    f.monitor.handle_exit(f.vcpu(), next_exit(f));
    CHECK(f.vcpu().daif() == 0);
    CHECK(f.vcpu().pc() == kLoad + 16);
}

TEST_CASE("a vIRQ taken at EL1h saves PC and PSTATE and enters VBAR_EL1 + 0x280 with DAIF masked") {
    VmFixture f(v2::install, {NOP, NOP, NOP});
    Vcpu& v = f.vcpu();
    v.set_sysreg(SysregId::VBAR_EL1, 0x4009'0000);
    v.set_pc(kLoad + 8);
    v.set_daif(0);
    v.regs().nzcv = kFlagZ | kFlagC;
    v.regs().sp() = 0x4000'8000;
    REQUIRE(v.el() == 1);
    REQUIRE(v.sp_sel());
    CHECK(v2::deliver_irq(v));
    CHECK(v.sysreg(SysregId::ELR_EL1) == kLoad + 8);
    CHECK(v.sysreg(SysregId::SPSR_EL1) == (kFlagZ | kFlagC | pstate::kEL1h));
    CHECK(v.pc() == 0x4009'0280);
    CHECK(v.daif() == pstate::kDaifMask);
    CHECK(v.el() == 1);
    CHECK(v.regs().sp() == 0x4000'8000);  // still SP_EL1
}

TEST_CASE("a vIRQ taken at EL1t uses the SP_EL0 block of the vector table (+0x080)") {
    VmFixture f(v2::install, {NOP});
    Vcpu& v = f.vcpu();
    v.set_sysreg(SysregId::VBAR_EL1, 0x4009'0000);
    v.set_pstate(pstate::kEL1t);
    CHECK(v2::deliver_irq(v));
    CHECK(v.pc() == 0x4009'0080);
    CHECK(v.sysreg(SysregId::SPSR_EL1) == pstate::kEL1t);
}

TEST_CASE("with irq_bit set, no vIRQ is injected and nothing changes") {
    VmFixture f(v2::install, {NOP});
    Vcpu& v = f.vcpu();
    v.set_sysreg(SysregId::VBAR_EL1, 0x4009'0000);
    const std::uint64_t pc = v.pc();
    CHECK_FALSE(v2::deliver_irq(v));
    CHECK(v.pc() == pc);
    CHECK(v.sysreg(SysregId::ELR_EL1) == 0);
}

TEST_CASE("ERET returns to ELR_EL1 in the state of SPSR_EL1, switching the stack pointer bank") {
    VmFixture f(v2::install, {ERET});
    Vcpu& v = f.vcpu();
    v.regs().sp() = 0x1000;  // SP_EL1
    v.set_sp_el0(0x2000);
    v.set_sysreg(SysregId::ELR_EL1, 0x4008'1234 & ~3ull);
    v.set_sysreg(SysregId::SPSR_EL1, kFlagN | pstate::kF | pstate::kEL1t);
    f.monitor.handle_exit(f.vcpu(), next_exit(f));
    CHECK(v.pc() == (0x4008'1234 & ~3ull));
    CHECK(v.regs().nzcv == kFlagN);
    CHECK(v.daif() == pstate::kF);
    CHECK_FALSE(v.sp_sel());
    CHECK(v.regs().sp() == 0x2000);  // now SP_EL0 is live
    CHECK(v.sp_el1() == 0x1000);
}

TEST_CASE("WFI blocks the vCPU after the instruction; WFE does not wait") {
    VmFixture f(v2::install, {WFI, WFE});
    f.monitor.handle_exit(f.vcpu(), next_exit(f));
    CHECK(f.vcpu().state == VcpuState::Blocked);
    CHECK(f.vcpu().pc() == kLoad + 4);
    f.vcpu().state = VcpuState::Runnable;
    f.monitor.handle_exit(f.vcpu(), next_exit(f));
    CHECK(f.vcpu().state == VcpuState::Runnable);
    CHECK(f.vcpu().pc() == kLoad + 8);
}

TEST_CASE("PSCI over HVC: VERSION, FEATURES, CPU_ON (not in v2) and SYSTEM_OFF") {
    VmFixture f(v2::install, {HVC_0, HVC_0, HVC_0, HVC_0});
    Vcpu& v = f.vcpu();
    v.set_x(0, psci::kVersion);
    f.monitor.handle_exit(v, next_exit(f));
    CHECK(v.x(0) == 0x10001);
    CHECK(v.pc() == kLoad + 4);
    v.set_x(0, psci::kFeatures);
    v.set_x(1, psci::kCpuOn);
    f.monitor.handle_exit(v, next_exit(f));
    CHECK(v.x(0) == static_cast<std::uint64_t>(psci::kNotSupported));
    v.set_x(0, psci::kSystemOff);
    f.monitor.handle_exit(v, next_exit(f));
    CHECK(f.vm.status == VmStatus::PoweredOff);
}

TEST_CASE("PSCI CPU_ON on v2 stops the VM naming v7") {
    VmFixture f(v2::install, {HVC_0});
    f.vcpu().set_x(0, psci::kCpuOn);
    f.monitor.handle_exit(f.vcpu(), next_exit(f));
    CHECK(f.vm.status == VmStatus::Failed);
    CHECK(f.vm.stop_reason.find("version v7 adds it") != std::string::npos);
}

TEST_CASE("the virtual timer: TVAL sets CVAL from the counter, CNTVCT counts one tick per 16 instructions") {
    VmFixture f(v2::install, {MRS_X4_CNTVCT, MSR_CNTV_TVAL_X5});
    f.pcpu.clock_ns = 16 * 1000;
    f.monitor.handle_exit(f.vcpu(), next_exit(f));
    CHECK(f.vcpu().x(4) == 1000);
    f.vcpu().set_x(5, 500);
    f.monitor.handle_exit(f.vcpu(), next_exit(f));
    CHECK(f.vcpu().timer.cval == 1500);
}

TEST_CASE("v2 keeps the MMU registers but turning the MMU on, or a TLBI, stops the VM naming v3") {
    VmFixture f(v2::install, {MSR_TTBR0_X0, MSR_SCTLR_X1});
    f.vcpu().set_x(0, 0x4010'0000);
    f.monitor.handle_exit(f.vcpu(), next_exit(f));
    CHECK(f.vm.running());
    CHECK(f.vcpu().sysreg(SysregId::TTBR0_EL1) == 0x4010'0000);
    f.vcpu().set_x(1, f.vcpu().sysreg(SysregId::SCTLR_EL1) | kSctlrM);
    f.monitor.handle_exit(f.vcpu(), next_exit(f));
    CHECK(f.vm.status == VmStatus::Failed);
    CHECK(f.vm.stop_reason.find("MSR SCTLR_EL1, x1 is not virtualized here") != std::string::npos);
    CHECK(f.vm.stop_reason.find("version v3 adds it") != std::string::npos);

    VmFixture tlbi(v2::install, {TLBI_VMALLE1});
    tlbi.monitor.handle_exit(tlbi.vcpu(), next_exit(tlbi));
    CHECK(tlbi.vm.stop_reason.find("v2: TLBI VMALLE1 is not virtualized here") == 0);
    CHECK(tlbi.vm.stop_reason.find("version v3 adds it") != std::string::npos);
}

TEST_CASE("PSCI SYSTEM_RESET reloads the image and restarts vCPU 0 at the entry, EL1h, DAIF masked") {
    VmFixture f(v2::install, {NOP, HVC_0});
    Vcpu& v = f.vcpu();
    v.set_x(0, psci::kSystemReset);
    v.set_x(5, 55);
    v.set_daif(0);
    v.set_sysreg(SysregId::VBAR_EL1, 0x4009'0000);
    const Exit hvc = next_exit(f);
    const std::uint32_t scribble = 0xdeadbeef;
    f.vm.memory().write(kLoad, &scribble, 4);  // as if the guest had written over its own image
    f.monitor.handle_exit(v, hvc);
    CHECK(f.vm.running());
    CHECK(v.pc() == kLoad);
    CHECK(v.x(5) == 0);
    CHECK(v.daif() == pstate::kDaifMask);
    CHECK(v.sysreg(SysregId::VBAR_EL1) == 0);
    std::uint32_t word = 0;
    f.vm.memory().read(kLoad, &word, 4);
    CHECK(word == NOP);
}

TEST_CASE("a register this machine lacks is named, and v3 said to handle it (as UNDEFINED)") {
    VmFixture f(v2::install, {MRS_X2_HCR_EL2});
    f.monitor.handle_exit(f.vcpu(), next_exit(f));
    CHECK(f.vm.status == VmStatus::Failed);
    CHECK(f.vm.stop_reason == "v2: MRS x2, HCR_EL2 is not virtualized here (at pc=0x40080000 _start); version v3 adds it");
}

TEST_CASE("PSCI_FEATURES answers SUCCESS for each function v2 implements and NOT_SUPPORTED for the rest") {
    struct Case {
        std::uint32_t function;
        std::int32_t answer;
    };
    for (const Case c : {Case{psci::kVersion, psci::kSuccess}, Case{psci::kFeatures, psci::kSuccess},
                         Case{psci::kSystemOff, psci::kSuccess}, Case{psci::kSystemReset, psci::kSuccess},
                         Case{psci::kCpuOn, psci::kNotSupported}, Case{psci::kCpuOff, psci::kNotSupported},
                         Case{psci::kAffinityInfo, psci::kNotSupported}, Case{0xc400'0099, psci::kNotSupported}}) {
        CAPTURE(c.function);
        VmFixture f(v2::install, {HVC_0});
        f.vcpu().set_x(0, psci::kFeatures);
        f.vcpu().set_x(1, c.function);
        f.monitor.handle_exit(f.vcpu(), next_exit(f));
        CHECK(f.vcpu().x(0) == static_cast<std::uint64_t>(static_cast<std::int64_t>(c.answer)));
        CHECK(f.vcpu().pc() == kLoad + 4);
    }
}
