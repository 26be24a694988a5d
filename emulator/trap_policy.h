// The trap policy: which system instructions leave the interpreter when the guest kernel
// runs deprivileged at EL0, and the syndrome (ESR) each one reports. One table, printable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "decoder/decoder.h"
#include "emulator/exception_class.h"

namespace trapeze {

// What the interpreter does with an instruction of the system space.
enum class TrapAction : std::uint8_t {
    Native,  // executes in the interpreter (hints, barriers, NZCV, TPIDR_EL0, FPCR, FPSR)
    Exit,    // does not retire: leaves the interpreter with the rule's syndrome
};

// How the ISS of an exit is formed from the instruction word.
enum class IssForm : std::uint8_t {
    None,    // native: no syndrome
    Zero,    // ISS = 0 (EC 0x00, UNDEFINED)
    Imm16,   // ISS = imm16 (SVC, HVC, SMC, BRK)
    Wfi,     // CV = 1, COND = 0b1110, TI = 0b00
    Wfe,     // CV = 1, COND = 0b1110, TI = 0b01
    SysReg,  // Op0, Op2, Op1, CRn, Rt, CRm, Direction (SysRegIss)
};

// The state a natively executed MSR/MRS reads or writes.
enum class NativeRegister : std::uint8_t { None, Nzcv, TpidrEl0, Fpcr, Fpsr };

// The instruction forms of the system-register space a rule can match (a bit set).
enum SystemForm : std::uint8_t {
    kFormMrs = 1,     // MRS Xt, <sysreg>
    kFormMsr = 2,     // MSR <sysreg>, Xt
    kFormSys = 4,     // SYS (DC, IC, TLBI, AT)
    kFormSysl = 8,    // SYSL
    kFormMsrImm = 16, // MSR <pstatefield>, #imm
};

// One row of the policy. Instruction rules match an Op; system rules match the
// Op0:Op1:CRn:CRm:Op2 bits (word bits 20..5, `key` under `mask`) of the forms in `forms`.
struct TrapRule {
    std::string_view name;  // "SVC", "NZCV", "DAIFSet", "EL1 system registers"...
    Op op;                  // instruction rules; Op::UNDEFINED for system rules
    std::uint8_t forms;     // system rules: SystemForm bits
    std::uint16_t key, mask;
    TrapAction action;
    ExceptionClass ec;
    IssForm iss;
    NativeRegister native;
    std::string_view why;  // one line for the listing
};

// The policy for one instruction.
struct TrapDecision {
    TrapAction action = TrapAction::Native;
    std::uint32_t esr = 0;                  // the full ESR (EC, IL, ISS) when action == Exit
    NativeRegister native = NativeRegister::None;
    const TrapRule* rule = nullptr;         // the row that decided; null for non-system instructions
};

// The policy of a decoded instruction (or of a raw word). Instructions outside the
// exception-generating and system space are Native with no rule.
TrapDecision trap_policy(const Decoded& d);
TrapDecision trap_policy(std::uint32_t word);

// The whole table in the order it is consulted (first match wins within system rules).
struct TrapRuleTable {
    const TrapRule* rows;
    std::size_t size;
};
TrapRuleTable trap_rules();

// The table as text, one row per rule plus a header: instruction, action, EC, syndrome, why.
// What `--list-traps` prints.
std::vector<std::string> render_trap_policy();

// ---- Names, for traces ("MSR VBAR_EL1") ----

// The manual's name of a system register, or "" when the table does not know it.
std::string_view system_register_name(unsigned op0, unsigned op1, unsigned crn, unsigned crm, unsigned op2);
// The alias of a SYS instruction ("TLBI VMALLE1", "DC CIVAC"), or "" when unknown.
std::string_view system_instruction_name(unsigned op1, unsigned crn, unsigned crm, unsigned op2);
// The PSTATE field of MSR (immediate) ("DAIFSet", "SPSel"), or "" when unknown.
std::string_view pstate_field_name(unsigned op1, unsigned op2);
// A short text of an MSR/MRS/SYS/SYSL/MSR (immediate) word: "MSR VBAR_EL1", "MRS CNTVCT_EL0",
// "MSR DAIFSet", "TLBI VMALLE1", or the generic "MRS S3_0_C15_C2_0" / "SYS #0, C7, C5, #0".
// Other words give "".
std::string system_access_text(std::uint32_t word);

}  // namespace trapeze
