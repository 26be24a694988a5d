// v1's handlers and the messages of what v1 does not virtualize.
#include <doctest/doctest.h>

#include "versions/v1/handlers.h"
#include "vm_fixture.h"
#include "vmm/devices/gic.h"
#include "vmm/devices/pl011.h"
#include "vmm/devices/psci.h"

using namespace trapeze;
using namespace trapeze::test;

namespace {
constexpr std::uint32_t MSR_VBAR_X0 = 0xd518c000, HVC_0 = 0xd4000002, STR_W1_X2 = 0xb9000041,
                        LDR_W3_X2_18 = 0xb9401843, NOP = 0xd503201f;

Exit next_exit(VmFixture& f) {
    const RunResult r = f.pcpu.cpu.run(1000);
    REQUIRE(r.exit.reason == ExitReason::Exception);
    return r.exit;
}
}  // namespace

TEST_CASE("v1: the physical timer resumes the guest at the interrupted instruction") {
    VmFixture f(v1::install, {NOP, NOP, NOP});
    f.vcpu().set_pc(kLoad + 8);
    const Action a = v1::handle_physical_timer(f.vcpu());
    CHECK(a.kind == Action::Kind::ResumeAt);
    CHECK(a.pc == kLoad + 8);
}

TEST_CASE("v1: a UART write is emulated and reaches the console; FR reads TX empty") {
    VmFixture f(v1::install, {STR_W1_X2, STR_W1_X2, LDR_W3_X2_18});
    f.vcpu().set_x(2, kPl011Base);
    f.vcpu().set_x(1, 'h');
    f.monitor.handle_exit(f.vcpu(), next_exit(f));
    f.vcpu().set_x(1, '\n');
    f.monitor.handle_exit(f.vcpu(), next_exit(f));
    REQUIRE(f.console.size() == 1);
    CHECK(f.console[0] == "h");
    f.vcpu().set_x(3, ~0ull);
    f.monitor.handle_exit(f.vcpu(), next_exit(f));
    CHECK(f.vcpu().x(3) == 0x90);  // TXFE | RXFE, and the 32-bit load zeroes the top half
    CHECK(f.vcpu().pc() == kLoad + 12);
}

TEST_CASE("v1: PSCI SYSTEM_OFF powers off; other PSCI calls name the version that adds them") {
    VmFixture off(v1::install, {HVC_0});
    off.vcpu().set_x(0, psci::kSystemOff);
    off.monitor.handle_exit(off.vcpu(), next_exit(off));
    CHECK(off.vm.status == VmStatus::PoweredOff);

    VmFixture version(v1::install, {HVC_0});
    version.vcpu().set_x(0, psci::kVersion);
    version.monitor.handle_exit(version.vcpu(), next_exit(version));
    CHECK(version.vm.status == VmStatus::Failed);
    CHECK(version.vm.stop_reason.find("v1: HVC #0x0 (PSCI PSCI_VERSION) is not virtualized here") == 0);
    CHECK(version.vm.stop_reason.find("version v2 adds it") != std::string::npos);
}

TEST_CASE("v1: MSR VBAR_EL1 stops the VM with the message that names v2") {
    VmFixture f(v1::install, {MSR_VBAR_X0});
    f.monitor.handle_exit(f.vcpu(), next_exit(f));
    CHECK(f.vm.status == VmStatus::Failed);
    CHECK(f.vm.stop_reason ==
          "v1: MSR VBAR_EL1, x0 is not virtualized here (at pc=0x40080000 _start); version v2 adds it");
}

TEST_CASE("v1: the GIC is not a v1 device; memory outside the VM stops it") {
    VmFixture gic(v1::install, {STR_W1_X2});
    gic.vcpu().set_x(2, kGicDistributorBase);
    gic.monitor.handle_exit(gic.vcpu(), next_exit(gic));
    CHECK(gic.vm.stop_reason.find("version v2 adds it") != std::string::npos);

    VmFixture wild(v1::install, {STR_W1_X2});
    wild.vcpu().set_x(2, 0x1000);
    wild.monitor.handle_exit(wild.vcpu(), next_exit(wild));
    CHECK(wild.vm.status == VmStatus::Failed);
    CHECK(wild.vm.stop_reason.find("does not own") != std::string::npos);
}
