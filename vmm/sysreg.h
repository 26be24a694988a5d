// The system-register table: every register the VMM knows, by encoding, with its reset
// value and the part of the platform it belongs to. Shared by the trap handlers, the
// trace, the stepper and --list-traps.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "emulator/exception_class.h"

namespace trapeze {

enum class SysregId : std::uint16_t {
#define SYSREG(name, op0, op1, crn, crm, op2, access, group, reset) name,
#include "vmm/sysregs.inc"
#undef SYSREG
    Count,
};
inline constexpr std::size_t kSysregCount = static_cast<std::size_t>(SysregId::Count);

enum class SysregAccess : std::uint8_t { RW, RO, WO };

// The part of the platform a register belongs to; each version virtualizes some groups.
enum class SysregGroup : std::uint8_t {
    Native,      // executes at EL0 without trapping (NZCV, TPIDR_EL0)
    IrqHandler,  // VBAR_EL1: the lecture's irq_handler
    IrqBit,      // DAIF: the lecture's irq_bit (PSTATE.I)
    Timer,       // the generic timer
    Gic,         // the GICv3 CPU interface
    Exception,   // exception-return state and the virtual PSTATE (ELR, SPSR, ESR, FAR, SPSel...)
    Context,     // other EL1 context (SCTLR, CPACR, TPIDR_EL1...)
    Id,          // identification registers
    Mmu,         // the guest's stage-1 translation
    Debug,       // debug registers
};

inline constexpr std::uint64_t kSctlrM = 1u << 0;  // SCTLR_EL1.M: the stage-1 MMU is on

struct SysregInfo {
    SysregId id;
    std::string_view name;
    std::uint8_t op0, op1, crn, crm, op2;
    SysregAccess access;
    SysregGroup group;
    std::uint64_t reset;
};

std::span<const SysregInfo> sysreg_table();
const SysregInfo& sysreg_info(SysregId id);
// The row for a trapped MSR/MRS, or nullptr if the VMM does not know the register.
const SysregInfo* find_sysreg(const SysRegIss& iss);
std::string_view sysreg_group_name(SysregGroup group);

// The name of a system register or instruction by encoding: the table's name, or the
// manual's generic S<op0>_<op1>_C<n>_C<m>_<op2> form.
std::string sysreg_name(const SysRegIss& iss);

// MSR (immediate) to a PSTATE field arrives as a trapped MSR with Op0 = 0 and CRn = 4.
enum class PstateField : std::uint8_t { None, DAIFSet, DAIFClr };
PstateField pstate_field(const SysRegIss& iss);

// "MSR VBAR_EL1, x0", "MRS x3, CNTVCT_EL0", "MSR DAIFSet, #2", "SYS TLBI..." from an ISS.
std::string describe_sysreg_access(const SysRegIss& iss);

}  // namespace trapeze
