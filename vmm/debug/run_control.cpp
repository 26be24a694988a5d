// Stepping, breakpoints, trap breakpoints and watchpoints, checked between slices.
#include "vmm/debug/run_control.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include <fmt/format.h>

#include "vmm/control/lifecycle.h"
#include "vmm/debug/expression.h"
#include "vmm/debug/inspect.h"
#include "vmm/monitor.h"
#include "vmm/sysreg.h"
#include "vmm/vm.h"

namespace trapeze {
namespace {

// With nothing armed, a running slice still ends this often, so that Ctrl-C (or GDB's
// interrupt) is noticed quickly whatever the quantum.
constexpr std::uint64_t kRunningSlice = 100'000;

bool is_abort(ExceptionClass ec) {
    return ec == ExceptionClass::DataAbortLower || ec == ExceptionClass::DataAbortSame ||
           ec == ExceptionClass::InstructionAbortLower || ec == ExceptionClass::InstructionAbortSame;
}

// The system register a trapped MSR/MRS names: "VBAR_EL1", "DAIFSet".
std::string sysreg_of(std::uint32_t esr) {
    const SysRegIss iss = SysRegIss::decode(esr_iss(esr));
    switch (pstate_field(iss)) {
        case PstateField::DAIFSet: return "DAIFSet";
        case PstateField::DAIFClr: return "DAIFClr";
        case PstateField::None: break;
    }
    return sysreg_name(iss);
}

// " in NAME" for a breakpoint limited to one VM, "" for one that stops in any.
std::string vm_suffix(const Vm* only_in) { return only_in ? " in " + only_in->name() : ""; }

// The kinds of exception a forwarded-exception breakpoint may narrow to.
bool forwardable_kind(std::string_view kind) {
    for (const char* k : {"svc", "hvc", "wfi", "msr", "mrs", "abort", "undef"})
        if (kind == k) return true;
    return false;
}

}  // namespace

const std::vector<TrapKind> kTrapKinds = {
    {"svc", "an SVC (a system call)"},
    {"hvc", "an HVC (a hypercall: PSCI)"},
    {"wfi", "a WFI or WFE"},
    {"eret", "an ERET (the guest returns from an exception)"},
    {"msr", "an MSR, optionally to one register: break trap msr VBAR_EL1"},
    {"mrs", "an MRS, optionally of one register: break trap mrs CNTVCT_EL0"},
    {"abort", "a data or instruction abort (MMIO, or memory the VM does not have)"},
    {"irq", "a virtual IRQ injected into the guest"},
    {"undef", "an UNDEFINED instruction (other than ERET)"},
    {"timer", "the physical timer taking the CPU back"},
    {"forward", "an exception the VMM forwards to the guest kernel (v3 on), optionally of one kind: break trap forward abort"},
};

RunControl::RunControl(Vm& vm, std::string_view version) : vm_(vm), lone_vm_{&vm}, version_(version) {}

void RunControl::step(std::uint64_t count, const Vcpu* only) {
    mode_ = Mode::Step;
    steps_left_ = std::max<std::uint64_t>(count, 1);
    step_only_ = only;
}
void RunControl::next_trap() { mode_ = Mode::NextTrap; }
void RunControl::resume() { mode_ = Mode::Running; }
void RunControl::detach() {
    breakpoints_.clear();
    mode_ = Mode::Detached;
}
void RunControl::stop(std::string why) {
    if (mode_ == Mode::Detached) return;
    if (mode_ == Mode::Replay) {  // replaying: a stop is only noted, by a scan
        if (scan_ != Scan::None) scan_hits_.emplace_back(position(), std::move(why));
        return;
    }
    mode_ = Mode::Held;
    stop_reason_ = std::move(why);
}

Breakpoint& RunControl::add(Breakpoint b) {
    b.id = next_id_++;
    breakpoints_.push_back(std::move(b));
    return breakpoints_.back();
}

const Breakpoint& RunControl::add_address(std::uint64_t address, std::string text, const Vm* only_in) {
    if (address & 3) throw std::invalid_argument(fmt::format("{:#x} is not a multiple of 4: no instruction starts there", address));
    Breakpoint b;
    b.kind = Breakpoint::Kind::Address;
    b.address = address;
    b.text = std::move(text) + vm_suffix(only_in);
    if (only_in) b.vm = only_in->id();
    return add(std::move(b));
}

const Breakpoint& RunControl::add_trap(std::string_view kind, std::string_view reg, const Vm* only_in) {
    const std::string k = lowercase(kind);
    const bool known = std::any_of(kTrapKinds.begin(), kTrapKinds.end(), [&](const TrapKind& t) { return t.name == k; });
    if (!known) {
        std::string names;
        for (const TrapKind& t : kTrapKinds) {
            if (!names.empty()) names += "|";
            names += t.name;
        }
        throw std::invalid_argument(fmt::format("no trap kind '{}' (break trap {})", kind, names));
    }
    std::string name;
    if (!reg.empty() && k == "forward") {
        name = lowercase(reg);
        if (!forwardable_kind(name))
            throw std::invalid_argument(fmt::format("break trap forward takes svc, hvc, wfi, msr, mrs, abort or undef, not {}", reg));
    } else if (!reg.empty()) {
        if (k != "msr" && k != "mrs")
            throw std::invalid_argument(fmt::format("only msr, mrs and forward take a second word, not {}", k));
        const std::string r = lowercase(reg);
        if (r == "daifset") name = "DAIFSet";
        else if (r == "daifclr") name = "DAIFClr";
        for (const SysregInfo& info : sysreg_table())
            if (lowercase(info.name) == r) name = std::string(info.name);
        if (name.empty()) throw std::invalid_argument(fmt::format("no system register {}", reg));
    }
    Breakpoint b;
    b.kind = Breakpoint::Kind::Trap;
    b.trap = k;
    b.reg = name;
    b.text = (name.empty() ? fmt::format("trap {}", k) : fmt::format("trap {} {}", k, name)) + vm_suffix(only_in);
    if (only_in) b.vm = only_in->id();
    return add(std::move(b));
}

const Breakpoint& RunControl::add_switch(std::string_view which, const Vm* only_in) {
    if (which != "" && which != "vm" && which != "vcpu")
        throw std::invalid_argument(fmt::format("break switch takes vm or vcpu (or nothing: either), not {}", which));
    if (version_number(version_) < 5)
        throw std::invalid_argument(fmt::format("{} runs one vCPU on one pCPU, so nothing ever switches: VM switches arrive "
                                                "with v5 and vCPU switches with v7",
                                                version_.empty() ? "this target" : version_));
    Breakpoint b;
    b.kind = Breakpoint::Kind::Switch;
    b.trap = which;
    b.text = (which.empty() ? std::string("switch") : fmt::format("switch {}", which)) + vm_suffix(only_in);
    if (only_in) b.vm = only_in->id();
    return add(std::move(b));
}

const Breakpoint& RunControl::add_watch(Vcpu& vcpu, std::uint64_t address, std::uint64_t length) {
    if (length == 0 || length > 4096) throw std::invalid_argument("a watchpoint covers 1 to 4096 bytes");
    Breakpoint b;
    b.kind = Breakpoint::Kind::Watch;
    b.address = address;
    b.length = length;
    std::string error;
    if (!read_guest(vcpu, address, length, b.contents, error))
        throw std::invalid_argument("cannot watch: " + error + " (a watchpoint compares memory)");
    b.vm = vcpu.vm().id();
    b.vcpu = vcpu.id();
    b.text = fmt::format("watch {:#x} {}", address, length) + (several_vms() ? vm_suffix(&vcpu.vm()) : "");
    return add(std::move(b));
}

bool RunControl::remove(unsigned id) {
    const auto it = std::find_if(breakpoints_.begin(), breakpoints_.end(), [&](const Breakpoint& b) { return b.id == id; });
    if (it == breakpoints_.end()) return false;
    breakpoints_.erase(it);
    return true;
}

bool RunControl::remove_address(std::uint64_t address, std::optional<unsigned> vm) {
    const auto it = std::find_if(breakpoints_.begin(), breakpoints_.end(), [&](const Breakpoint& b) {
        return b.kind == Breakpoint::Kind::Address && b.address == address && b.vm == vm;
    });
    if (it == breakpoints_.end()) return false;
    breakpoints_.erase(it);
    return true;
}

bool RunControl::remove_watch(std::uint64_t address, std::uint64_t length) {
    const auto it = std::find_if(breakpoints_.begin(), breakpoints_.end(), [&](const Breakpoint& b) {
        return b.kind == Breakpoint::Kind::Watch && b.address == address && b.length == length;
    });
    if (it == breakpoints_.end()) return false;
    breakpoints_.erase(it);
    return true;
}

std::vector<std::uint64_t> RunControl::breakpoint_addresses() const {
    std::vector<std::uint64_t> out;
    for (const Breakpoint& b : breakpoints_)
        if (b.kind == Breakpoint::Kind::Address) out.push_back(b.address);
    return out;
}

bool RunControl::trap_matches(const Breakpoint& b, const TraceEvent& e) const {
    using Kind = TraceEvent::Kind;
    if (!b.in_vm(e.vm)) return false;
    if (b.kind == Breakpoint::Kind::Switch)
        return (e.kind == Kind::VmSwitch && b.trap != "vcpu") || (e.kind == Kind::VcpuSwitch && b.trap != "vm");
    if (b.kind != Breakpoint::Kind::Trap) return false;
    if (b.trap == "irq") return e.kind == Kind::VirtualIrq;
    if (b.trap == "timer") return e.kind == Kind::PhysicalTimer;
    if (b.trap == "forward") return e.kind == Kind::Forward && (b.reg.empty() || class_matches(b.reg, "", e));
    return e.kind == Kind::Exit && class_matches(b.trap, b.reg, e);
}

// Whether the exception of event `e` is of the kind `trap` names (svc, abort, msr...).
bool RunControl::class_matches(std::string_view trap, std::string_view reg, const TraceEvent& e) {
    const ExceptionClass ec = esr_ec(e.esr);
    if (trap == "svc") return ec == ExceptionClass::Svc64;
    if (trap == "hvc") return ec == ExceptionClass::Hvc64;
    if (trap == "wfi") return ec == ExceptionClass::WfiWfe;
    if (trap == "eret") return ec == ExceptionClass::Unknown && e.what == "ERET";
    if (trap == "undef") return ec == ExceptionClass::Unknown && e.what != "ERET";
    if (trap == "abort") return is_abort(ec);
    if (trap == "msr" || trap == "mrs") {
        if (ec != ExceptionClass::SysRegister) return false;
        const SysRegIss iss = SysRegIss::decode(esr_iss(e.esr));
        if (iss.read != (trap == "mrs")) return false;
        return reg.empty() || lowercase(sysreg_of(e.esr)) == lowercase(reg);
    }
    return false;
}

void RunControl::observe(const TraceEvent& e) {
    if (e.kind == TraceEvent::Kind::Exit) last_trap_ = e;
    if (mode_ == Mode::Detached) return;
    if (mode_ != Mode::Replay) on_event(e);  // a replay shows nothing: it happened before
    if (mode_ == Mode::Held || !pending_stop_.empty()) return;
    // With several vCPUs, the stop may come where another one runs next: say whose event it was.
    const auto whose = [&]() -> std::string {
        const bool switch_event = e.kind == TraceEvent::Kind::VmSwitch || e.kind == TraceEvent::Kind::VcpuSwitch;
        const Vcpu* by = several_vcpus() && !switch_event ? vcpu_by_id(e.vm, e.vcpu) : nullptr;
        return by ? fmt::format("{}/vcpu{}: ", by->vm().name(), by->id()) : "";
    };
    for (const Breakpoint& b : breakpoints_) {
        if (checks_breakpoints() && trap_matches(b, e)) {
            pending_stop_ = fmt::format("breakpoint {} ({}): {}{}", b.id, b.text, whose(),
                                        e.kind == TraceEvent::Kind::VirtualIrq ? e.what : e.what + " -> " + e.action);
            return;
        }
    }
    const bool is_trap = e.kind == TraceEvent::Kind::Exit || e.kind == TraceEvent::Kind::PhysicalTimer ||
                         e.kind == TraceEvent::Kind::Forward;
    if (mode_ == Mode::NextTrap && is_trap) pending_stop_ = "the next trap: " + whose() + e.what + " -> " + e.action;
    if (mode_ == Mode::Replay && scan_ == Scan::Traps && is_trap)
        pending_stop_ = "the previous trap: " + whose() + e.what + " -> " + e.action;
}

bool RunControl::check_breakpoints(Vcpu& vcpu) {
    if (!checks_breakpoints()) return false;
    for (Breakpoint& b : breakpoints_) {
        // Another VM's instructions neither reach this address nor change this VM's memory.
        if (!b.in_vm(vcpu.vm().id())) continue;
        if (b.kind == Breakpoint::Kind::Address && b.address == vcpu.pc()) {
            stop(fmt::format("breakpoint {} at {}", b.id, b.text));
            breakpoint_hit_ = true;
            return true;
        }
        if (b.kind == Breakpoint::Kind::Watch) {
            std::vector<std::uint8_t> now;
            std::string error;
            Vcpu* through = vcpu_by_id(vcpu.vm().id(), b.vcpu);
            if (!through || !read_guest(*through, b.address, b.length, now, error) || now == b.contents) continue;
            std::string before, after;
            for (std::size_t i = 0; i < now.size(); ++i) {
                before += fmt::format("{:02x}", b.contents[i]);
                after += fmt::format("{:02x}", now[i]);
            }
            b.contents = now;
            watch_hit_ = b.address;
            stop(fmt::format("watchpoint {} ({}): the bytes changed from {} to {}", b.id, b.text, before, after));
            return true;
        }
    }
    return false;
}

const Migration& RunControl::start_migration(MigrationOptions options, MigrationEvents events) {
    if (migration_ && !migration_->finished()) throw std::invalid_argument("a migration is going already");
    if (!monitor_) throw std::invalid_argument("live migration needs the monitor's deterministic mode");
    migration_ = std::make_unique<Migration>(*monitor_, vm_, std::move(options), std::move(events));
    return *migration_;
}

std::uint64_t RunControl::before_slice(Vcpu& vcpu) {
    if (migration_) migration_->poll();  // a round may end here (and the VM stop, moved)
    if (mode_ == Mode::Detached) return monitor_ ? quiet_until_furthest(~0ull, position()) : ~0ull;
    if (mode_ != Mode::Held) {
        if (!pending_stop_.empty()) {
            stop(std::move(pending_stop_));  // an event between slices: a vIRQ injected, a wakeup
            pending_stop_.clear();
        } else if (&vcpu == last_vcpu_ && vcpu.pc() != pc_after_slice_) {
            // The VMM moved the PC between slices (a vIRQ entered the vectors): that is a step,
            // and the vector may hold a breakpoint.
            if (!check_breakpoints(vcpu) && mode_ == Mode::Step && (!step_only_ || step_only_ == &vcpu) &&
                --steps_left_ == 0)
                stop("stepped");
        } else if (mode_ != Mode::Replay && interrupt_requested()) {
            stop("interrupted (Ctrl-C)");
        }
    }
    for (;;) {
        while (mode_ == Mode::Held && machine_running()) {
            focus_ = &vcpu;  // the inspection commands look at what runs next, until `focus`
            on_hold(vcpu);
            watch_hit_.reset();
            breakpoint_hit_ = false;
            pending_stop_.clear();
            if (mode_ != Mode::Replay) at_history_start_ = false;
            // The bytes a watchpoint compares with are the ones the person saw when resuming.
            refresh_watches();
        }
        if (mode_ != Mode::Replay || !machine_running()) break;
        if (const auto limit = replay()) {
            pc_after_slice_ = vcpu.pc();
            last_vcpu_ = &vcpu;
            const std::uint64_t now = position();
            if (machine_running()) record_checkpoint(now);  // a goto forward records history too
            return quiet_until_furthest(*limit, now);  // a goto past the furthest step is new: traced
        }
    }
    pc_after_slice_ = vcpu.pc();
    last_vcpu_ = &vcpu;
    // The machine's step, once per slice: it sums every vCPU's counts (a slice is one
    // instruction long while a breakpoint is armed).
    const std::uint64_t now = position();
    if (machine_running()) record_checkpoint(now);
    std::uint64_t limit = kRunningSlice;
    if (mode_ == Mode::Step) limit = 1;
    for (const Breakpoint& b : breakpoints_)
        if (b.kind == Breakpoint::Kind::Address || b.kind == Breakpoint::Kind::Watch) limit = 1;
    return quiet_until_furthest(limit, now);
}

// After going back, the run goes forward again over what the trace has shown: it is shown
// once, so the trace stays quiet up to where the run had got (a slice ends there).
std::uint64_t RunControl::quiet_until_furthest(std::uint64_t limit, std::uint64_t now) {
    if (!monitor_) return limit;
    quiet_ = now < furthest_;
    monitor_->tracer().set_replaying(quiet_);
    if (quiet_) return std::min(limit, furthest_ - now);
    furthest_ = now;
    return limit;
}

void RunControl::after_slice(Vcpu& vcpu, const RunResult& result) {
    pc_after_slice_ = vcpu.pc();
    last_vcpu_ = &vcpu;
    if (lifecycle_) lifecycle_->between_slices();  // a `vm shutdown` whose grace period is over
    if (mode_ == Mode::Held || mode_ == Mode::Detached) return;
    const std::uint64_t steps = result.retired + (result.exit.reason == ExitReason::Exception ? 1 : 0);
    if (!pending_stop_.empty()) {
        stop(std::move(pending_stop_));
        pending_stop_.clear();
        return;
    }
    if (steps > 0 && check_breakpoints(vcpu)) return;
    if (mode_ == Mode::Step && (!step_only_ || step_only_ == &vcpu)) {
        steps_left_ -= std::min(steps_left_, steps);
        if (steps_left_ == 0) stop("stepped");
    }
}

// The bytes a watchpoint compares with: what its VM's memory holds now.
void RunControl::refresh_watches() {
    for (Breakpoint& b : breakpoints_) {
        if (b.kind != Breakpoint::Kind::Watch) continue;
        std::string error;
        if (Vcpu* through = vcpu_by_id(*b.vm, b.vcpu)) read_guest(*through, b.address, b.length, b.contents, error);
    }
}

// ---- the whole machine

// A reference: position() asks for it before every slice, one instruction long while a
// breakpoint is armed.
const std::vector<Vm*>& RunControl::machine_vms() const { return monitor_ ? monitor_->vms() : lone_vm_; }

bool RunControl::machine_running() const {
    for (const Vm* vm : machine_vms())
        if (vm->running()) return true;
    return false;
}

bool RunControl::several_vcpus() const {
    const std::vector<Vm*>& vms = machine_vms();
    if (vms.size() > 1 || (monitor_ && monitor_->pcpu_count() > 1)) return true;
    return std::any_of(vms.begin(), vms.end(), [](Vm* vm) { return vm->vcpus().size() > 1; });
}

void RunControl::stop_machine(const std::string& why) {
    for (Vm* vm : machine_vms())
        if (vm->running() || vm->status == VmStatus::Running) vm->stop(VmStatus::Failed, why);
}

Vcpu* RunControl::vcpu_by_id(unsigned vm_id, unsigned vcpu_id) const {
    for (Vm* vm : machine_vms())
        if (vm->id() == vm_id) return vcpu_id < vm->vcpus().size() ? &vm->vcpu(vcpu_id) : nullptr;
    return nullptr;
}

Vcpu& RunControl::focus() {
    if (focus_ && vcpu_by_id(focus_->vm().id(), focus_->id()) == focus_) return *focus_;
    const std::vector<Vm*>& vms = machine_vms();  // the focused VM left the machine
    focus_ = &(vms.empty() ? vm_ : *vms.front()).vcpu(0);
    return *focus_;
}

Vm& RunControl::find_vm(std::string_view spec) const {
    const std::vector<Vm*>& vms = machine_vms();
    for (Vm* vm : vms)
        if (vm->name() == spec) return *vm;
    for (Vm* vm : vms)
        if (spec == std::to_string(vm->id()) || spec == fmt::format("vm{}", vm->id())) return *vm;
    std::string names;
    for (const Vm* vm : vms) names += fmt::format("{}{} ({})", names.empty() ? "" : ", ", vm->name(), vm->id());
    throw std::invalid_argument(fmt::format("no VM '{}' (the VMs: {})", spec, names));
}

Vcpu& RunControl::find_vcpu(std::string_view spec) const {
    std::string_view vm_part = spec, vcpu_part;
    if (const std::size_t slash = spec.rfind("/vcpu"); slash != std::string_view::npos) {
        vm_part = spec.substr(0, slash);
        vcpu_part = spec.substr(slash + 5);
    } else if (const std::size_t dot = spec.rfind('.'); dot != std::string_view::npos) {
        vm_part = spec.substr(0, dot);
        vcpu_part = spec.substr(dot + 1);
    }
    Vm& vm = find_vm(vm_part);
    if (vcpu_part.empty() && spec.size() == vm_part.size()) return vm.vcpu(0);
    unsigned index = 0;
    const bool number = !vcpu_part.empty() && vcpu_part.size() < 6 &&
                        std::all_of(vcpu_part.begin(), vcpu_part.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
    if (number) index = static_cast<unsigned>(std::stoul(std::string(vcpu_part)));
    if (!number || index >= vm.vcpus().size())
        throw std::invalid_argument(fmt::format("{} has vCPUs 0 to {}: no vCPU '{}'", vm.name(), vm.vcpus().size() - 1,
                                                vcpu_part));
    return vm.vcpu(index);
}

std::string RunControl::describe(const Vcpu& vcpu) {
    const Vm& vm = vcpu.vm();
    std::string where;
    if (vcpu.pcpu) where = fmt::format("on pCPU{}", vcpu.pcpu->id);
    else if (vcpu.state == VcpuState::Runnable) where = fmt::format("in pCPU{}'s VM_runqueue", vcpu.home);
    else if (vcpu.state == VcpuState::Blocked) where = fmt::format("waiting (WFI/WFE) for pCPU{}", vcpu.home);
    else if (vcpu.state == VcpuState::Off) where = "off (not started, or CPU_OFF)";
    else where = "stopped";
    return fmt::format("{}/vcpu{} {}", vm.name(), vcpu.id(), where);
}

}  // namespace trapeze
