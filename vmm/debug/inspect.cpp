// Rendering the virtual machine's state for the debuggers.
#include "vmm/debug/inspect.h"

#include <cctype>

#include <fmt/format.h>

#include "decoder/disassembler.h"
#include "emulator/exception_class.h"
#include "emulator/page_walk.h"
#include "vmm/control/lifecycle.h"
#include "vmm/debug/expression.h"
#include "vmm/physical_cpu.h"
#include "vmm/run_summary.h"
#include "vmm/sysreg_emulation.h"
#include "vmm/vm.h"

namespace trapeze {
namespace {

// The translation a vCPU uses: the interpreter's while it is loaded on a pCPU, else its own
// registers (another VM's vCPU, or one waiting in a run queue: `focus` looks at those too).
TranslationRegime regime_of(const Vcpu& vcpu) {
    return vcpu.loaded() ? vcpu.cpu().translation() : vcpu.translation_regime();
}

// The walk for `va` through the tables as they are now (not the TLB's copy).
WalkDescription walk_of(Vcpu& vcpu, std::uint64_t va) {
    if (vcpu.loaded()) return vcpu.cpu().describe_walk(va);
    const TranslationRegime regime = vcpu.translation_regime();
    WalkDescription walk;
    walk.va = va;
    walk.mmu_on = regime.mmu_on();
    if (!walk.mmu_on) {  // flat, Device memory, up to the PA size (as the interpreter does)
        walk.result.ok = (va >> kPaBits) == 0;
        walk.result.pa = va;
        walk.result.device = true;
        walk.result.fsc = kFscAddressSizeLevel0;
        return walk;
    }
    describe_table_walk(regime, vcpu.vm().memory(), va, walk);
    return walk;
}

// A read at the vCPU's EL now: the walk, then the permission check.
Translation read_translation(Vcpu& vcpu, std::uint64_t va) {
    if (vcpu.loaded()) return vcpu.cpu().translate_address(va, AccessType::Read, vcpu.el());
    const TranslationRegime regime = vcpu.translation_regime();
    Translation t = walk_of(vcpu, va).result;
    if (!t.ok || !regime.mmu_on()) return t;
    const WalkResult r = walk_tables(regime, vcpu.vm().memory(), va);
    if (!access_permitted(r.entry, AccessType::Read, vcpu.el() == 0 ? 0 : 1, regime.sctlr & sctlr::kWXN)) {
        t.ok = false;
        t.fsc = kFscPermissionLevel0 + r.entry.level;
    }
    return t;
}

std::string pstate_text(std::uint32_t pstate) {
    const unsigned el = pstate::el_of(pstate);
    const char* sp = pstate::sp_sel_of(pstate) ? "h" : "t";
    std::string daif;
    for (const auto& [bit, name] : {std::pair{pstate::kD, 'D'}, {pstate::kA, 'A'}, {pstate::kI, 'I'}, {pstate::kF, 'F'}})
        daif += (pstate & bit) ? name : static_cast<char>(std::tolower(name));
    std::string nzcv;
    for (const auto& [bit, name] : {std::pair{kFlagN, 'N'}, {kFlagZ, 'Z'}, {kFlagC, 'C'}, {kFlagV, 'V'}})
        nzcv += (pstate & bit) ? name : static_cast<char>(std::tolower(name));
    return fmt::format("EL{}{} DAIF={} NZCV={}{}", el, sp, daif, nzcv,
                       (pstate & pstate::kI) ? " (irq_bit set: IRQs masked)" : " (IRQs unmasked)");
}

const char* vcpu_state_name(VcpuState s) {
    switch (s) {
        case VcpuState::Runnable: return "runnable";
        case VcpuState::Blocked: return "blocked in WFI";
        case VcpuState::Off: return "off";
        case VcpuState::Stopped: return "stopped";
    }
    return "?";
}

// The ISS fields of each exception class, as the Arm ARM's ESR_ELx description names them.
struct IssField {
    std::string_view name;
    unsigned hi, lo;
    std::string_view meaning;
};
struct IssLayout {
    ExceptionClass ec;
    std::vector<IssField> fields;
};
const std::vector<IssLayout>& iss_layouts() {
    static const std::vector<IssLayout> layouts = {
        {ExceptionClass::SysRegister,
         {{"Op0", 21, 20, ""}, {"Op2", 19, 17, ""}, {"Op1", 16, 14, ""}, {"CRn", 13, 10, ""},
          {"Rt", 9, 5, "the general-purpose register"}, {"CRm", 4, 1, ""},
          {"Direction", 0, 0, "0: write (MSR), 1: read (MRS)"}}},
        {ExceptionClass::DataAbortLower,
         {{"ISV", 24, 24, "1: bits 23..14 describe the access"}, {"SAS", 23, 22, "access size: 0 byte .. 3 doubleword"},
          {"SSE", 21, 21, "the load sign-extends"}, {"SRT", 20, 16, "the transfer register"},
          {"SF", 15, 15, "1: a 64-bit register"}, {"AR", 14, 14, "acquire/release"},
          {"WnR", 6, 6, "1: write, 0: read"}, {"DFSC", 5, 0, "data fault status code"}}},
        {ExceptionClass::DataAbortSame,
         {{"ISV", 24, 24, ""}, {"SAS", 23, 22, ""}, {"SRT", 20, 16, ""}, {"WnR", 6, 6, ""}, {"DFSC", 5, 0, ""}}},
        {ExceptionClass::InstructionAbortLower, {{"IFSC", 5, 0, "instruction fault status code"}}},
        {ExceptionClass::InstructionAbortSame, {{"IFSC", 5, 0, "instruction fault status code"}}},
        {ExceptionClass::Svc64, {{"imm16", 15, 0, "the SVC's immediate"}}},
        {ExceptionClass::Hvc64, {{"imm16", 15, 0, "the HVC's immediate"}}},
        {ExceptionClass::Smc64, {{"imm16", 15, 0, "the SMC's immediate"}}},
        {ExceptionClass::Brk64, {{"Comment", 15, 0, "the BRK's immediate"}}},
        {ExceptionClass::WfiWfe, {{"CV", 24, 24, ""}, {"COND", 23, 20, ""}, {"TI", 1, 0, "0: WFI, 1: WFE"}}},
        {ExceptionClass::Unknown, {}},
    };
    return layouts;
}

}  // namespace

unsigned version_number(std::string_view version) {
    if (version.size() < 2 || version[0] != 'v') return 0;
    unsigned n = 0;
    for (const char c : version.substr(1)) {
        if (!std::isdigit(static_cast<unsigned char>(c))) return 0;
        n = n * 10 + static_cast<unsigned>(c - '0');
    }
    return n;
}

std::string show_location(Vcpu& vcpu) {
    const std::uint64_t pc = vcpu.pc();
    std::vector<std::uint8_t> word;
    std::string error;
    std::string text = read_guest(vcpu, pc, 4, word, error)
                           ? disassemble(static_cast<std::uint32_t>(word[0] | word[1] << 8 | word[2] << 16 |
                                                                    static_cast<std::uint32_t>(word[3]) << 24),
                                         pc)
                           : "(" + error + ")";
    const std::string symbol = vcpu.vm().image().describe(pc);
    return fmt::format("=> {:#x}{}: {}\n", pc, symbol.empty() ? "" : " " + symbol, text);
}

std::string show_registers(const Vcpu& vcpu) {
    std::string out;
    for (unsigned n = 0; n < 31; ++n)
        out += fmt::format("{:<4}{:#018x}{}", fmt::format("x{}", n), vcpu.x(n), n % 4 == 3 || n == 30 ? "\n" : "  ");
    const std::string symbol = vcpu.vm().image().describe(vcpu.pc());
    out += fmt::format("sp  {:#018x}  pc  {:#018x} {}\n", vcpu.regs().sp(), vcpu.pc(), symbol);
    out += fmt::format("PSTATE {:#x}: {}\n", vcpu.pstate(), pstate_text(vcpu.pstate()));
    return out;
}

std::string show_system_registers(const Vcpu& vcpu) {
    const TranslationRegime regime = regime_of(vcpu);
    std::string out = fmt::format(
        "virtual PSTATE {:#x}: {}; the interpreter runs the guest at EL0 (NZCV is the interpreter's own)\n"
        "SP_EL0 {:#x}  SP_EL1 {:#x}\n",
        vcpu.pstate(), pstate_text(vcpu.pstate()), vcpu.sp_el0(), vcpu.sp_el1());
    // The registers the interpreter also holds: the translation regime the VMM pushed into it.
    const auto interpreter_copy = [&](SysregId id) -> std::optional<std::uint64_t> {
        switch (id) {
            case SysregId::SCTLR_EL1: return regime.sctlr;
            case SysregId::TCR_EL1: return regime.tcr;
            case SysregId::TTBR0_EL1: return regime.ttbr0;
            case SysregId::TTBR1_EL1: return regime.ttbr1;
            case SysregId::MAIR_EL1: return regime.mair;
            default: return std::nullopt;
        }
    };
    // By part of the platform, the lecture's first: irq_handler, irq_bit, exception state...
    constexpr SysregGroup kOrder[] = {SysregGroup::IrqHandler, SysregGroup::IrqBit, SysregGroup::Exception,
                                      SysregGroup::Timer,      SysregGroup::Gic,    SysregGroup::Context,
                                      SysregGroup::Mmu,        SysregGroup::Debug,  SysregGroup::Native};
    for (const SysregGroup group : kOrder) {
        out += fmt::format("[{}]\n", sysreg_group_name(group));
        for (const SysregInfo& r : sysreg_table()) {
            if (r.group != group) continue;
            const auto value = peek_sysreg(vcpu, r.id);
            std::string line = value ? fmt::format("  {:<16} {:#018x}", r.name, *value)
                                     : fmt::format("  {:<16} {:>18}", r.name,
                                                   r.access == SysregAccess::WO ? "(write-only)" : "(read acknowledges)");
            if (const auto held = interpreter_copy(r.id); held && value && *held != *value)
                line += fmt::format("   the interpreter holds {:#x}", *held);
            out += line + "\n";
        }
    }
    out += "(the identification registers are constants: --list-traps shows them)\n";
    if (regime.el != vcpu.el())
        out += fmt::format("the interpreter's translation regime is for EL{}, the vCPU is at EL{}\n", regime.el, vcpu.el());
    return out;
}

GuestAddress guest_physical(Vcpu& vcpu, std::uint64_t va) {
    // Through the tables as they are now, whatever the permissions (a debugger reads kernel
    // memory while the guest is at EL0), and without filling the guest's TLB.
    const Translation t = regime_of(vcpu).mmu_on() ? walk_of(vcpu, va).result : read_translation(vcpu, va);
    if (!t.ok)
        return {std::nullopt, fmt::format("{:#x} does not translate ({}, fault status {:#x})", va,
                                          fault_status_name(t.fsc), t.fsc)};
    return {t.pa, ""};
}

bool read_guest(Vcpu& vcpu, std::uint64_t va, std::size_t len, std::vector<std::uint8_t>& out, std::string& error) {
    out.resize(len);
    for (std::size_t i = 0; i < len; ++i) {
        const GuestAddress a = guest_physical(vcpu, va + i);
        if (!a.pa) {
            error = a.error;
            return false;
        }
        const std::uint8_t* host = vcpu.vm().memory().host(*a.pa);
        if (!host) {
            const std::string_view device = vcpu.vm().device_at(*a.pa);
            error = device.empty() ? fmt::format("{:#x} is not the VM's memory", *a.pa)
                                   : fmt::format("{:#x} is a device ({}), not memory", *a.pa, device);
            return false;
        }
        out[i] = *host;
    }
    return true;
}

bool write_guest(Vcpu& vcpu, std::uint64_t va, const std::vector<std::uint8_t>& bytes, std::string& error) {
    std::vector<std::uint8_t> check;
    if (!read_guest(vcpu, va, bytes.size(), check, error)) return false;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        const std::uint64_t pa = *guest_physical(vcpu, va + i).pa;
        *vcpu.vm().memory().host(pa) = bytes[i];
        vcpu.vm().memory().dirty_log().record(pa);
        vcpu.invalidate_code(pa, 1);  // the debugger may patch code
    }
    return true;
}

