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

RunControl::RunControl(Vm& vm, std::string_view version) : vm_(vm), version_(version) {}

void RunControl::step(std::uint64_t count) {
    mode_ = Mode::Step;
    steps_left_ = std::max<std::uint64_t>(count, 1);
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

const Breakpoint& RunControl::add_address(std::uint64_t address, std::string text) {
    if (address & 3) throw std::invalid_argument(fmt::format("{:#x} is not a multiple of 4: no instruction starts there", address));
    Breakpoint b;
    b.kind = Breakpoint::Kind::Address;
    b.address = address;
    b.text = std::move(text);
    return add(std::move(b));
}

const Breakpoint& RunControl::add_trap(std::string_view kind, std::string_view reg) {
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
    b.text = name.empty() ? fmt::format("trap {}", k) : fmt::format("trap {} {}", k, name);
    return add(std::move(b));
}

const Breakpoint& RunControl::add_switch() {
    if (version_number(version_) < 5)
        throw std::invalid_argument(fmt::format("{} runs one vCPU on one pCPU, so nothing ever switches: VM switches arrive "
                                                "with v5 and vCPU switches with v7",
                                                version_.empty() ? "this target" : version_));
    Breakpoint b;
    b.kind = Breakpoint::Kind::Switch;
    b.text = "switch";
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
    b.text = fmt::format("watch {:#x} {}", address, length);
    return add(std::move(b));
}

bool RunControl::remove(unsigned id) {
    const auto it = std::find_if(breakpoints_.begin(), breakpoints_.end(), [&](const Breakpoint& b) { return b.id == id; });
    if (it == breakpoints_.end()) return false;
    breakpoints_.erase(it);
    return true;
}

bool RunControl::remove_address(std::uint64_t address) {
    const auto it = std::find_if(breakpoints_.begin(), breakpoints_.end(), [&](const Breakpoint& b) {
        return b.kind == Breakpoint::Kind::Address && b.address == address;
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
    if (b.kind == Breakpoint::Kind::Switch) return e.kind == Kind::VmSwitch || e.kind == Kind::VcpuSwitch;
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
    for (const Breakpoint& b : breakpoints_) {
        if (checks_breakpoints() && trap_matches(b, e)) {
            pending_stop_ = fmt::format("breakpoint {} ({}): {}", b.id, b.text,
                                        e.kind == TraceEvent::Kind::VirtualIrq ? e.what : e.what + " -> " + e.action);
            return;
        }
    }
    const bool is_trap = e.kind == TraceEvent::Kind::Exit || e.kind == TraceEvent::Kind::PhysicalTimer ||
                         e.kind == TraceEvent::Kind::Forward;
    if (mode_ == Mode::NextTrap && is_trap) pending_stop_ = "the next trap: " + e.what + " -> " + e.action;
    if (mode_ == Mode::Replay && scan_ == Scan::Traps && is_trap)
        pending_stop_ = "the previous trap: " + e.what + " -> " + e.action;
}

bool RunControl::check_breakpoints(Vcpu& vcpu) {
    if (!checks_breakpoints()) return false;
    for (Breakpoint& b : breakpoints_) {
        if (b.kind == Breakpoint::Kind::Address && b.address == vcpu.pc()) {
            stop(fmt::format("breakpoint {} at {}", b.id, b.text));
            breakpoint_hit_ = true;
            return true;
        }
        if (b.kind == Breakpoint::Kind::Watch) {
            std::vector<std::uint8_t> now;
            std::string error;
            if (!read_guest(vcpu, b.address, b.length, now, error) || now == b.contents) continue;
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
    if (mode_ == Mode::Detached) return quiet_until_furthest(~0ull);
    if (mode_ != Mode::Held) {
        if (!pending_stop_.empty()) {
            stop(std::move(pending_stop_));  // an event between slices: a vIRQ injected, a wakeup
            pending_stop_.clear();
        } else if (vcpu.pc() != pc_after_slice_) {
            // The VMM moved the PC between slices (a vIRQ entered the vectors): that is a step,
            // and the vector may hold a breakpoint.
            if (!check_breakpoints(vcpu) && mode_ == Mode::Step && --steps_left_ == 0) stop("stepped");
        } else if (mode_ != Mode::Replay && interrupt_requested()) {
            stop("interrupted (Ctrl-C)");
        }
    }
    for (;;) {
        while (mode_ == Mode::Held && vm_.running()) {
            on_hold(vcpu);
            watch_hit_.reset();
            breakpoint_hit_ = false;
            pending_stop_.clear();
            if (mode_ != Mode::Replay) at_history_start_ = false;
            // The bytes a watchpoint compares with are the ones the person saw when resuming.
            for (Breakpoint& b : breakpoints_) {
                if (b.kind != Breakpoint::Kind::Watch) continue;
                std::string error;
                read_guest(vcpu, b.address, b.length, b.contents, error);
            }
        }
        if (mode_ != Mode::Replay || !vm_.running()) break;
        if (const auto limit = replay(vcpu)) {
            pc_after_slice_ = vcpu.pc();
            if (vm_.running()) record_checkpoint();  // a goto forward records history too
            return quiet_until_furthest(*limit);  // a goto past the furthest step is new: traced
        }
    }
    pc_after_slice_ = vcpu.pc();
    if (vm_.running()) record_checkpoint();
    std::uint64_t limit = kRunningSlice;
    if (mode_ == Mode::Step) limit = 1;
    for (const Breakpoint& b : breakpoints_)
        if (b.kind == Breakpoint::Kind::Address || b.kind == Breakpoint::Kind::Watch) limit = 1;
    return quiet_until_furthest(limit);
}

// After going back, the run goes forward again over what the trace has shown: it is shown
// once, so the trace stays quiet up to where the run had got (a slice ends there).
std::uint64_t RunControl::quiet_until_furthest(std::uint64_t limit) {
    if (!monitor_) return limit;
    const std::uint64_t now = position();
    quiet_ = now < furthest_;
    monitor_->tracer().set_replaying(quiet_);
    if (quiet_) return std::min(limit, furthest_ - now);
    furthest_ = now;
    return limit;
}

void RunControl::after_slice(Vcpu& vcpu, const RunResult& result) {
    pc_after_slice_ = vcpu.pc();
    if (lifecycle_) lifecycle_->between_slices();  // a `vm shutdown` whose grace period is over
    if (mode_ == Mode::Held || mode_ == Mode::Detached) return;
    const std::uint64_t steps = result.retired + (result.exit.reason == ExitReason::Exception ? 1 : 0);
    if (!pending_stop_.empty()) {
        stop(std::move(pending_stop_));
        pending_stop_.clear();
        return;
    }
    if (steps > 0 && check_breakpoints(vcpu)) return;
    if (mode_ == Mode::Step) {
        steps_left_ -= std::min(steps_left_, steps);
        if (steps_left_ == 0) stop("stepped");
    }
}

}  // namespace trapeze
