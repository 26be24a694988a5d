// What a run did, per VM: how it ended, instructions, virtual time, VM exits by class,
// physical-timer exits and vIRQs; and, when several VMs, vCPUs or pCPUs ran, each VM's share
// of the pCPUs and each pCPU's utilisation. Printed as a table at the end of every run, and
// shown in the HTML report.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vmm/vm.h"

namespace trapeze {

class Monitor;

struct VmSummary {
    std::string name;
    std::string guest;
    VmStatus status = VmStatus::Running;
    std::string stop_reason;
    unsigned vcpus = 1;
    std::uint64_t ram_mib = 0;
    std::uint64_t retired = 0;
    std::uint64_t time_ns = 0;  // the virtual time its vCPU 0 had reached
    std::array<std::uint64_t, 64> exits_by_ec{};
    std::array<std::uint64_t, 64> forwarded_by_ec{};  // exceptions entering the guest kernel, by the class it sees
    std::uint64_t physical_timer_exits = 0;
    std::uint64_t virqs = 0;
    std::uint64_t irq_handler_exits = 0;  // VM exits from a vIRQ's entry to its handler's ERET
    std::uint64_t directed_yields = 0;    // pause-loop exits (v7 WFE) that gave the pCPU to a preempted vCPU of the VM
    std::uint64_t waits_for_events = 0;   // ...and those that found none preempted and waited for an event

    std::uint64_t exits() const;  // exception exits, all classes
};

// A physical CPU over the run: the time a vCPU ran on it, and the rest (idle: every vCPU it
// could run waited in WFI, or had stopped), up to the run's end (the last pCPU's clock).
struct PcpuSummary {
    unsigned id = 0;
    std::uint64_t busy_ns = 0;
    std::uint64_t idle_ns = 0;
    std::uint64_t switches = 0;  // loads of another vCPU than the one it ran last
};

struct RunSummary {
    std::string target;   // "trapeze-v2"
    std::string version;  // "v2"
    std::vector<VmSummary> vms;
    std::optional<double> host_seconds;  // wall-clock time of the run, when the target reports speed
    std::vector<PcpuSummary> pcpus;      // empty: one VM with one vCPU on one pCPU (the short table)
    std::string scheduler;               // the policy, when pcpus is not empty

    std::uint64_t retired() const;
    std::array<std::uint64_t, 64> exits_by_ec() const;
    std::array<std::uint64_t, 64> forwarded_by_ec() const;
    std::uint64_t physical_timer_exits() const;
    std::uint64_t virqs() const;
    std::uint64_t irq_handler_exits() const;
};

VmSummary summarize_vm(Vm& vm, const std::string& guest);
// Add the pCPUs' figures (and with them each VM's share) to a summary of the monitor's VMs.
void summarize_machine(RunSummary& summary, Monitor& monitor);
// "powered off", "stopped", "running".
std::string_view vm_status_name(VmStatus status);
// The table printed at the end of a run (several lines, each ending in '\n').
std::string format_summary_table(const RunSummary& summary);

}  // namespace trapeze
