// What the stepper and the GDB stub's `monitor` commands show about the virtual machine:
// registers, virtual system registers, memory, disassembly, the guest's translation, VMs,
// vCPUs, run queues, and the last trap explained field by field. Each returns text (lines
// ending in '\n'); none of them changes the guest.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vmm/trace.h"

namespace trapeze {

class Vcpu;
class Vm;
class VmLifecycle;

// The lecture version of a target as a number: "v2" -> 2, anything else (trapeze-run) -> 0.
unsigned version_number(std::string_view version);

std::string show_registers(const Vcpu& vcpu);
std::string show_system_registers(const Vcpu& vcpu);
// The guest-physical address of `va` as the vCPU would access it now, or an error message.
struct GuestAddress {
    std::optional<std::uint64_t> pa;
    std::string error;
};
GuestAddress guest_physical(Vcpu& vcpu, std::uint64_t va);
// Read guest memory at a virtual address (through the guest's translation); false and a
// message if some byte is not RAM.
bool read_guest(Vcpu& vcpu, std::uint64_t va, std::size_t len, std::vector<std::uint8_t>& out, std::string& error);
bool write_guest(Vcpu& vcpu, std::uint64_t va, const std::vector<std::uint8_t>& bytes, std::string& error);
std::string show_memory(Vcpu& vcpu, std::uint64_t va, std::uint64_t len);
// `marks` are the addresses to flag as breakpoints.
std::string show_disassembly(Vcpu& vcpu, std::uint64_t va, unsigned count, const std::vector<std::uint64_t>& marks);
std::string show_translation(Vcpu& vcpu, std::uint64_t va, std::string_view version);
std::string show_vms(Vm& vm);
std::string show_vcpus(Vm& vm);
std::string show_run_queues(Vm& vm, std::string_view version);
// The whole machine (`info vms`, `info vcpus`): each VM's state (the lifecycle's, if any),
// vCPUs, instructions, exits and vIRQs; each vCPU's state, pCPU, counts and PC. `focus` is
// starred.
std::string show_machine_vms(const std::vector<Vm*>& vms, const VmLifecycle* lifecycle, const Vcpu& focus);
std::string show_machine_vcpus(const std::vector<Vm*>& vms, const Vcpu& focus);
// The last trap: where, the instruction, ESR decoded field by field, what the VMM did and
// which registers it changed. `event` is null when no trap happened yet.
std::string explain_trap(const TraceEvent* event);
// One line saying where the vCPU is: "=> 0x40080010 main+0x10: msr vbar_el1, x11".
std::string show_location(Vcpu& vcpu);

// Set a register the way `set REG VALUE` does: general registers, sp, pc, SP_EL0, PSTATE,
// DAIF, NZCV and the virtual system registers. Returns an error message, or "" when done.
std::string set_register(Vcpu& vcpu, std::string_view name, std::uint64_t value);

}  // namespace trapeze
