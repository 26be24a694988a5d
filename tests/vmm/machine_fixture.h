// A machine of several VMs (each a few instruction words) on a monitor with a version's
// handlers, for tests of scheduling, VM switches and SMP.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "support/elf_builder.h"
#include "vmm/monitor.h"
#include "vmm/vm.h"

namespace trapeze::test {

struct MachineFixture {
    Tracer tracer;
    VersionHooks hooks;
    Monitor monitor;
    std::vector<std::unique_ptr<Vm>> vms;
    std::map<std::string, std::vector<std::string>> console;  // by VM name

    MachineFixture(void (*install)(VersionHooks&), MonitorOptions options)
        : hooks(installed(install)), monitor(hooks, tracer, options) {}

    static VersionHooks installed(void (*install)(VersionHooks&)) {
        VersionHooks h;
        install(h);
        return h;
    }

    // A VM running `words` at kLoad, placed on the monitor.
    Vm& add_vm(const std::string& name, const std::vector<std::uint32_t>& words, unsigned vcpus = 1,
               std::vector<unsigned> affinity = {}, std::uint64_t budget = 0) {
        VmConfig c;
        c.name = name;
        c.budget = budget;
        c.ram_size = 1 << 20;
        c.vcpus = vcpus;
        c.affinity = std::move(affinity);
        const auto id = static_cast<unsigned>(vms.size());
        vms.push_back(std::make_unique<Vm>(id, c, ElfImage::parse(tiny_elf(words), name),
                                           [this, name](const std::string& line) { console[name].push_back(line); }));
        monitor.add(*vms.back());
        return *vms.back();
    }

    std::uint64_t read64(Vm& vm, std::uint64_t pa) {
        std::uint64_t v = 0;
        vm.memory().read(pa, &v, 8);
        return v;
    }
};

// Records the trace's events, for tests that look at the order of switches.
struct EventLog final : TraceSink {
    std::vector<TraceEvent> events;
    void write(const TraceEvent& e) override { events.push_back(e); }
};

}  // namespace trapeze::test
