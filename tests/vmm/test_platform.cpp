// The platform a kernel expects, run through the monitor: the EL1 physical timer beside the
// virtual one, each raising its own PPI at the exact instruction count its compare value names.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "versions/v2/handlers.h"
#include "vm_fixture.h"
#include "vmm/sysreg_emulation.h"

using namespace trapeze;
using namespace trapeze::test;

namespace {

// MSR <sysreg>, Xt and MRS Xt, <sysreg> (op0 = 3), as the manual encodes them.
constexpr std::uint32_t msr(unsigned op1, unsigned crn, unsigned crm, unsigned op2, unsigned rt) {
    return 0xd5180000u | (op1 << 16) | (crn << 12) | (crm << 8) | (op2 << 5) | rt;
}
constexpr std::uint32_t mrs(unsigned op1, unsigned crn, unsigned crm, unsigned op2, unsigned rt) {
    return msr(op1, crn, crm, op2, rt) | (1u << 21);
}
constexpr std::uint32_t MSR_CNTP_CVAL_X1 = msr(3, 14, 2, 2, 1), MSR_CNTP_CTL_X2 = msr(3, 14, 2, 1, 2),
                        MSR_CNTV_CVAL_X3 = msr(3, 14, 3, 2, 3), MSR_CNTV_CTL_X2 = msr(3, 14, 3, 1, 2),
                        MRS_X4_CNTPCT = mrs(3, 14, 0, 1, 4), MRS_X5_CNTVCT = mrs(3, 14, 0, 2, 5),
                        MRS_X6_CNTP_CTL = mrs(3, 14, 2, 1, 6), MRS_X7_CNTP_TVAL = mrs(3, 14, 2, 0, 7),
                        MSR_DAIFCLR_2 = 0xd50342ff, B_SELF = 0x14000000;

struct Collect final : TraceSink {
    std::vector<TraceEvent>* events;
    explicit Collect(std::vector<TraceEvent>* e) : events(e) {}
    void write(const TraceEvent& e) override { events->push_back(e); }
};

// Both timer PPIs enabled in group 1 at the redistributor, the CPU interface open.
void open_timer_ppis(VmFixture& f) {
    Vcpu& v = f.vcpu();
    v.gic.enabled = v.gic.group1 = (1u << kVirtualTimerIntid) | (1u << kPhysicalTimerIntid);
    v.gic.priority[kVirtualTimerIntid] = v.gic.priority[kPhysicalTimerIntid] = 0x80;
    v.gic.igrpen1 = true;
    v.gic.pmr = 0xff;
    f.vm.gicd().ctlr = GicDistributor::kEnableGrp1;
    v.set_sysreg(SysregId::VBAR_EL1, kLoad + 0x800);  // unwritten memory: the run stops there
}

std::vector<TraceEvent> virqs(const std::vector<TraceEvent>& events) {
    std::vector<TraceEvent> out;
    for (const TraceEvent& e : events)
        if (e.kind == TraceEvent::Kind::VirtualIrq) out.push_back(e);
    return out;
}

}  // namespace

TEST_CASE("the EL1 physical timer raises PPI 30 at the exact instruction its CVAL names, beside the virtual one") {
    // The machine's counter starts at 10; CNTP_CVAL = 17 ticks: the physical counter reaches
    // it after 7 * 16 = 112 instructions. The virtual timer's CVAL = 17 too, but the VM's
    // counter runs 3 ticks behind (CNTVOFF): it would fire 48 instructions later, and PPI 30
    // must come first.
    VmFixture f(v2::install, {MSR_CNTP_CVAL_X1, MSR_CNTP_CTL_X2, MSR_CNTV_CVAL_X3, MSR_CNTV_CTL_X2, MSR_DAIFCLR_2,
                              B_SELF},
                MonitorOptions{.quantum = 1000, .budget = 1000});
    f.vm.counter_offset = 3;
    f.pcpu.clock_ns = 10 * kNanosecondsPerTick;
    Vcpu& v = f.vcpu();
    v.set_x(1, 17);
    v.set_x(2, GenericTimer::kEnable);
    v.set_x(3, 17);
    open_timer_ppis(f);
    std::vector<TraceEvent> events;
    f.tracer.add(std::make_unique<Collect>(&events));
    f.monitor.run(f.vm);
    const auto taken = virqs(events);
    REQUIRE(taken.size() == 1);  // the vector is unwritten memory: the VM stops in it
    CHECK(taken[0].time_ns == 17 * kNanosecondsPerTick);
    CHECK(taken[0].what.find("vIRQ INTID 30 taken") == 0);
    CHECK(v.sysreg(SysregId::ELR_EL1) == kLoad + 20);  // the B . loop was interrupted
    CHECK(v.gic.active == 0);  // not acknowledged yet: the line is up, the interrupt pending
    CHECK(v.gic.pending_mask() == 1u << kPhysicalTimerIntid);
}

TEST_CASE("one tick later than CVAL is never: the physical timer fires when the counter equals CVAL, not before") {
    for (const std::uint64_t cval : {std::uint64_t{5}, std::uint64_t{6}}) {
        VmFixture f(v2::install, {MSR_CNTP_CVAL_X1, MSR_CNTP_CTL_X2, MSR_DAIFCLR_2, B_SELF},
                    MonitorOptions{.quantum = 1000, .budget = 1000});
        f.vcpu().set_x(1, cval);
        f.vcpu().set_x(2, GenericTimer::kEnable);
        open_timer_ppis(f);
        std::vector<TraceEvent> events;
        f.tracer.add(std::make_unique<Collect>(&events));
        f.monitor.run(f.vm);
        const auto taken = virqs(events);
        REQUIRE(taken.size() == 1);
        CHECK(taken[0].time_ns == cval * kNanosecondsPerTick);
    }
}

TEST_CASE("CNTPCT_EL0 is the machine's counter, CNTVCT_EL0 lags it by the VM's offset; CNTP_CTL shows ISTATUS") {
    VmFixture f(v2::install, {MRS_X4_CNTPCT, MRS_X5_CNTVCT, MRS_X6_CNTP_CTL, MRS_X7_CNTP_TVAL});
    f.vm.counter_offset = 10;
    Vcpu& v = f.vcpu();
    f.pcpu.clock_ns = 16 * 100 + 15;  // counter 100: the next tick is one instruction away
    v.ptimer.cval = 100;
    v.ptimer.write_ctl(GenericTimer::kEnable | GenericTimer::kImask);
    for (int i = 0; i < 4; ++i) {
        const RunResult r = f.pcpu.cpu.run(1);
        REQUIRE(r.exit.reason == ExitReason::Exception);
        f.monitor.handle_exit(v, r.exit);
    }
    CHECK(v.x(4) == 100);
    CHECK(v.x(5) == 90);
    CHECK(v.x(6) == (GenericTimer::kEnable | GenericTimer::kImask | GenericTimer::kIstatus));
    CHECK(v.x(7) == 0);  // CVAL - CNTPCT
    CHECK_FALSE(v.ptimer.irq_line(v.physical_counter()));  // IMASK keeps the line low
    write_sysreg(v, SysregId::CNTP_TVAL_EL0, 0xFFFF'FFFF);  // -1: one tick in the past
    CHECK(v.ptimer.cval == 99);
    CHECK(read_sysreg(v, SysregId::CNTP_CVAL_EL0) == 99);
}
