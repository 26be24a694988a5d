// Pausing and resuming a VM at run time (Monitor::pause / resume, the control socket's
// vm-pause / vm-resume): a VM paused while its vCPU waits in WFI, or while it is ready, and
// resumed, runs on exactly as a VM never paused.
#include <doctest/doctest.h>

#include <algorithm>
#include <limits>
#include <string>

#include "versions/v5/handlers.h"
#include "vmm/debug_agent.h"
#include "vmm/monitor.h"
#include "vmm/vm.h"

using namespace trapeze;

namespace {

struct Run {
    std::string console;
    VmStatus status = VmStatus::Running;
    std::uint64_t retired = 0, time_ns = 0;
    unsigned paused_blocked = 0, paused_ready = 0;
    std::size_t most_places = 1;
};

// Pauses the VM at slice boundaries where its vCPU is in a given state (up to `pauses` times),
// and resumes it at the next boundary, as a control socket would.
struct Pauser final : DebugAgent, MachineControl {
    Monitor& monitor;
    Vm& vm;
    VcpuState when;
    unsigned pauses;
    unsigned done = 0;
    std::size_t most_places = 0;  // the most places the vCPU was in at once (queued, running)
    Pauser(Monitor& m, Vm& v, VcpuState state, unsigned n) : monitor(m), vm(v), when(state), pauses(n) {}

    std::uint64_t before_slice(Vcpu&) override { return std::numeric_limits<std::uint64_t>::max(); }
    void after_slice(Vcpu& vcpu, const RunResult&) override {
        const auto& queued = monitor.pcpu(0).runqueue.entries();
        const auto places = static_cast<std::size_t>(std::count(queued.begin(), queued.end(), &vcpu)) + vcpu.loaded();
        most_places = std::max(most_places, places);
    }
    bool exits_end_slices() const override { return false; }
    // Between slices, as the control socket acts: a vCPU in WFI waits among the sleepers then,
    // a ready one is still loaded on its pCPU.
    void between_slices() override {
        if (vm.paused) {
            monitor.resume(vm);
        } else if (done < pauses && vm.running() && vm.vcpu(0).state == when) {
            monitor.pause(vm);
            ++done;
        }
    }
    bool wait_while_idle() override {
        if (vm.paused) monitor.resume(vm);
        return vm.running();  // once the VM is over, so is the run
    }
    bool quit_requested() const override { return false; }
};

Run run_ticks(std::optional<VcpuState> pause_when) {
    VersionHooks hooks;
    v5::install(hooks);
    Tracer tracer;
    Monitor monitor(hooks, tracer, MonitorOptions{});
    VmConfig config;
    config.guest = TRAPEZE_GUESTS_DIR "/ticks.elf";
    config.ram_size = 16 << 20;
    Run run;
    Vm vm(0, config, ElfImage::read_file(config.guest), [&](const std::string& line) { run.console += line; });
    std::optional<Pauser> pauser;
    if (pause_when) {
        pauser.emplace(monitor, vm, *pause_when, 1000);
        monitor.set_debug_agent(&*pauser);
        monitor.set_control(&*pauser);
    }
    monitor.run(vm);
    run.status = vm.status;
    run.retired = vm.vcpu(0).retired;
    run.time_ns = vm.vcpu(0).clock_ns;
    if (pauser) {
        (*pause_when == VcpuState::Blocked ? run.paused_blocked : run.paused_ready) = pauser->done;
        run.most_places = pauser->most_places;
    }
    return run;
}

}  // namespace

TEST_CASE("a VM paused in WFI, or while ready, and resumed runs on as if never paused") {
    const Run plain = run_ticks(std::nullopt);
    REQUIRE(plain.status == VmStatus::PoweredOff);
    for (const VcpuState when : {VcpuState::Blocked, VcpuState::Runnable}) {
        CAPTURE(static_cast<int>(when));
        const Run paused = run_ticks(when);
        CHECK(paused.paused_blocked + paused.paused_ready > 0);  // it was paused, in that state
        CHECK(paused.status == VmStatus::PoweredOff);
        CHECK(paused.console == plain.console);
        CHECK(paused.retired == plain.retired);
        CHECK(paused.time_ns == plain.time_ns);  // alone on its pCPU: no time passes while it is paused
        CHECK(paused.most_places == 1);          // never queued twice, never queued while it runs
    }
}
