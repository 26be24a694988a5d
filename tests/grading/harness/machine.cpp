// Unit-test machines and end-to-end guest runs for graded tests.
#include "harness/machine.h"

#include <stdexcept>

#include <fmt/format.h>

#include "vmm/devices/generic_timer.h"

namespace trapeze::grading {

Machine::Machine(const TestContext& context, const std::vector<std::uint32_t>& words)
    : VmFixture(context.install, words) {}

bool Machine::step() {
    Vcpu& v = vcpu();
    if (!vm.running() || v.state != VcpuState::Runnable) return false;
    const RunResult& r = v.cpu().run(1000);
    pcpu.clock_ns += r.retired;
    v.retired += r.retired;
    if (r.exit.reason != ExitReason::Exception)
        throw TestStopped(fmt::format("after the last handler the guest ran 1000 instructions without trapping "
                                      "where the test expected (now at pc={:#x})",
                                      v.pc()));
    monitor.handle_exit(v, r.exit);
    return true;
}

void Machine::raise_timer_irq() {
    Vcpu& v = vcpu();
    vm.gicd().ctlr = GicDistributor::kEnableGrp1 | GicDistributor::kAreNs;
    v.gic.asleep = false;
    v.gic.group1 |= 1u << kVirtualTimerIntid;
    v.gic.enabled |= 1u << kVirtualTimerIntid;
    v.gic.priority[kVirtualTimerIntid] = 0x80;
    v.gic.pmr = 0xff;
    v.gic.igrpen1 = true;
    v.timer.cval = v.counter();
    v.timer.write_ctl(GenericTimer::kEnable);
    if (v.timer.irq_line(v.counter())) v.gic.level |= 1u << kVirtualTimerIntid;  // the monitor's job
    if (vm.running() && v.state == VcpuState::Runnable) monitor.deliver_interrupts(v);
}

void Machine::physical_timer(Snapshot& state) {
    Vcpu& v = vcpu();
    ++v.physical_timer_exits;
    Action action = Action::resume_at(v.pc(), "resumed the guest");
    try {
        if (hooks.physical_timer) action = hooks.physical_timer(v);
    } catch (const std::exception& e) {
        action = Action::stop(fmt::format("{}: the physical-timer handler failed: {}", hooks.version, e.what()));
    }
    // As the monitor applies it: the guest was interrupted between two instructions, so
    // resume_next and resume_at(pc) are the same thing. The state records the effect.
    switch (action.kind) {
        case Action::Kind::ResumeNext: break;
        case Action::Kind::ResumeAt: v.set_pc(action.pc); break;
        case Action::Kind::Forwarded: break;  // the handler entered the guest's vector itself
        case Action::Kind::Yield: break;      // a VM switch (v5 on): the vCPU resumes where it was
        case Action::Kind::Block:
        case Action::Kind::WaitForEvent: v.state = VcpuState::Blocked; break;
        case Action::Kind::PowerOff: vm.stop(VmStatus::PoweredOff, "the physical-timer handler powered off"); break;
        case Action::Kind::Stop:
            vm.stop(VmStatus::Failed, "the physical-timer handler stopped the VM: " + action.stop_reason());
            break;
        case Action::Kind::NotVirtualized:
            vm.stop(VmStatus::Failed, "the physical-timer handler said not virtualized");
            break;
    }
    std::string effect = fmt::format("resumes the guest at {:#x}", v.pc());
    if (vm.status == VmStatus::PoweredOff) effect = "powers the VM off";
    else if (!vm.running()) effect = "stops the VM";
    else if (v.state == VcpuState::Blocked) effect = "blocks the vCPU";
    state.set("after the physical-timer exit", effect);
}

void run_guest(const TestContext& context, Snapshot& state, std::string_view elf, MonitorOptions options) {
    VersionHooks hooks;
    context.install(hooks);
    VmConfig config;
    config.guest = fmt::format("{}/{}", context.guests_dir, elf);
    config.ram_size = kGuestRam;
    Vm vm(0, config, ElfImage::read_file(config.guest), [](const std::string&) {});
    Tracer tracer;
    Monitor monitor(hooks, tracer, options);
    monitor.run(vm);
    capture_vm(state, vm, options.budget);
}

}  // namespace trapeze::grading