std::string show_memory(Vcpu& vcpu, std::uint64_t va, std::uint64_t len) {
    std::vector<std::uint8_t> bytes;
    std::string error;
    if (!read_guest(vcpu, va, len, bytes, error)) return "mem: " + error + "\n";
    std::string out;
    for (std::uint64_t line = 0; line < len; line += 16) {
        std::string hex, ascii;
        for (std::uint64_t i = line; i < line + 16; ++i) {
            if (i < len) {
                hex += fmt::format("{:02x}{}", bytes[i], i % 4 == 3 ? "  " : " ");
                ascii += std::isprint(bytes[i]) ? static_cast<char>(bytes[i]) : '.';
            } else {
                hex += i % 4 == 3 ? "    " : "   ";
            }
        }
        const std::string symbol = vcpu.vm().image().describe(va + line);
        out += fmt::format("{:#x}  {}|{}|{}\n", va + line, hex, ascii, symbol.empty() ? "" : "  " + symbol);
    }
    return out;
}

std::string show_disassembly(Vcpu& vcpu, std::uint64_t va, unsigned count, const std::vector<std::uint64_t>& marks) {
    std::string out;
    const ElfImage& image = vcpu.vm().image();
    for (unsigned i = 0; i < count; ++i) {
        const std::uint64_t a = va + 4ull * i;
        std::vector<std::uint8_t> b;
        std::string error;
        if (!read_guest(vcpu, a, 4, b, error)) {
            out += fmt::format("   {:#x}  ({})\n", a, error);
            break;
        }
        if (const ElfSymbol* s = image.symbol_at(a); s && s->address == a) out += fmt::format("{}:\n", s->name);
        const std::uint32_t word = b[0] | b[1] << 8 | b[2] << 16 | static_cast<std::uint32_t>(b[3]) << 24;
        bool mark = false;
        for (const std::uint64_t m : marks) mark = mark || m == a;
        const std::string symbol = image.describe(a);
        out += fmt::format("{}{} {:#x} {:<18} {:08x}  {}\n", a == vcpu.pc() ? "=>" : "  ", mark ? "*" : " ", a, symbol,
                           word, disassemble(word, a));
    }
    return out;
}

