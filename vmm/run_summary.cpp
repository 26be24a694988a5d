// The end-of-run summary: per-VM rows and the VM exits by class.
#include "vmm/run_summary.h"

#include <algorithm>

#include <fmt/format.h>

#include "vmm/physical_cpu.h"

namespace trapeze {

std::uint64_t VmSummary::exits() const {
    std::uint64_t n = 0;
    for (const std::uint64_t e : exits_by_ec) n += e;
    return n;
}

std::uint64_t RunSummary::retired() const {
    std::uint64_t n = 0;
    for (const VmSummary& vm : vms) n += vm.retired;
    return n;
}

std::array<std::uint64_t, 64> RunSummary::exits_by_ec() const {
    std::array<std::uint64_t, 64> total{};
    for (const VmSummary& vm : vms)
        for (std::size_t i = 0; i < total.size(); ++i) total[i] += vm.exits_by_ec[i];
    return total;
}

std::array<std::uint64_t, 64> RunSummary::forwarded_by_ec() const {
    std::array<std::uint64_t, 64> total{};
    for (const VmSummary& vm : vms)
        for (std::size_t i = 0; i < total.size(); ++i) total[i] += vm.forwarded_by_ec[i];
    return total;
}

std::uint64_t RunSummary::physical_timer_exits() const {
    std::uint64_t n = 0;
    for (const VmSummary& vm : vms) n += vm.physical_timer_exits;
    return n;
}

std::uint64_t RunSummary::virqs() const {
    std::uint64_t n = 0;
    for (const VmSummary& vm : vms) n += vm.virqs;
    return n;
}

std::uint64_t RunSummary::irq_handler_exits() const {
    std::uint64_t n = 0;
    for (const VmSummary& vm : vms) n += vm.irq_handler_exits;
    return n;
}

std::string_view vm_status_name(VmStatus status) {
    switch (status) {
        case VmStatus::Running: return "running";
        case VmStatus::PoweredOff: return "powered off";
        case VmStatus::Failed: return "stopped";
    }
    return "?";
}

VmSummary summarize_vm(Vm& vm, const std::string& guest) {
    VmSummary s;
    s.name = vm.name();
    s.guest = guest;
    s.status = vm.status;
    s.stop_reason = vm.stop_reason;
    s.vcpus = static_cast<unsigned>(vm.vcpus().size());
    s.ram_mib = vm.memory().ram_size() >> 20;
    for (auto& v : vm.vcpus()) {
        s.retired += v->retired;
        s.physical_timer_exits += v->physical_timer_exits;
        s.virqs += v->virqs_injected;
        s.irq_handler_exits += v->irq_handler_exits;
        for (std::size_t i = 0; i < s.exits_by_ec.size(); ++i) {
            s.exits_by_ec[i] += v->exits_by_ec[i];
            s.forwarded_by_ec[i] += v->forwarded_by_ec[i];
        }
    }
    // The VM's virtual time: where its furthest vCPU got to.
    for (auto& v : vm.vcpus()) s.time_ns = std::max(s.time_ns, v->loaded() ? v->pcpu->clock_ns : v->clock_ns);
    return s;
}

std::string format_summary_table(const RunSummary& summary) {
    std::string out;
    for (const VmSummary& vm : summary.vms)
        out += fmt::format("--- {}: {}: {}\n", summary.version, vm.name, vm.stop_reason.empty() ? "still running" : vm.stop_reason);
    out += fmt::format("{:<8} {:<12} {:>14} {:>16} {:>9} {:>15} {:>7}\n", "VM", "status", "instructions",
                       "virtual time ns", "VM exits", "physical timer", "vIRQs");
    for (const VmSummary& vm : summary.vms)
        out += fmt::format("{:<8} {:<12} {:>14} {:>16} {:>9} {:>15} {:>7}\n", vm.name, vm_status_name(vm.status),
                           vm.retired, vm.time_ns, vm.exits(), vm.physical_timer_exits, vm.virqs);
    const auto by_class = [](const std::array<std::uint64_t, 64>& counts) {
        std::string text;
        for (const auto& info : kExceptionClasses)
            if (const std::uint64_t n = counts[static_cast<std::size_t>(info.ec)]) text += fmt::format(" {} {}", info.name, n);
        return text;
    };
    const std::string exits = by_class(summary.exits_by_ec());
    out += fmt::format("VM exits by class:{}{} physical-timer {}\n", exits, exits.empty() ? "" : ",",
                       summary.physical_timer_exits());
    if (const std::string forwarded = by_class(summary.forwarded_by_ec()); !forwarded.empty())
        out += fmt::format("exceptions forwarded to the guest kernel:{}\n", forwarded);
    // What one guest interrupt costs the VMM. It depends on the guest's irq_handler, not on
    // how many threads the guest runs: the lecture's "Fork bomb是否会影响VMM？" in one number.
    if (const std::uint64_t virqs = summary.virqs())
        out += fmt::format("guest irq_handler: {} vIRQ{}, {} VM exits from entry to ERET ({:.1f} per vIRQ)\n", virqs,
                           virqs == 1 ? "" : "s", summary.irq_handler_exits(),
                           static_cast<double>(summary.irq_handler_exits()) / static_cast<double>(virqs));
    if (summary.host_seconds) {
        const double s = *summary.host_seconds;
        out += fmt::format("{} instructions retired in {:.3f} s ({:.0f} MIPS)\n", summary.retired(), s,
                           s > 0 ? static_cast<double>(summary.retired()) / s / 1e6 : 0.0);
    }
    return out;
}

}  // namespace trapeze
