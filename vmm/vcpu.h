// A virtual CPU: its saved context -- the general registers, the virtual EL, SPSel and the
// banked SPs, DAIF, the EL1 system registers, its timer and GIC redistributor. While a physical
// CPU runs it (between PhysicalCpu::load and put), its general registers live in that pCPU's
// interpreter; everything else always lives here.
#pragma once

#include <array>
#include <cstdint>

#include "emulator/cpu.h"
#include "vmm/devices/gic.h"
#include "vmm/devices/generic_timer.h"
#include "vmm/pstate.h"
#include "vmm/sysreg.h"

namespace trapeze {

class Vm;
struct PhysicalCpu;

// What a writer of virtual state asks of the run loop, as KVM's kvm_make_request: the fast
// path tests one word instead of comparing state before and after each handler.
enum VcpuRequest : std::uint32_t {
    kRequestTranslation = 1u << 0,  // the virtual EL or a stage-1 register changed: push it to the CPU
    kRequestTimer = 1u << 1,        // a timer was reprogrammed: the slice's deadline moves
    kRequestInterrupts = 1u << 2,   // an interrupt may have become deliverable (GIC, DAIF, timer)
    kRequestEndSlice = 1u << 3,     // the vCPU polls in WFE: let the other pCPUs catch up
};
// The requests that make the exit fast path hand control back to the run loop.
inline constexpr std::uint32_t kRequestsForRunLoop = kRequestTimer | kRequestInterrupts | kRequestEndSlice;

// The requests a write to a system register raises (translation for the stage-1 registers,
// timer and interrupts for the timer, the GIC and DAIF).
std::uint32_t sysreg_requests(SysregId id);

enum class VcpuState : std::uint8_t {
    Runnable,
    Blocked,  // in WFI: waits for an interrupt (in WFE, waits_for_event: or for an event)
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
    // MPIDR_EL1 of vCPU `id`: its reset value with the vCPU's number in Aff0 (the device
    // tree's /cpus/cpu@N reg is this value's affinity fields).
    static std::uint64_t mpidr(unsigned id);

    VcpuState state = VcpuState::Off;
    PhysicalCpu* pcpu = nullptr;  // the physical CPU it is loaded on (its clock is the vCPU's time)
    bool loaded() const { return pcpu != nullptr; }
    // The interpreter of the pCPU it is loaded on (only while loaded).
    Cpu& cpu();
    const Cpu& cpu() const;

    // ---- registers: the live ones (in the pCPU's interpreter while loaded, saved otherwise)
    RegisterFile& regs() { return *regs_; }
    const RegisterFile& regs() const { return *regs_; }
    std::uint64_t x(unsigned n) const { return regs_->read_xzr(n); }
    void set_x(unsigned n, std::uint64_t value) { regs_->write_xzr(n, value); }
    std::uint64_t pc() const { return regs_->pc; }
    void set_pc(std::uint64_t pc) { regs_->pc = pc; }
    // Where the general registers are kept while the vCPU is not loaded: what a VM switch
    // saves the interpreter's registers into and restores them from (v5's save_context).
    RegisterFile& saved_registers() { return saved_regs_; }
    const RegisterFile& saved_registers() const { return saved_regs_; }
    // The virtual time this vCPU has reached: a pCPU that loads it catches up to it first.
    std::uint64_t clock_ns = 0;
    unsigned home = 0;        // the pCPU whose run queue it joins when it becomes ready
    bool starting = false;    // PSCI CPU_ON made it runnable; it has not run yet (ON_PENDING)
    // Blocked in WFE (Action::wait_for_event): an event (its register, in the VM's global
    // monitor) or an interrupt it would take ends the wait, not just any pending interrupt.
    bool waits_for_event = false;
    // While it waits in WFE: when the event stream (CNTKCTL_EL1.EVNTEN) next sets its event
    // register, in virtual ns (max(): never).
    std::uint64_t event_stream_ns = ~0ull;
    std::uint64_t pass = 0;   // the weighted policy's virtual time (see scheduler.h)

