// The monitor's run loop: a broken handler stops its VM, never the monitor; the budget and
// a WFI that nothing can end stop a VM with the reason.
#include <doctest/doctest.h>

#include <stdexcept>

#include "versions/v2/handlers.h"
#include "vm_fixture.h"

using namespace trapeze;
using namespace trapeze::test;

namespace {
constexpr std::uint32_t MSR_VBAR_X0 = 0xd518c000, B_SELF = 0x14000000, WFI = 0xd503207f, NOP = 0xd503201f;

void throwing_sysreg(VersionHooks& h) {
    v2::install(h);
    h.on(ExceptionClass::SysRegister, [](Vcpu&, const Exit&) -> Action { throw std::runtime_error("boom"); });
}
void throwing_timer(VersionHooks& h) {
    v2::install(h);
    h.physical_timer = [](Vcpu&) -> Action { throw std::logic_error("TODO(v1): not written yet"); };
}
void throwing_irq(VersionHooks& h) {
    v2::install(h);
    h.deliver_irq = [](Vcpu&) -> bool { throw std::logic_error("TODO(v2): not written yet"); };
}
}  // namespace

TEST_CASE("a handler that throws stops its VM with the reason") {
    VmFixture f(throwing_sysreg, {MSR_VBAR_X0});
    f.monitor.run(f.vm);
    CHECK(f.vm.status == VmStatus::Failed);
    CHECK(f.vm.stop_reason == "v2: the handler for SYS64 failed: boom");
}

TEST_CASE("a physical-timer handler that throws stops its VM") {
    VmFixture f(throwing_timer, {B_SELF}, MonitorOptions{.quantum = 100, .budget = 10'000});
    f.monitor.run(f.vm);
    CHECK(f.vm.status == VmStatus::Failed);
    CHECK(f.vm.stop_reason == "v2: the physical-timer handler failed: TODO(v1): not written yet");
    CHECK(f.vcpu().retired == 100);
}

TEST_CASE("a vIRQ delivery that throws stops its VM") {
    VmFixture f(throwing_irq, {NOP, B_SELF});
    Vcpu& v = f.vcpu();
    v.gic.level = v.gic.enabled = v.gic.group1 = 1u << 20;  // a PPI, up and routed
    v.gic.igrpen1 = true;
    v.gic.pmr = 0xff;
    f.vm.gicd().ctlr = GicDistributor::kEnableGrp1;
    f.monitor.run(f.vm);
    CHECK(f.vm.status == VmStatus::Failed);
    CHECK(f.vm.stop_reason == "v2: delivering a vIRQ failed: TODO(v2): not written yet");
}

TEST_CASE("a runaway guest is stopped by the budget; the physical timer keeps taking the CPU back") {
    VmFixture f(v2::install, {B_SELF}, MonitorOptions{.quantum = 1000, .budget = 10'000});
    f.monitor.run(f.vm);
    CHECK(f.vm.status == VmStatus::Failed);
    CHECK(f.vm.stop_reason == "instruction budget of 10000 exhausted at pc=0x40080000 _start");
    CHECK(f.vcpu().retired == 10'000);
    CHECK(f.vcpu().physical_timer_exits == 10);
}

TEST_CASE("WFI with no interrupt that could ever end it stops the VM instead of hanging") {
    VmFixture f(v2::install, {WFI});
    f.monitor.run(f.vm);
    CHECK(f.vm.status == VmStatus::Failed);
    CHECK(f.vm.stop_reason == "vcpu0 waits in WFI at pc=0x40080004 but no interrupt can ever wake it");
}
