// Capturing a VM's and a vCPU's whole state into named fields, and writing them out.
#include "harness/snapshot.h"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "vmm/sysreg_emulation.h"
#include "vmm/vm.h"

namespace trapeze::grading {
namespace {

std::string hex(std::uint64_t v) { return fmt::format("{:#x}", v); }

std::string daif_text(std::uint32_t daif) {
    std::string masked;
    constexpr std::pair<std::uint32_t, const char*> kBits[] = {
        {pstate::kD, "D"}, {pstate::kA, "A"}, {pstate::kI, "I"}, {pstate::kF, "F"}};
    for (const auto& [bit, name] : kBits)
        if (daif & bit) masked += masked.empty() ? name : fmt::format(" {}", name);
    return masked.empty() ? "none masked" : masked + " masked";
}

// "nZCv": upper case for a set flag.
std::string nzcv_text(std::uint32_t nzcv) {
    std::string s = "nzcv";
    for (int i = 0; i < 4; ++i)
        if (nzcv & (1u << (31 - i))) s[i] = static_cast<char>(s[i] - 'a' + 'A');
    return s;
}

std::string vcpu_state_text(VcpuState s) {
    switch (s) {
        case VcpuState::Runnable: return "runnable";
        case VcpuState::Blocked: return "blocked (waits for an interrupt)";
        case VcpuState::Off: return "off";
        case VcpuState::Stopped: return "stopped";
    }
    return "?";
}

// Registers whose value another field already shows (PSTATE, the SP banks), and reads with
// side effects (ICC_IAR1_EL1 acknowledges) or none at all (write-only registers).
bool captured_as_system_register(const SysregInfo& r) {
    switch (r.id) {
        case SysregId::DAIF:
        case SysregId::SPSel:
        case SysregId::CurrentEL:
        case SysregId::SP_EL0:
        case SysregId::NZCV:
        case SysregId::TPIDR_EL0:
        case SysregId::ICC_IAR1_EL1: return false;
        default: return r.access != SysregAccess::WO;
    }
}

std::string nonzero_bytes(const auto& bytes) {
    std::string s;
    for (std::size_t i = 0; i < bytes.size(); ++i)
        if (bytes[i]) s += fmt::format("{}{}:{:#x}", s.empty() ? "" : " ", i, bytes[i]);
    return s.empty() ? "all zero" : s;
}

// FNV-1a over guest RAM: a handler that scribbles on guest memory shows up here.
std::uint64_t ram_checksum(Vm& vm) {
    GuestMemory& m = vm.memory();
    const std::uint8_t* p = m.host(m.ram_base(), m.ram_size());
    std::uint64_t h = 1469598103934665603ull;
    for (std::uint64_t i = 0; i < m.ram_size(); ++i) h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

}  // namespace

void Snapshot::set(std::string_view field, std::string value) {
    auto it = std::find_if(fields_.begin(), fields_.end(), [&](const auto& f) { return f.first == field; });
    if (it != fields_.end()) it->second = std::move(value);
    else fields_.emplace_back(std::string(field), std::move(value));
}

void Snapshot::set_hex(std::string_view field, std::uint64_t value) { set(field, hex(value)); }

void Snapshot::hint(std::string_view field, std::string_view why) {
    auto it = std::find_if(hints_.begin(), hints_.end(), [&](const auto& h) { return h.first == field; });
    if (it != hints_.end()) it->second = std::string(why);
    else hints_.emplace_back(std::string(field), std::string(why));
}

void Snapshot::fail(std::string what) {
    if (failure_.empty()) failure_ = std::move(what);
}

std::string Snapshot::json() const {
    nlohmann::ordered_json j;
    j["fields"] = nlohmann::ordered_json::array();
    for (const auto& [name, value] : fields_) j["fields"].push_back({name, value});
    j["hints"] = nlohmann::ordered_json::object();
    for (const auto& [name, why] : hints_) j["hints"][name] = why;
    if (!failure_.empty()) j["failure"] = failure_;
    // Replace, never throw, on bytes that are not UTF-8 (a guest may print anything).
    return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

void open_exclusive_monitor(Vcpu& vcpu) { vcpu.cpu().mark_exclusive(kExclusiveProbe, 8); }

void capture_vcpu(Snapshot& s, Vcpu& vcpu) {
    s.set("vCPU", vcpu_state_text(vcpu.state));
    s.set_hex("PC", vcpu.pc());
    s.set("PSTATE.EL", fmt::format("EL{}", vcpu.el()));
    s.set("PSTATE.SP", vcpu.sp_sel() ? "SP_EL1 (SPSel=1)" : "SP_EL0 (SPSel=0)");
    s.set("PSTATE.DAIF", daif_text(vcpu.daif()));
    s.set("PSTATE.NZCV", nzcv_text(vcpu.regs().nzcv));
    s.set_hex("SP_EL0", vcpu.sp_el0());
    s.set_hex("SP_EL1", vcpu.sp_el1());
    for (unsigned n = 0; n < 31; ++n) s.set_hex(fmt::format("X{}", n), vcpu.x(n));
    s.set_hex("TPIDR_EL0", vcpu.regs().tpidr_el0);
    for (const SysregInfo& r : sysreg_table())
        if (captured_as_system_register(r)) s.set_hex(r.name, read_sysreg(vcpu, r.id));
    const GicCpuInterface& gic = vcpu.gic;
    s.set_hex("GICR_IGROUPR0", gic.group1);
    s.set_hex("GICR_ISENABLER0", gic.enabled);
    s.set_hex("GICR_ISPENDR0 (pending SGIs)", gic.pending);
    s.set_hex("GICR_ISACTIVER0", gic.active);
    s.set("GICR_IPRIORITYR", nonzero_bytes(gic.priority));
    s.set_hex("interrupt lines up (the timer's PPI 27)", gic.level);
    s.set("GICR_WAKER.ProcessorSleep", gic.asleep ? "1 (asleep)" : "0 (awake)");
    s.set("GIC priorities of the active interrupts", nonzero_bytes(gic.acked_from));
    s.set_hex("GICD_CTLR", vcpu.vm().gicd().ctlr);
    s.set("exclusive monitor",
          vcpu.loaded() && vcpu.cpu().check_and_clear_exclusive(kExclusiveProbe, 8) ? "open" : "cleared");
    s.set("PSTATE.IL", vcpu.illegal_state() ? "1 (illegal return)" : "0");
    s.set("instructions retired", std::to_string(vcpu.retired));
    for (const auto& info : kExceptionClasses)
        s.set(fmt::format("exits {}", info.name),
              std::to_string(vcpu.exits_by_ec[static_cast<std::size_t>(info.ec)]));
    s.set("physical-timer exits", std::to_string(vcpu.physical_timer_exits));
    s.set("vIRQs injected", std::to_string(vcpu.virqs_injected));
}

void capture_vm(Snapshot& s, Vm& vm, std::uint64_t budget) {
    std::string status;
    switch (vm.status) {
        case VmStatus::Running: status = "running"; break;
        case VmStatus::PoweredOff: status = "powered off"; break;
        case VmStatus::Failed:
            status = budget && vm.stop_reason.starts_with("instruction budget")
                         ? fmt::format("ran past {} instructions ({})", with_commas(budget), vm.stop_reason)
                         : "stopped: " + vm.stop_reason;
            break;
        case VmStatus::Migrated: status = "migrated: " + vm.stop_reason; break;
    }
    s.set("VM", status);
    capture_vcpu(s, vm.vcpu(0));
    s.set("console", vm.uart().output());
    s.set_hex("guest RAM checksum", ram_checksum(vm));
}

std::string with_commas(std::uint64_t n) {
    std::string digits = std::to_string(n), out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return out;
}

}  // namespace trapeze::grading