    // ---- the virtual PSTATE
    unsigned el() const { return el_; }
    bool sp_sel() const { return sp_sel_; }
    std::uint32_t daif() const { return daif_; }
    void set_daif(std::uint32_t daif) {
        daif_ = daif & pstate::kDaifMask;
        make_request(kRequestInterrupts);
    }
    bool irqs_masked() const { return daif_ & pstate::kI; }
    // PSTATE.IL: an illegal exception return happened; the next instruction raises EC 0x0E.
    bool illegal_state() const { return illegal_; }
    void set_illegal_state(bool il) {
        illegal_ = il;
        make_request(kRequestTranslation);
    }
    // PSTATE packed as SPSR_EL1 holds it (NZCV, IL, DAIF, M), and the reverse: set the EL,
    // SPSel, NZCV, DAIF and IL from an SPSR value whose M field is EL0t, EL1t or EL1h.
    std::uint32_t pstate() const;
    void set_pstate(std::uint32_t spsr);
    // The stack pointers of each EL, wherever they live right now.
    std::uint64_t sp_el0() const;
    std::uint64_t sp_el1() const;
    void set_sp_el0(std::uint64_t value);

    // ---- system registers kept as plain storage (a write raises the register's requests)
    std::uint64_t sysreg(SysregId id) const { return sysregs_[static_cast<std::size_t>(id)]; }
    void set_sysreg(SysregId id, std::uint64_t value) {
        sysregs_[static_cast<std::size_t>(id)] = value;
        make_request(sysreg_requests(id));
    }

    // ---- requests to the run loop (see VcpuRequest)
    std::uint32_t requests = 0;
    void make_request(std::uint32_t request) { requests |= request; }
    // The guest's translation regime now: the virtual EL and the stage-1 registers.
    TranslationRegime translation_regime() const;
    // Push what changed into the interpreter (kRequestTranslation): the one place that does.
    // Nothing to do while the vCPU is not loaded: PhysicalCpu::load pushes everything.
    void sync_to_cpu();

    // ---- the guest's memory as this vCPU sees it (stage 1 included; only while loaded)
    Translation translate(std::uint64_t va, AccessType access, unsigned el);
    // TLB maintenance by this vCPU (an unloaded vCPU's TLB is empty: load drops it).
    void invalidate_tlb(const TlbInvalidation& what);
    // The guest wrote or changed code behind the interpreter's back (IC, DC ZVA): every vCPU
    // of the VM must stop running what was decoded from it.
    void invalidate_code(std::uint64_t pa, std::uint64_t len);
    void invalidate_all_code();
    // An exception entry or return clears the local exclusive monitor.
    void clear_exclusive_monitor();

    // PhysicalCpu::load and put only: the registers now live in `cpu`, or back in the context.
    void attach_registers(PhysicalCpu& on, RegisterFile& live);
    void detach_registers();

    // ---- time: the counters this vCPU sees now: CNTVCT_EL0, and CNTPCT_EL0 (the machine's
    // counter, without the VM's offset)
    std::uint64_t counter() const;
    std::uint64_t physical_counter() const;

    GenericTimer timer;   // the EL1 virtual timer (CNTV_*, PPI 27), against counter()
    GenericTimer ptimer;  // the EL1 physical timer (CNTP_*, PPI 30), against physical_counter()
    GicCpuInterface gic;

    // ---- statistics for the summary
    std::uint64_t retired = 0;
    std::array<std::uint64_t, 64> exits_by_ec{};
    std::array<std::uint64_t, 64> forwarded_by_ec{};  // exceptions injected into the guest kernel (v3 on)
    std::uint64_t physical_timer_exits = 0;
    std::uint64_t virqs_injected = 0;
    // The VM exits the guest's irq_handler costs: from a vIRQ's entry to the ERET that ends it.
    std::uint64_t irq_handler_exits = 0;
    bool in_irq_handler = false;
    // Pause-loop exits (v7: a trapped WFE at EL1): those that gave the pCPU to a preempted
    // vCPU of the same VM (a directed yield), and those that found none and waited for an event.
    std::uint64_t directed_yields = 0;
    std::uint64_t waits_for_events = 0;

private:
    friend class SnapshotAccess;  // vmm/snapshot.cpp saves and restores the whole context
    Vm& vm_;
    unsigned id_;
    RegisterFile saved_regs_;
    RegisterFile* regs_ = &saved_regs_;
    unsigned el_ = 1;
    bool sp_sel_ = true;
    bool illegal_ = false;
    std::uint32_t daif_ = pstate::kDaifMask;
    std::uint64_t other_sp_ = 0;  // the SP of the bank not live in regs()
    std::array<std::uint64_t, kSysregCount> sysregs_{};
};

}  // namespace trapeze
