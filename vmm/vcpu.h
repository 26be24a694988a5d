// A virtual CPU: the interpreter's register file at physical EL0 plus the privileged
// state the VMM keeps for it (virtual EL, SPSel and banked SPs, DAIF, EL1 system
// registers, its timer and GIC CPU interface).
#pragma once

#include <array>
#include <cstdint>

#include "emulator/cpu.h"
#include "vmm/devices/gic.h"
#include "vmm/devices/virtual_timer.h"
#include "vmm/pstate.h"
#include "vmm/sysreg.h"

namespace trapeze {

class Vm;
struct PhysicalCpu;

enum class VcpuState : std::uint8_t {
    Runnable,
    Blocked,  // in WFI: waits for an interrupt
    Off,      // not yet started (PSCI CPU_ON) or turned off
    Stopped,  // its VM stopped
};

class Vcpu {
public:
    Vcpu(Vm& vm, unsigned id);

    // Architectural reset: EL1h, DAIF masked, system registers at their reset values.
    void reset();

    Vm& vm() { return vm_; }
    const Vm& vm() const { return vm_; }
    unsigned id() const { return id_; }

    Cpu cpu;  // the interpreter: X0..X30, SP, PC, NZCV as the guest sees them now
    VcpuState state = VcpuState::Off;
    PhysicalCpu* pcpu = nullptr;  // where it runs now (its clock is the vCPU's time)

    // ---- registers
    std::uint64_t x(unsigned n) const { return cpu.regs.read_xzr(n); }
    void set_x(unsigned n, std::uint64_t value) { cpu.regs.write_xzr(n, value); }
    std::uint64_t pc() const { return cpu.regs.pc; }
    void set_pc(std::uint64_t pc) { cpu.regs.pc = pc; }

    // ---- the virtual PSTATE
    unsigned el() const { return el_; }
    bool sp_sel() const { return sp_sel_; }
    std::uint32_t daif() const { return daif_; }
    void set_daif(std::uint32_t daif) { daif_ = daif & pstate::kDaifMask; }
    bool irqs_masked() const { return daif_ & pstate::kI; }
    // PSTATE packed as SPSR_EL1 holds it, and the reverse (an exception return).
    std::uint32_t pstate() const;
    void set_pstate(std::uint32_t spsr);
    // The stack pointers of each EL, wherever they live right now.
    std::uint64_t sp_el0() const;
    std::uint64_t sp_el1() const;
    void set_sp_el0(std::uint64_t value);

    // ---- system registers kept as plain storage
    std::uint64_t sysreg(SysregId id) const { return sysregs_[static_cast<std::size_t>(id)]; }
    void set_sysreg(SysregId id, std::uint64_t value) { sysregs_[static_cast<std::size_t>(id)] = value; }

    // ---- time: the counter (CNTVCT_EL0) this vCPU sees now
    std::uint64_t counter() const;

    VirtualTimer timer;
    GicCpuInterface gic;

    // ---- statistics for the summary
    std::uint64_t retired = 0;
    std::array<std::uint64_t, 64> exits_by_ec{};
    std::uint64_t physical_timer_exits = 0;
    std::uint64_t virqs_injected = 0;

private:
    Vm& vm_;
    unsigned id_;
    unsigned el_ = 1;
    bool sp_sel_ = true;
    std::uint32_t daif_ = pstate::kDaifMask;
    std::uint64_t other_sp_ = 0;  // the SP of the bank not live in cpu.regs
    std::array<std::uint64_t, kSysregCount> sysregs_{};
};

}  // namespace trapeze