std::string show_translation(Vcpu& vcpu, std::uint64_t va, std::string_view version) {
    const std::uint64_t sctlr = regime_of(vcpu).sctlr;  // what the interpreter translates with
    if (!(sctlr & kSctlrM)) {
        std::string out = fmt::format("SCTLR_EL1.M = 0: the guest's MMU is off, so VA {:#x} is PA {:#x} (no tables to walk)\n",
                                      va, va);
        if (version_number(version) < 3)
            out += fmt::format("{} has no guest stage-1 MMU: the lecture adds it in v3\n",
                               version.empty() ? "this target" : version);
        return out;
    }
    std::string out = fmt::format("TTBR0_EL1 {:#x}  TTBR1_EL1 {:#x}  TCR_EL1 {:#x}\n", vcpu.sysreg(SysregId::TTBR0_EL1),
                                  vcpu.sysreg(SysregId::TTBR1_EL1), vcpu.sysreg(SysregId::TCR_EL1));
    // The walk through the tables as they are now, level by level (not the TLB's copy).
    out += format_walk(walk_of(vcpu, va));
    if (!out.empty() && out.back() != '\n') out += '\n';
    const Translation t = read_translation(vcpu, va);
    if (t.ok)
        out += fmt::format("a read at EL{} now: PA {:#x}{}\n", vcpu.el(), t.pa, t.device ? " (Device memory)" : "");
    else
        out += fmt::format("a read at EL{} now: {} (fault status {:#x})\n", vcpu.el(), fault_status_name(t.fsc), t.fsc);
    return out;
}

