// What the monitor tells the trace: an exit described before its handler changed anything,
// the registers the handler changed, vIRQ injections with the state they saved, and a stop
// event at the end of every run. And a debug agent that caps slices changes nothing the
// guest or the trace can see.
#include <doctest/doctest.h>

#include <memory>

#include "versions/v2/handlers.h"
#include "vm_fixture.h"

using namespace trapeze;
using namespace trapeze::test;

namespace {
constexpr std::uint32_t HVC_0 = 0xd4000002, MSR_VBAR_X1 = 0xd518c001, MOVZ_X0_0x8400_LSL16 = 0xd2b08000, B_SELF = 0x14000000, NOP = 0xd503201f,
                        WFI = 0xd503207f, MSR_DAIFCLR_2 = 0xd50342ff;

struct Collect final : TraceSink {
    std::vector<TraceEvent>* events;
    explicit Collect(std::vector<TraceEvent>* e) : events(e) {}
    void write(const TraceEvent& e) override { events->push_back(e); }
};

// Caps every slice to `limit` instructions and makes every exit end its slice.
struct Capper final : DebugAgent {
    std::uint64_t limit;
    std::uint64_t slices = 0;
    explicit Capper(std::uint64_t l) : limit(l) {}
    std::uint64_t before_slice(Vcpu&) override { return limit; }
    void after_slice(Vcpu&, const RunResult&) override { ++slices; }
    bool exits_end_slices() const override { return true; }
};
}  // namespace

TEST_CASE("an HVC is described before the handler answers it: PSCI_VERSION, not the version it returns") {
    // x0 = 0x84000000 (PSCI_VERSION), hvc #0; the handler puts 0x10001 in x0.
    VmFixture f(v2::install, {MOVZ_X0_0x8400_LSL16, HVC_0, B_SELF}, MonitorOptions{.quantum = 1000, .budget = 3});
    std::vector<TraceEvent> events;
    f.tracer.add(std::make_unique<Collect>(&events));
    f.monitor.run(f.vm);
    REQUIRE(events.size() == 2);
    CHECK(events[0].kind == TraceEvent::Kind::Exit);
    CHECK(events[0].what == "HVC #0x0 (PSCI PSCI_VERSION)");
    CHECK(events[0].action == "PSCI 1.1");
    CHECK(events[0].changes == std::vector<RegisterChange>{{"x0", 0x8400'0000, 0x1'0001}});
    CHECK(events[1].kind == TraceEvent::Kind::Stop);
    CHECK(events[1].what == "instruction budget of 3 exhausted at pc=0x40080008 _start+0x8");
    CHECK(events[1].action == "the VM is stopped");
    CHECK(events[1].time_ns == 3);
}

TEST_CASE("a trapped MSR names the system register it changed, old and new") {
    VmFixture f(v2::install, {MSR_VBAR_X1, B_SELF}, MonitorOptions{.quantum = 1000, .budget = 2});
    f.vcpu().set_x(1, 0x4008'0800);
    std::vector<TraceEvent> events;
    f.tracer.add(std::make_unique<Collect>(&events));
    f.monitor.run(f.vm);
    REQUIRE(events.size() == 2);
    CHECK(events[0].what == "MSR VBAR_EL1, x1");
    CHECK(events[0].changes == std::vector<RegisterChange>{{"VBAR_EL1", 0, 0x4008'0800}});
    CHECK_FALSE(events[0].blocked);
}

TEST_CASE("a vIRQ injection shows the state it saved; WFI marks the vCPU blocked") {
    VmFixture f(v2::install, {MSR_DAIFCLR_2, WFI, NOP, B_SELF}, MonitorOptions{.quantum = 1000, .budget = 6});
    Vcpu& v = f.vcpu();
    v.gic.level = v.gic.enabled = v.gic.group1 = 1u << 20;  // a PPI, up and routed
    v.gic.igrpen1 = true;
    v.gic.pmr = 0xff;
    f.vm.gicd().ctlr = GicDistributor::kEnableGrp1;
    v.set_sysreg(SysregId::VBAR_EL1, 0x4008'0000);
    std::vector<TraceEvent> events;
    f.tracer.add(std::make_unique<Collect>(&events));
    f.monitor.run(f.vm);
    REQUIRE(events.size() >= 2);
    CHECK(events[0].kind == TraceEvent::Kind::Exit);
    CHECK(events[0].changes == std::vector<RegisterChange>{{"PSTATE", 0x3c5, 0x345}});
    CHECK(events[1].kind == TraceEvent::Kind::VirtualIrq);
    CHECK(events[1].changes == std::vector<RegisterChange>{{"PSTATE", 0x345, 0x3c5},
                                                           {"SPSR_EL1", 0, 0x345},
                                                           {"ELR_EL1", 0, 0x4008'0004}});
    CHECK(events.back().kind == TraceEvent::Kind::Stop);
}

TEST_CASE("a debug agent that caps slices and ends them at exits leaves the guest and the trace unchanged") {
    // The ticks of the v2 handler tests: vectors at 0, a timer that fires, WFI.
    const std::vector<std::uint32_t> program = {MSR_VBAR_X1, MSR_DAIFCLR_2, NOP, NOP, WFI, NOP, B_SELF};
    const auto run = [&](DebugAgent* agent) {
        VmFixture f(v2::install, program, MonitorOptions{.quantum = 7, .budget = 200});
        Vcpu& v = f.vcpu();
        v.set_x(1, 0x4008'0000);
        v.timer.ctl = GenericTimer::kEnable;
        v.timer.cval = 3;
        v.gic.enabled = v.gic.group1 = 1u << kVirtualTimerIntid;
        v.gic.igrpen1 = true;
        v.gic.pmr = 0xff;
        f.vm.gicd().ctlr = GicDistributor::kEnableGrp1;
        std::vector<TraceEvent> events;
        f.tracer.add(std::make_unique<Collect>(&events));
        f.monitor.set_debug_agent(agent);
        f.monitor.run(f.vm);
        std::vector<std::string> lines;
        for (const TraceEvent& e : events) lines.push_back(format_trace_text(e));
        lines.push_back(std::to_string(v.retired));
        return lines;
    };
    const auto plain = run(nullptr);
    Capper one(1), three(3);
    CHECK(run(&one) == plain);
    CHECK(run(&three) == plain);
    CHECK(one.slices > three.slices);
    CHECK(plain.size() > 5);
}
