// The EL0 access rules of the system registers and system instructions a guest's user code
// may reach (Arm ARM D1 and the register descriptions' "Accessibility" pseudocode).
#include "vmm/el0_access.h"

#include <optional>

#include "vmm/sysreg.h"
#include "vmm/vcpu.h"

namespace trapeze {
namespace {

// Control bits of the guest kernel that open EL0 access.
constexpr std::uint64_t kSctlrUma = 1ull << 9;    // MSR/MRS DAIF and MSR DAIFSet/DAIFClr
constexpr std::uint64_t kSctlrDze = 1ull << 14;   // DC ZVA
constexpr std::uint64_t kSctlrUct = 1ull << 15;   // CTR_EL0
constexpr std::uint64_t kSctlrNTwi = 1ull << 16;  // WFI does not trap
constexpr std::uint64_t kSctlrNTwe = 1ull << 18;  // WFE does not trap
constexpr std::uint64_t kSctlrUci = 1ull << 26;   // DC CVAU, CIVAC, CVAC, CVAP and IC IVAU
constexpr std::uint64_t kCntkctlEl0pcten = 1ull << 0;
constexpr std::uint64_t kCntkctlEl0vcten = 1ull << 1;
constexpr std::uint64_t kCntkctlEl0vten = 1ull << 8;
constexpr std::uint64_t kCntkctlEl0pten = 1ull << 9;

enum class Rule : std::uint8_t {
    ReadOnly,    // EL0 may read; a write is UNDEFINED
    ControlBit,  // EL0 may access it when `control` & `bits` is not 0; else trapped to EL1
};

struct Row {
    std::string_view what;  // the register or instruction, as the manual names it
    unsigned op0, op1, crn, crm, op2;
    Rule rule;
    SysregId control;
    std::uint64_t bits;
    std::string_view why;   // the control that keeps it from EL0, for the trace
};

constexpr SysregId kSctlr = SysregId::SCTLR_EL1;
constexpr SysregId kCntkctl = SysregId::CNTKCTL_EL1;

// Everything not in this table is UNDEFINED at EL0 (an EL1 register, or an instruction such
// as TLBI, AT, DC IVAC or IC IALLU). NZCV, TPIDR_EL0, FPCR and FPSR never trap at all.
constexpr Row kRows[] = {
    {"CTR_EL0", 3, 3, 0, 0, 1, Rule::ControlBit, kSctlr, kSctlrUct, "SCTLR_EL1.UCT = 0"},
    {"DCZID_EL0", 3, 3, 0, 0, 7, Rule::ReadOnly, kSctlr, 0, ""},
    {"DAIF", 3, 3, 4, 2, 1, Rule::ControlBit, kSctlr, kSctlrUma, "SCTLR_EL1.UMA = 0"},
    {"TPIDRRO_EL0", 3, 3, 13, 0, 3, Rule::ReadOnly, kSctlr, 0, ""},
    {"CNTFRQ_EL0", 3, 3, 14, 0, 0, Rule::ControlBit, kCntkctl, kCntkctlEl0pcten | kCntkctlEl0vcten,
     "CNTKCTL_EL1.EL0PCTEN = EL0VCTEN = 0"},
    {"CNTPCT_EL0", 3, 3, 14, 0, 1, Rule::ControlBit, kCntkctl, kCntkctlEl0pcten, "CNTKCTL_EL1.EL0PCTEN = 0"},
    {"CNTVCT_EL0", 3, 3, 14, 0, 2, Rule::ControlBit, kCntkctl, kCntkctlEl0vcten, "CNTKCTL_EL1.EL0VCTEN = 0"},
    {"CNTP_TVAL_EL0", 3, 3, 14, 2, 0, Rule::ControlBit, kCntkctl, kCntkctlEl0pten, "CNTKCTL_EL1.EL0PTEN = 0"},
    {"CNTP_CTL_EL0", 3, 3, 14, 2, 1, Rule::ControlBit, kCntkctl, kCntkctlEl0pten, "CNTKCTL_EL1.EL0PTEN = 0"},
    {"CNTP_CVAL_EL0", 3, 3, 14, 2, 2, Rule::ControlBit, kCntkctl, kCntkctlEl0pten, "CNTKCTL_EL1.EL0PTEN = 0"},
    {"CNTV_TVAL_EL0", 3, 3, 14, 3, 0, Rule::ControlBit, kCntkctl, kCntkctlEl0vten, "CNTKCTL_EL1.EL0VTEN = 0"},
    {"CNTV_CTL_EL0", 3, 3, 14, 3, 1, Rule::ControlBit, kCntkctl, kCntkctlEl0vten, "CNTKCTL_EL1.EL0VTEN = 0"},
    {"CNTV_CVAL_EL0", 3, 3, 14, 3, 2, Rule::ControlBit, kCntkctl, kCntkctlEl0vten, "CNTKCTL_EL1.EL0VTEN = 0"},
    // System instructions (Op0 = 1): the cache maintenance EL0 may be given.
    {"DC ZVA", 1, 3, 7, 4, 1, Rule::ControlBit, kSctlr, kSctlrDze, "SCTLR_EL1.DZE = 0"},
    {"IC IVAU", 1, 3, 7, 5, 1, Rule::ControlBit, kSctlr, kSctlrUci, "SCTLR_EL1.UCI = 0"},
    {"DC CVAC", 1, 3, 7, 10, 1, Rule::ControlBit, kSctlr, kSctlrUci, "SCTLR_EL1.UCI = 0"},
    {"DC CVAU", 1, 3, 7, 11, 1, Rule::ControlBit, kSctlr, kSctlrUci, "SCTLR_EL1.UCI = 0"},
    {"DC CVAP", 1, 3, 7, 12, 1, Rule::ControlBit, kSctlr, kSctlrUci, "SCTLR_EL1.UCI = 0"},
    {"DC CIVAC", 1, 3, 7, 14, 1, Rule::ControlBit, kSctlr, kSctlrUci, "SCTLR_EL1.UCI = 0"},
};

// MSR DAIFSet/DAIFClr (immediate) follow DAIF's rule.
const Row& kDaifRow = kRows[2];

const Row* find_row(const SysRegIss& iss) {
    if (pstate_field(iss) == PstateField::DAIFSet || pstate_field(iss) == PstateField::DAIFClr) return &kDaifRow;
    for (const Row& r : kRows)
        if (r.op0 == iss.op0 && r.op1 == iss.op1 && r.crn == iss.crn && r.crm == iss.crm && r.op2 == iss.op2) return &r;
    return nullptr;
}

}  // namespace

El0Decision el0_access(const Vcpu& vcpu, const SysRegIss& iss) {
    const Row* row = find_row(iss);
    if (!row) return {El0Verdict::Undefined, iss.op0 == 1 ? "not an EL0 instruction" : "not an EL0 register"};
    // A write to a read-only register is UNDEFINED whatever the controls say.
    if (const SysregInfo* reg = iss.op0 >= 2 ? find_sysreg(iss) : nullptr;
        reg && reg->access == SysregAccess::RO && !iss.read)
        return {El0Verdict::Undefined, "a read-only register"};
    switch (row->rule) {
        case Rule::ReadOnly:
            if (iss.read) return {El0Verdict::Allowed, ""};
            return {El0Verdict::Undefined, "read-only at EL0"};
        case Rule::ControlBit:
            if (vcpu.sysreg(row->control) & row->bits) return {El0Verdict::Allowed, ""};
            return {El0Verdict::TrapToEl1, row->why};
    }
    return {El0Verdict::Undefined, ""};
}

El0Decision el0_wait(const Vcpu& vcpu, bool wfe) {
    const std::uint64_t bit = wfe ? kSctlrNTwe : kSctlrNTwi;
    if (vcpu.sysreg(SysregId::SCTLR_EL1) & bit) return {El0Verdict::Allowed, ""};
    return {El0Verdict::TrapToEl1, wfe ? "SCTLR_EL1.nTWE = 0" : "SCTLR_EL1.nTWI = 0"};
}

}  // namespace trapeze