std::string show_vms(Vm& vm) {
    std::uint64_t retired = 0;
    for (auto& v : vm.vcpus()) retired += v->retired;
    const std::string id = fmt::format("vm{}", vm.id());
    return fmt::format("{:<12} {:<12} {} MiB of RAM at {:#x}, {} vCPU(s), {} instructions retired{}\n",
                       vm.name() == id ? id : fmt::format("{} ({})", vm.name(), id), vm_status_name(vm.status), vm.memory().ram_size() >> 20, vm.memory().ram_base(),
                       vm.vcpus().size(), retired, vm.stop_reason.empty() ? "" : ": " + vm.stop_reason);
}

std::string show_vcpus(Vm& vm) {
    std::string out;
    for (auto& v : vm.vcpus()) {
        const std::string symbol = vm.image().describe(v->pc());
        out += fmt::format("{}/vcpu{}  {:<15} pc={:#x}{}  virtual EL{}  {}\n", vm.name(), v->id(),
                           vcpu_state_name(v->state), v->pc(), symbol.empty() ? "" : " " + symbol, v->el(),
                           v->pcpu ? fmt::format("on pCPU {}", v->pcpu->id) : "not on a pCPU");
    }
    return out;
}

std::string show_machine_vms(const std::vector<Vm*>& vms, const VmLifecycle* lifecycle, const Vcpu& focus) {
    std::string out = fmt::format("  {:>2}  {:<12} {:<12} {:>5} {:>14} {:>8} {:>8}\n", "id", "VM", "state", "vCPUs",
                                  "instructions", "exits", "vIRQs");
    for (Vm* vm : vms) {
        const VmSummary s = summarize_vm(*vm, "");  // the numbers the run's summary and query-vms give
        std::string state(vm_status_name(vm->status));
        if (lifecycle)
            for (const auto& m : lifecycle->vms())
                if (m->vm == vm) state = vm_state_name(lifecycle->state(*m));
        out += fmt::format("{} {:>2}  {:<12} {:<12} {:>5} {:>14} {:>8} {:>8}\n", &focus.vm() == vm ? '*' : ' ', vm->id(),
                           vm->name(), state, s.vcpus, s.retired, s.exits(), s.virqs);
    }
    return out;
}

