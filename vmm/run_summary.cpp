// The end-of-run summary: per-VM rows and the VM exits by class.
#include "vmm/run_summary.h"

#include <algorithm>

#include <fmt/format.h>

#include "vmm/monitor.h"
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
        case VmStatus::Migrated: return "migrated";
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
        s.directed_yields += v->directed_yields;
        s.waits_for_events += v->waits_for_events;
        for (std::size_t i = 0; i < s.exits_by_ec.size(); ++i) {
            s.exits_by_ec[i] += v->exits_by_ec[i];
            s.forwarded_by_ec[i] += v->forwarded_by_ec[i];
        }
    }
    // The VM's virtual time: where its furthest vCPU got to.
    for (auto& v : vm.vcpus()) s.time_ns = std::max(s.time_ns, v->loaded() ? v->pcpu->clock_ns : v->clock_ns);
    return s;
}

void summarize_machine(RunSummary& summary, Monitor& monitor) {
    summary.scheduler = std::string(scheduler_policy_name(monitor.options().policy));
    std::uint64_t end = 0;
    for (unsigned i = 0; i < monitor.pcpu_count(); ++i) end = std::max(end, monitor.pcpu(i).clock_ns);
    for (unsigned i = 0; i < monitor.pcpu_count(); ++i) {
        const PhysicalCpu& p = monitor.pcpu(i);
        summary.pcpus.push_back({p.id, p.busy_ns, end - std::min(end, p.busy_ns), p.switches});
    }
}

namespace {

// 12.3%: `part` of `whole`, to a tenth of a percent ("-" of nothing).
std::string percent(std::uint64_t part, std::uint64_t whole) {
    if (whole == 0) return "-";
    return fmt::format("{:.1f}%", 100.0 * static_cast<double>(part) / static_cast<double>(whole));
}

// "SYS64 3 DABT_LOW 12": counts by exception class, in the table's order.
std::string by_class(const std::array<std::uint64_t, 64>& counts) {
    std::string text;
    for (const auto& info : kExceptionClasses)
        if (const std::uint64_t n = counts[static_cast<std::size_t>(info.ec)]) text += fmt::format(" {} {}", info.name, n);
    return text;
}

// Several VMs, vCPUs or pCPUs: who got how much of the machine. A VM's share is its
// instructions over all VMs' (one retired instruction is one nanosecond of a pCPU); its %CPU
// is its instructions over the virtual time it existed (as top's: 100% is one pCPU all
// along, a VM of several vCPUs can have more).
std::string format_machine(const RunSummary& summary) {
    std::string out;
    out += fmt::format("VM share of the pCPUs ({}, {} pCPU{}):\n", summary.scheduler, summary.pcpus.size(),
                       summary.pcpus.size() == 1 ? "" : "s");
    out += fmt::format("  {:<10} {:>14} {:>7} {:>7}  {}\n", "VM", "instructions", "share", "%CPU", "VM exits by class");
    for (const VmSummary& vm : summary.vms) {
        const std::string exits = by_class(vm.exits_by_ec);
        out += fmt::format("  {:<10} {:>14} {:>7} {:>7} {}{} physical-timer {}\n", vm.name, vm.retired,
                           percent(vm.retired, summary.retired()), percent(vm.retired, vm.time_ns), exits,
                           exits.empty() ? "" : ",", vm.physical_timer_exits);
    }
    out += fmt::format("  {:<10} {:>14} {:>14} {:>12} {:>9}\n", "pCPU", "busy ns", "idle ns", "utilisation", "switches");
    for (const PcpuSummary& p : summary.pcpus)
        out += fmt::format("  {:<10} {:>14} {:>14} {:>12} {:>9}\n", fmt::format("pcpu{}", p.id), p.busy_ns, p.idle_ns,
                           percent(p.busy_ns, p.busy_ns + p.idle_ns), p.switches);
    return out;
}

}  // namespace

std::string format_summary_table(const RunSummary& summary) {
    std::string out;
    for (const VmSummary& vm : summary.vms)
        out += fmt::format("--- {}: {}: {}\n", summary.version, vm.name, vm.stop_reason.empty() ? "still running" : vm.stop_reason);
    out += fmt::format("{:<8} {:<12} {:>14} {:>16} {:>9} {:>15} {:>7}\n", "VM", "status", "instructions",
                       "virtual time ns", "VM exits", "physical timer", "vIRQs");
    for (const VmSummary& vm : summary.vms)
        out += fmt::format("{:<8} {:<12} {:>14} {:>16} {:>9} {:>15} {:>7}\n", vm.name, vm_status_name(vm.status),
                           vm.retired, vm.time_ns, vm.exits(), vm.physical_timer_exits, vm.virqs);
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
    // Lock-holder preemption's mitigation: a vCPU that waits in WFE with no event registered
    // traps, and the VMM gives its pCPU to another vCPU of the same VM if one is preempted;
    // else the vCPU waits for its event.
    for (const VmSummary& vm : summary.vms)
        if (const std::uint64_t spins = vm.directed_yields + vm.waits_for_events)
            out += fmt::format("pause-loop exits (WFE) of {}: {}; {} yielded to a preempted vCPU of the VM, {} waited for "
                               "an event (none was preempted)\n",
                               vm.name, spins, vm.directed_yields, vm.waits_for_events);
    if (!summary.pcpus.empty()) out += format_machine(summary);
    if (summary.host_seconds) {
        const double s = *summary.host_seconds;
        out += fmt::format("{} instructions retired in {:.3f} s ({:.0f} MIPS)\n", summary.retired(), s,
                           s > 0 ? static_cast<double>(summary.retired()) / s / 1e6 : 0.0);
    }
    return out;
}

}  // namespace trapeze
