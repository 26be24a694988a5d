// The trap policy table, its lookup, its listing, and the names of system registers.
#include "emulator/trap_policy.h"

#include <fmt/format.h>

#include "emulator/system_instructions.h"

namespace trapeze {
namespace {

// ---- Matching the system-register space ----
// MSR, MRS, SYS, SYSL and MSR (immediate) all keep Op0:Op1:CRn:CRm:Op2 in word bits 20..5
// (Op0 is 1x for MSR/MRS, 01 for SYS/SYSL, 00 for MSR (immediate)), Rt in 4..0, L in 21.
constexpr int kAny = -1;

struct Match {
    std::uint16_t key, mask;
};

constexpr Match encoding(int op0, int op1, int crn, int crm, int op2) {
    std::uint16_t key = 0, mask = 0;
    auto put = [&](int value, unsigned shift, unsigned bits) {
        if (value == kAny) return;
        key |= static_cast<std::uint16_t>(value << shift);
        mask |= static_cast<std::uint16_t>(((1u << bits) - 1) << shift);
    };
    put(op0, 14, 2);
    put(op1, 11, 3);
    put(crn, 7, 4);
    put(crm, 3, 4);
    put(op2, 0, 3);
    return {key, mask};
}
// Narrow CRm to the bits in `crm_mask` (e.g. 0b1000: CRm = 1xxx).
constexpr Match crm_bits(Match m, unsigned crm_value, unsigned crm_mask) {
    m.mask = static_cast<std::uint16_t>((m.mask & ~(0xfu << 3)) | (crm_mask << 3));
    m.key = static_cast<std::uint16_t>((m.key & ~(0xfu << 3)) | ((crm_value & crm_mask) << 3));
    return m;
}

constexpr std::uint16_t system_key(std::uint32_t word) { return static_cast<std::uint16_t>((word >> 5) & 0xffff); }

constexpr std::uint8_t kFormMrsMsr = kFormMrs | kFormMsr;
constexpr std::uint8_t kFormSysAny = kFormSys | kFormSysl;

constexpr TrapRule instruction(std::string_view name, Op op, TrapAction action, ExceptionClass ec, IssForm iss,
                               std::string_view why) {
    return {name, op, 0, 0, 0, action, ec, iss, NativeRegister::None, why};
}
constexpr TrapRule native(std::string_view name, Op op, std::string_view why) {
    return instruction(name, op, TrapAction::Native, ExceptionClass::Unknown, IssForm::None, why);
}
constexpr TrapRule system_native(std::string_view name, Match m, NativeRegister reg, std::string_view why) {
    return {name, Op::UNDEFINED, kFormMrsMsr, m.key, m.mask, TrapAction::Native, ExceptionClass::Unknown,
            IssForm::None, reg, why};
}
constexpr TrapRule system_trap(std::string_view name, std::uint8_t forms, Match m, std::string_view why) {
    return {name, Op::UNDEFINED, forms, m.key, m.mask, TrapAction::Exit, ExceptionClass::SysRegister,
            IssForm::SysReg, NativeRegister::None, why};
}
constexpr TrapRule system_undefined(std::string_view name, std::uint8_t forms, Match m, std::string_view why) {
    return {name, Op::UNDEFINED, forms, m.key, m.mask, TrapAction::Exit, ExceptionClass::Unknown,
            IssForm::Zero, NativeRegister::None, why};
}

using EC = ExceptionClass;
constexpr TrapAction kExit = TrapAction::Exit;

// THE policy. Instruction rules are found by Op; system rules are tried in order and the
// first match wins, so the catch-all rows come last.
constexpr TrapRule kRules[] = {
    // Exception generation: what the instruction asks for, reported as EL1 would see it.
    instruction("SVC", Op::SVC, kExit, EC::Svc64, IssForm::Imm16, "system call"),
    instruction("HVC", Op::HVC, kExit, EC::Hvc64, IssForm::Imm16, "hypervisor call (PSCI)"),
    instruction("SMC", Op::SMC, kExit, EC::Smc64, IssForm::Imm16, "secure monitor call"),
    instruction("BRK", Op::BRK, kExit, EC::Brk64, IssForm::Imm16, "software breakpoint"),
    instruction("HLT", Op::HLT, kExit, EC::Unknown, IssForm::Zero, "UNDEFINED without halting debug"),
    // Waiting: the VMM decides whether the vCPU blocks.
    instruction("WFI", Op::WFI, kExit, EC::WfiWfe, IssForm::Wfi, "wait for interrupt: the vCPU may block"),
    instruction("WFE", Op::WFE, kExit, EC::WfiWfe, IssForm::Wfe,
                "wait for event: completes at once if the event register is set, else the vCPU may yield or wait"),
    // Exception return and debug state: UNDEFINED at EL0.
    instruction("ERET", Op::ERET, kExit, EC::Unknown, IssForm::Zero, "UNDEFINED at EL0: the VMM emulates it"),
    instruction("ERETAA, ERETAB", Op::ERETA, kExit, EC::Unknown, IssForm::Zero, "UNDEFINED at EL0"),
    instruction("DRPS", Op::DRPS, kExit, EC::Unknown, IssForm::Zero, "UNDEFINED outside Debug state"),
    // Hints and barriers: nothing to virtualize on one interpreted CPU.
    native("NOP", Op::NOP, "no operation"),
    native("YIELD", Op::YIELD, "a hint only"),
    native("SEV", Op::SEV, "sets the event register of every vCPU of the VM (waking those that wait)"),
    native("SEVL", Op::SEVL, "sets this vCPU's event register"),
    native("HINT", Op::HINT, "unallocated and unimplemented hints execute as NOP"),
    native("CLREX", Op::CLREX, "clears the local exclusive monitor"),
    native("DSB", Op::DSB, "accesses complete in program order already"),
    native("DMB", Op::DMB, "accesses complete in program order already"),
    native("ISB", Op::ISB, "stale decoded code is dropped when it is written"),

    // System registers that are plain EL0 state.
    system_native("NZCV", encoding(3, 3, 4, 2, 0), NativeRegister::Nzcv, "the condition flags"),
    system_native("TPIDR_EL0", encoding(3, 3, 13, 0, 2), NativeRegister::TpidrEl0,
                  "EL0 thread ID: kept in RegisterFile, saved by the VMM"),
    system_native("FPCR", encoding(3, 3, 4, 4, 0), NativeRegister::Fpcr,
                  "FP control: kept in RegisterFile; EC 0x07 when CPACR_EL1.FPEN traps FP"),
    system_native("FPSR", encoding(3, 3, 4, 4, 1), NativeRegister::Fpsr,
                  "FP status: kept in RegisterFile; EC 0x07 when CPACR_EL1.FPEN traps FP"),
    // PSTATE.DAIF: EL0 may not mask interrupts (SCTLR_EL1.UMA = 0), so these trap to EL1.
    system_trap("DAIFSet", kFormMsrImm, encoding(0, 3, 4, kAny, 6), "masks interrupts (UMA = 0)"),
    system_trap("DAIFClr", kFormMsrImm, encoding(0, 3, 4, kAny, 7), "unmasks interrupts (UMA = 0)"),
    system_undefined("other PSTATE fields (SPSel, PAN, UAO...)", kFormMsrImm, encoding(0, kAny, kAny, kAny, kAny),
                     "UNDEFINED at EL0"),
    system_trap("DAIF", kFormMrsMsr, encoding(3, 3, 4, 2, 1), "interrupt masks (UMA = 0)"),
    // EL0 registers whose values belong to the VMM.
    system_trap("CTR_EL0, DCZID_EL0", kFormMrsMsr, encoding(3, 3, 0, 0, kAny), "cache geometry the VMM reports"),
    system_trap("generic timer (CNTFRQ_EL0, CNTVCT_EL0, CNTV_*...)", kFormMrsMsr, encoding(3, 3, 14, kAny, kAny),
                "time is virtual: the VMM owns the counter and timers"),
    // Privileged registers: all kept in the vCPU's virtual state.
    system_trap("ICC_PMR_EL1", kFormMrsMsr, encoding(3, 0, 4, 6, 0), "GICv3 CPU interface"),
    system_trap("GICv3 CPU interface (ICC_*_EL1)", kFormMrsMsr, crm_bits(encoding(3, 0, 12, kAny, kAny), 8, 8),
                "GICv3 CPU interface"),
    system_trap("EL1 system registers (VBAR_EL1, SCTLR_EL1...)", kFormMrsMsr, encoding(3, 0, kAny, kAny, kAny),
                "the guest kernel's own state"),
    system_trap("debug system registers (op0 = 2)", kFormMrsMsr, encoding(2, kAny, kAny, kAny, kAny),
                "the guest kernel's own state"),
    system_trap("any other system register", kFormMrsMsr, encoding(kAny, kAny, kAny, kAny, kAny),
                "not EL0 state the interpreter keeps"),
    // System instructions: maintenance of caches, TLBs and address translation.
    system_trap("AT (address translation)", kFormSysAny, encoding(1, kAny, 7, 8, kAny), "stage 1 is the guest's"),
    system_trap("DC, IC (cache maintenance)", kFormSysAny, encoding(1, kAny, 7, kAny, kAny),
                "the VMM drops stale code, zeroes for DC ZVA"),
    system_trap("TLBI (TLB maintenance)", kFormSysAny, encoding(1, kAny, 8, kAny, kAny),
                "the VMM flushes its cached translations"),
    system_trap("any other system instruction", kFormSysAny, encoding(kAny, kAny, kAny, kAny, kAny),
                "not executable at EL0"),
};

std::uint8_t form_of(Op op) {
    switch (op) {
        case Op::MRS: return kFormMrs;
        case Op::MSR_reg: return kFormMsr;
        case Op::SYS: return kFormSys;
        case Op::SYSL: return kFormSysl;
        case Op::MSR_imm: return kFormMsrImm;
        default: return 0;
    }
}

std::uint32_t iss_of(IssForm form, std::uint32_t word) {
    constexpr std::uint32_t kWfxCv = 1u << 24, kWfxCondAl = 0xeu << 20;
    switch (form) {
        case IssForm::Imm16: return (word >> 5) & 0xffff;
        case IssForm::Wfi: return kWfxCv | kWfxCondAl | 0;
        case IssForm::Wfe: return kWfxCv | kWfxCondAl | 1;
        case IssForm::SysReg:
            return SysRegIss{(word >> 19) & 3, (word >> 16) & 7, (word >> 12) & 15, (word >> 8) & 15,
                             (word >> 5) & 7,  word & 31,         ((word >> 21) & 1) != 0}
                .encode();
        case IssForm::None:
        case IssForm::Zero: return 0;
    }
    return 0;
}

TrapDecision decide(const TrapRule& rule, std::uint32_t word) {
    TrapDecision d;
    d.rule = &rule;
    d.action = rule.action;
    d.native = rule.native;
    if (rule.action == TrapAction::Exit) d.esr = make_esr(rule.ec, iss_of(rule.iss, word));
    return d;
}

}  // namespace

TrapDecision trap_policy(const Decoded& d) {
    if (d.undefined()) return {};
    if (const std::uint8_t form = form_of(d.op)) {
        const std::uint16_t key = system_key(d.raw);
        for (const TrapRule& rule : kRules)
            if ((rule.forms & form) && (key & rule.mask) == rule.key) return decide(rule, d.raw);
        return {};  // unreachable: the catch-all rows match every form
    }
    for (const TrapRule& rule : kRules)
        if (rule.forms == 0 && rule.op == d.op) return decide(rule, d.raw);
    return {};
}

TrapDecision trap_policy(std::uint32_t word) { return trap_policy(decode(word)); }

TrapRuleTable trap_rules() { return {kRules, std::size(kRules)}; }

// ---- The listing ----
namespace {

std::string forms_text(std::uint8_t forms) {
    std::string text;
    auto add = [&](std::uint8_t bit, std::string_view name) {
        if (!(forms & bit)) return;
        if (!text.empty()) text += '/';
        text += name;
    };
    add(kFormMrs, "MRS");
    add(kFormMsr, "MSR");
    add(kFormSys, "SYS");
    add(kFormSysl, "SYSL");
    add(kFormMsrImm, "MSR (immediate)");
    return text;
}

std::string_view iss_text(IssForm form) {
    switch (form) {
        case IssForm::None: return "-";
        case IssForm::Zero: return "ISS = 0";
        case IssForm::Imm16: return "ISS = imm16";
        case IssForm::Wfi: return "CV=1 COND=0b1110 TI=0b00";
        case IssForm::Wfe: return "CV=1 COND=0b1110 TI=0b01";
        case IssForm::SysReg: return "Op0 Op2 Op1 CRn Rt CRm Direction";
    }
    return "?";
}

}  // namespace

std::vector<std::string> render_trap_policy() {
    std::vector<std::string> rows;
    const auto row = [&](std::string_view what, std::string_view action, std::string_view syndrome,
                         std::string_view why) {
        rows.push_back(fmt::format("{:<62} {:<16} {:<33} {}", what, action, syndrome, why));
    };
    row("INSTRUCTION", "ACTION", "SYNDROME", "WHY");
    for (const TrapRule& rule : kRules) {
        const std::string what = rule.forms ? forms_text(rule.forms) + " " + std::string(rule.name)
                                            : std::string(rule.name);
        const std::string action =
            rule.action == TrapAction::Native
                ? std::string("native")
                : fmt::format("EC {:#04x} {}", static_cast<unsigned>(rule.ec), exception_class_name(rule.ec));
        row(what, action, iss_text(rule.iss), rule.why);
    }
    return rows;
}

// ---- Names ----
namespace {

struct RegisterName {
    std::string_view name;
    std::uint8_t op0, op1, crn, crm, op2;
};

// Common system registers, sorted by (Op0, Op1, CRn, CRm, Op2) as the manual's index is.
constexpr RegisterName kRegisterNames[] = {
    {"MDSCR_EL1", 2, 0, 0, 2, 2},        {"OSLAR_EL1", 2, 0, 1, 0, 4},
    {"OSLSR_EL1", 2, 0, 1, 1, 4},        {"OSDLR_EL1", 2, 0, 1, 3, 4},
    {"MDCCSR_EL0", 2, 3, 0, 1, 0},       {"MIDR_EL1", 3, 0, 0, 0, 0},
    {"MPIDR_EL1", 3, 0, 0, 0, 5},        {"REVIDR_EL1", 3, 0, 0, 0, 6},
    {"ID_AA64PFR0_EL1", 3, 0, 0, 4, 0},  {"ID_AA64PFR1_EL1", 3, 0, 0, 4, 1},
    {"ID_AA64DFR0_EL1", 3, 0, 0, 5, 0},  {"ID_AA64DFR1_EL1", 3, 0, 0, 5, 1},
    {"ID_AA64AFR0_EL1", 3, 0, 0, 5, 4},  {"ID_AA64ISAR0_EL1", 3, 0, 0, 6, 0},
    {"ID_AA64ISAR1_EL1", 3, 0, 0, 6, 1}, {"ID_AA64MMFR0_EL1", 3, 0, 0, 7, 0},
    {"ID_AA64MMFR1_EL1", 3, 0, 0, 7, 1}, {"ID_AA64MMFR2_EL1", 3, 0, 0, 7, 2},
    {"SCTLR_EL1", 3, 0, 1, 0, 0},        {"ACTLR_EL1", 3, 0, 1, 0, 1},
    {"CPACR_EL1", 3, 0, 1, 0, 2},        {"TTBR0_EL1", 3, 0, 2, 0, 0},
    {"TTBR1_EL1", 3, 0, 2, 0, 1},        {"TCR_EL1", 3, 0, 2, 0, 2},
    {"SPSR_EL1", 3, 0, 4, 0, 0},         {"ELR_EL1", 3, 0, 4, 0, 1},
    {"SP_EL0", 3, 0, 4, 1, 0},           {"SPSel", 3, 0, 4, 2, 0},
    {"CurrentEL", 3, 0, 4, 2, 2},        {"PAN", 3, 0, 4, 2, 3},
    {"UAO", 3, 0, 4, 2, 4},              {"ICC_PMR_EL1", 3, 0, 4, 6, 0},
    {"AFSR0_EL1", 3, 0, 5, 1, 0},        {"AFSR1_EL1", 3, 0, 5, 1, 1},
    {"ESR_EL1", 3, 0, 5, 2, 0},          {"FAR_EL1", 3, 0, 6, 0, 0},
    {"PAR_EL1", 3, 0, 7, 4, 0},          {"MAIR_EL1", 3, 0, 10, 2, 0},
    {"AMAIR_EL1", 3, 0, 10, 3, 0},       {"VBAR_EL1", 3, 0, 12, 0, 0},
    {"RVBAR_EL1", 3, 0, 12, 0, 1},       {"ISR_EL1", 3, 0, 12, 1, 0},
    {"ICC_IAR0_EL1", 3, 0, 12, 8, 0},    {"ICC_EOIR0_EL1", 3, 0, 12, 8, 1},
    {"ICC_HPPIR0_EL1", 3, 0, 12, 8, 2},  {"ICC_BPR0_EL1", 3, 0, 12, 8, 3},
    {"ICC_DIR_EL1", 3, 0, 12, 11, 1},    {"ICC_RPR_EL1", 3, 0, 12, 11, 3},
    {"ICC_SGI1R_EL1", 3, 0, 12, 11, 5},  {"ICC_ASGI1R_EL1", 3, 0, 12, 11, 6},
    {"ICC_SGI0R_EL1", 3, 0, 12, 11, 7},  {"ICC_IAR1_EL1", 3, 0, 12, 12, 0},
    {"ICC_EOIR1_EL1", 3, 0, 12, 12, 1},  {"ICC_HPPIR1_EL1", 3, 0, 12, 12, 2},
    {"ICC_BPR1_EL1", 3, 0, 12, 12, 3},   {"ICC_CTLR_EL1", 3, 0, 12, 12, 4},
    {"ICC_SRE_EL1", 3, 0, 12, 12, 5},    {"ICC_IGRPEN0_EL1", 3, 0, 12, 12, 6},
    {"ICC_IGRPEN1_EL1", 3, 0, 12, 12, 7}, {"CONTEXTIDR_EL1", 3, 0, 13, 0, 1},
    {"TPIDR_EL1", 3, 0, 13, 0, 4},       {"CNTKCTL_EL1", 3, 0, 14, 1, 0},
    {"CCSIDR_EL1", 3, 1, 0, 0, 0},       {"CLIDR_EL1", 3, 1, 0, 0, 1},
    {"AIDR_EL1", 3, 1, 0, 0, 7},         {"CSSELR_EL1", 3, 2, 0, 0, 0},
    {"CTR_EL0", 3, 3, 0, 0, 1},          {"DCZID_EL0", 3, 3, 0, 0, 7},
    {"NZCV", 3, 3, 4, 2, 0},             {"DAIF", 3, 3, 4, 2, 1},
    {"FPCR", 3, 3, 4, 4, 0},             {"FPSR", 3, 3, 4, 4, 1},
    {"DSPSR_EL0", 3, 3, 4, 5, 0},        {"DLR_EL0", 3, 3, 4, 5, 1},
    {"PMCR_EL0", 3, 3, 9, 12, 0},        {"PMCCNTR_EL0", 3, 3, 9, 13, 0},
    {"PMUSERENR_EL0", 3, 3, 9, 14, 0},   {"TPIDR_EL0", 3, 3, 13, 0, 2},
    {"TPIDRRO_EL0", 3, 3, 13, 0, 3},     {"CNTFRQ_EL0", 3, 3, 14, 0, 0},
    {"CNTPCT_EL0", 3, 3, 14, 0, 1},      {"CNTVCT_EL0", 3, 3, 14, 0, 2},
    {"CNTP_TVAL_EL0", 3, 3, 14, 2, 0},   {"CNTP_CTL_EL0", 3, 3, 14, 2, 1},
    {"CNTP_CVAL_EL0", 3, 3, 14, 2, 2},   {"CNTV_TVAL_EL0", 3, 3, 14, 3, 0},
    {"CNTV_CTL_EL0", 3, 3, 14, 3, 1},    {"CNTV_CVAL_EL0", 3, 3, 14, 3, 2},
    {"HCR_EL2", 3, 4, 1, 1, 0},          {"SP_EL1", 3, 4, 4, 1, 0},
    {"CNTPS_CTL_EL1", 3, 7, 14, 2, 1},
};

struct PstateName {
    std::string_view name;
    std::uint8_t op1, op2;
};

constexpr PstateName kPstateNames[] = {
    {"UAO", 0, 3}, {"PAN", 0, 4}, {"SPSel", 0, 5}, {"SSBS", 3, 1},
    {"DIT", 3, 2}, {"TCO", 3, 4}, {"DAIFSet", 3, 6}, {"DAIFClr", 3, 7},
};

}  // namespace

std::string_view system_register_name(unsigned op0, unsigned op1, unsigned crn, unsigned crm, unsigned op2) {
    for (const RegisterName& r : kRegisterNames)
        if (r.op0 == op0 && r.op1 == op1 && r.crn == crn && r.crm == crm && r.op2 == op2) return r.name;
    return {};
}

std::string_view system_instruction_name(unsigned op1, unsigned crn, unsigned crm, unsigned op2) {
    const SystemInstruction* s = find_system_instruction(op1, crn, crm, op2);
    return s ? s->name : std::string_view();
}

std::string_view pstate_field_name(unsigned op1, unsigned op2) {
    for (const PstateName& p : kPstateNames)
        if (p.op1 == op1 && p.op2 == op2) return p.name;
    return {};
}

std::string system_access_text(std::uint32_t word) {
    const Decoded d = decode(word);
    const unsigned op0 = (word >> 19) & 3, op1 = (word >> 16) & 7, crn = (word >> 12) & 15, crm = (word >> 8) & 15,
                   op2 = (word >> 5) & 7;
    const auto sysreg = [&] {
        const std::string_view name = system_register_name(op0, op1, crn, crm, op2);
        return name.empty() ? fmt::format("S{}_{}_C{}_C{}_{}", op0, op1, crn, crm, op2) : std::string(name);
    };
    switch (d.op) {
        case Op::MRS: return "MRS " + sysreg();
        case Op::MSR_reg: return "MSR " + sysreg();
        case Op::MSR_imm: {
            const std::string_view name = pstate_field_name(op1, op2);
            return name.empty() ? fmt::format("MSR S0_{}_C4_C{}_{}", op1, crm, op2) : "MSR " + std::string(name);
        }
        case Op::SYS: {
            const std::string_view name = system_instruction_name(op1, crn, crm, op2);
            return name.empty() ? fmt::format("SYS #{}, C{}, C{}, #{}", op1, crn, crm, op2) : std::string(name);
        }
        case Op::SYSL: return fmt::format("SYSL #{}, C{}, C{}, #{}", op1, crn, crm, op2);
        default: return {};
    }
}

}  // namespace trapeze