std::string show_machine_vcpus(const std::vector<Vm*>& vms, const Vcpu& focus) {
    std::string out = fmt::format("  {:<16} {:<10} {:<14} {:>14} {:>8}  {}\n", "vCPU", "state", "pCPU", "instructions",
                                  "exits", "pc");
    for (Vm* vm : vms) {
        for (auto& v : vm->vcpus()) {
            std::uint64_t exits = 0;
            for (const std::uint64_t n : v->exits_by_ec) exits += n;
            const std::string symbol = vm->image().describe(v->pc());
            const std::string pcpu =
                v->pcpu ? fmt::format("on pCPU{}", v->pcpu->id) : fmt::format("off (pCPU{})", v->home);
            out += fmt::format("{} {:<16} {:<10} {:<14} {:>14} {:>8}  {:#x}{}\n", v.get() == &focus ? '*' : ' ',
                               fmt::format("{}/vcpu{}", vm->name(), v->id()), vcpu_state_name(v->state), pcpu,
                               v->retired, exits, v->pc(), symbol.empty() ? "" : " " + symbol);
        }
    }
    return out;
}

std::string show_run_queues(Vm& vm, std::string_view version) {
    std::string out;
    const PhysicalCpu* pcpu = vm.vcpu(0).pcpu;
    if (pcpu) {
        const Vcpu* current = pcpu->current;
        out += fmt::format("pCPU {}: running {}\n", pcpu->id,
                           current ? fmt::format("{}/vcpu{}", current->vm().name(), current->id()) : "nothing");
        std::string queue;
        for (const Vcpu* v : pcpu->runqueue.entries()) queue += fmt::format(" {}/vcpu{}", v->vm().name(), v->id());
        out += fmt::format("  VM_runqueue:{}\n", queue.empty() ? " (empty)" : queue);
    }
    if (version_number(version) < 5)
        out += fmt::format("{} runs one vCPU on one pCPU and has no run queue: the lecture adds the VM run queue in v5, "
                           "one per pCPU in v6, and vCPUs in the queues in v7\n",
                           version.empty() ? "this target" : version);
    return out;
}

