// The control's own thread beside the pCPUs' (--control with --threads): once hold() returns,
// no host thread runs the VM's vCPUs, so a pause takes them off their pCPUs for good (the VM
// retires nothing until it is resumed) and a destroyed VM can be freed at once, while a
// heartbeat VM on the same pCPUs keeps its exact output.
#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "machine_fixture.h"
#include "versions/v7/handlers.h"

using namespace trapeze;
using namespace trapeze::test;

namespace {

constexpr std::uint32_t B_SELF = 0x14000000;

std::string read_text(const std::string& path) {
    std::ifstream file(path);
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
}

std::uint64_t retired(Vm& vm) {
    std::uint64_t n = 0;
    for (auto& v : vm.vcpus()) n += v->retired;
    return n;
}

// A control that acts every round of its thread (each after a short wait without the lock),
// until the heartbeat VM is over.
struct ScriptedControl final : MachineControl {
    Vm& heartbeat;
    std::function<void(ThreadedMachine&)> act;
    bool quit = false;
    unsigned rounds = 0;
    ScriptedControl(Vm& hb, std::function<void(ThreadedMachine&)> a) : heartbeat(hb), act(std::move(a)) {}

    void between_slices() override {}
    bool wait_while_idle() override { return false; }
    bool quit_requested() const override { return quit; }
    void serve(ThreadedMachine& machine) override {
        machine.unlock();
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        machine.lock();
        ++rounds;
        if (!heartbeat.running()) quit = true;
        else act(machine);
    }
};

Vm& add_heartbeat(MachineFixture& m, std::string& console) {
    VmConfig c;
    c.name = "hb";
    c.guest = TRAPEZE_GUESTS_DIR "/heartbeat.elf";
    c.ram_size = 32 << 20;
    m.vms.push_back(std::make_unique<Vm>(static_cast<unsigned>(m.vms.size()), c, ElfImage::read_file(c.guest),
                                         [&console](const std::string& line) { console += line; }));
    m.monitor.add(*m.vms.back());
    return *m.vms.back();
}

}  // namespace

TEST_CASE("--threads with a control: a held VM is off every pCPU; paused, it retires nothing until resumed") {
    const std::string expected = read_text(TRAPEZE_EXPECTED_DIR "/heartbeat.txt");
    REQUIRE(!expected.empty());
    MachineFixture m(v7::install, MonitorOptions{.quantum = 5000, .pcpus = 2, .threads = true});
    std::string console;
    Vm& hb = add_heartbeat(m, console);
    Vm& spin = m.add_vm("spin", {B_SELF}, 1, {}, ~0ull >> 1);
    unsigned pauses = 0, resumes = 0, loaded_when_held = 0, moved_while_paused = 0;
    std::uint64_t when_paused = 0;
    ScriptedControl control(hb, [&](ThreadedMachine& machine) {
        machine.hold(&spin);
        if (spin.paused) {
            moved_while_paused += retired(spin) != when_paused;
            m.monitor.resume(spin);
            ++resumes;
        } else {
            m.monitor.pause(spin);
            for (auto& v : spin.vcpus()) loaded_when_held += v->loaded();
            when_paused = retired(spin);
            ++pauses;
        }
    });
    m.monitor.set_control(&control);
    m.monitor.run();
    CHECK(console == expected);
    CHECK(hb.status == VmStatus::PoweredOff);
    CHECK(spin.status == VmStatus::Running);
    CHECK(pauses >= 2);
    CHECK(resumes >= 1);
    CHECK(loaded_when_held == 0);
    CHECK(moved_while_paused == 0);
    CHECK(retired(spin) > 0);
}

TEST_CASE("--threads with a control: a VM of two vCPUs destroyed while both run is freed, the heartbeat runs on") {
    const std::string expected = read_text(TRAPEZE_EXPECTED_DIR "/heartbeat.txt");
    REQUIRE(!expected.empty());
    MachineFixture m(v7::install, MonitorOptions{.quantum = 5000, .pcpus = 2, .threads = true});
    std::string console;
    Vm& hb = add_heartbeat(m, console);
    // Both vCPUs count for ever (vCPU 0 starts vCPU 1 with PSCI CPU_ON), on both pCPUs.
    VmConfig c;
    c.name = "spin";
    c.guest = TRAPEZE_GUESTS_DIR "/bench/spin.elf";
    c.vcpus = 2;
    c.ram_size = 32 << 20;
    c.budget = ~0ull >> 1;
    auto spin = std::make_unique<Vm>(1, c, ElfImage::read_file(c.guest), [](const std::string&) {});
    m.monitor.add(*spin);
    bool both_ran = false;
    ScriptedControl control(hb, [&](ThreadedMachine& machine) {
        if (!spin) return;
        both_ran = spin->vcpu(1).retired > 0 && spin->vcpu(0).retired > 0;
        if (!both_ran) return;
        machine.hold(spin.get());
        m.monitor.remove(*spin);
        spin.reset();  // nothing may touch it now
    });
    m.monitor.set_control(&control);
    m.monitor.run();
    CHECK(both_ran);
    CHECK(!spin);
    CHECK(console == expected);
    CHECK(hb.status == VmStatus::PoweredOff);
}