std::string explain_trap(const TraceEvent* event) {
    if (!event) return "no trap yet\n";
    const TraceEvent& e = *event;
    const ExceptionClass ec = esr_ec(e.esr);
    std::string out = fmt::format("the last trap: at {} ns, vm{}/vcpu{}, pc={:#x}{}{}\n", e.time_ns, e.vm, e.vcpu, e.pc,
                                  e.symbol.empty() ? "" : " " + e.symbol,
                                  e.has_instruction ? fmt::format(": {:08x} {}", e.instruction, e.disassembly) : "");
    std::string_view description = "an exception class Trapeze does not raise";
    for (const auto& info : kExceptionClasses)
        if (info.ec == ec) description = info.description;
    out += fmt::format("ESR_EL1 = {:#010x}\n", e.esr);
    out += fmt::format("  EC  [31:26] = {:#04x}  {}: {}\n", static_cast<unsigned>(ec), exception_class_name(ec), description);
    out += fmt::format("  IL  [25]    = {}     {}\n", (e.esr >> 25) & 1, (e.esr >> 25) & 1 ? "a 32-bit instruction" : "a 16-bit instruction");
    const std::uint32_t iss = esr_iss(e.esr);
    out += fmt::format("  ISS [24:0]  = {:#x}\n", iss);
    for (const IssLayout& layout : iss_layouts()) {
        if (layout.ec != ec) continue;
        if (layout.fields.empty()) out += "    (no fields: the ISS of this class is RES0)\n";
        for (const IssField& f : layout.fields) {
            const std::uint32_t v = (iss >> f.lo) & ((1u << (f.hi - f.lo + 1)) - 1);
            const std::string bits = f.hi == f.lo ? fmt::format("[{}]", f.lo) : fmt::format("[{}:{}]", f.hi, f.lo);
            std::string meaning(f.meaning);
            if ((f.name == "DFSC" || f.name == "IFSC") && !fault_status_name(v).empty())
                meaning = std::string(fault_status_name(v));
            if (f.name == "Rt" || f.name == "SRT") meaning = fmt::format("x{}", v);
            out += fmt::format("    {:<9} {:<7} = {:#x}{}\n", f.name, bits, v, meaning.empty() ? "" : "  " + meaning);
        }
    }
    out += fmt::format("  that is: {}\n", e.what);
    out += fmt::format("the VMM: {}\n", e.action);
    for (const RegisterChange& c : e.changes) out += fmt::format("  {} {:#x} -> {:#x}\n", c.name, c.before, c.after);
    if (e.changes.empty()) out += "  (no register changed)\n";
    return out;
}

std::string set_register(Vcpu& vcpu, std::string_view name, std::uint64_t value) {
    const std::string n = lowercase(name);
    if (n.size() >= 2 && n.size() <= 3 && n[0] == 'x' && std::isdigit(static_cast<unsigned char>(n[1]))) {
        const unsigned r = static_cast<unsigned>(std::stoul(n.substr(1)));
        if (r > 30 || n.find_first_not_of("0123456789", 1) != std::string::npos) return fmt::format("no register {}", name);
        vcpu.set_x(r, value);
        return "";
    }
    if (n == "lr") return set_register(vcpu, "x30", value);
    if (n == "fp") return set_register(vcpu, "x29", value);
    if (n == "sp") {
        vcpu.regs().sp() = value;
        return "";
    }
    if (n == "pc") {
        if (value & 3) return fmt::format("pc must be a multiple of 4, not {:#x}", value);
        vcpu.set_pc(value);
        return "";
    }
    if (n == "sp_el0") {
        vcpu.set_sp_el0(value);
        return "";
    }
    if (n == "pstate" || n == "cpsr") {
        vcpu.set_pstate(static_cast<std::uint32_t>(value));
        return "";
    }
    if (n == "nzcv") {
        vcpu.regs().nzcv = static_cast<std::uint32_t>(value) & pstate::kNzcvMask;
        return "";
    }
    for (const SysregInfo& r : sysreg_table()) {
        if (lowercase(r.name) != n) continue;
        if (r.access == SysregAccess::RO) return fmt::format("{} is read-only", r.name);
        poke_sysreg(vcpu, r.id, value);
        return "";
    }
    return fmt::format("no register {} (x0..x30, sp, pc, lr, fp, SP_EL0, PSTATE, NZCV, or a system register)", name);
}

}  // namespace trapeze
