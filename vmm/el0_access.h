// What the guest's user code (virtual EL0) may do with system registers and system
// instructions, by the manual's rules: most EL1 state is UNDEFINED at EL0; a few registers
// and cache operations are EL0's when a control bit of the guest kernel allows them, and
// are trapped to EL1 (EC 0x18) when it does not. One table, in el0_access.cpp.
#pragma once

#include <cstdint>
#include <string_view>

#include "emulator/exception_class.h"

namespace trapeze {

class Vcpu;

enum class El0Verdict : std::uint8_t {
    Allowed,    // EL0 may do it: the VMM emulates it as for EL1
    Undefined,  // UNDEFINED at EL0: the guest kernel gets EC 0x00
    TrapToEl1,  // a control bit keeps it from EL0: the guest kernel gets EC 0x18 with this ISS
};

struct El0Decision {
    El0Verdict verdict = El0Verdict::Undefined;
    std::string_view why;  // "CNTKCTL_EL1.EL0VCTEN = 0", "EL1 register"... for the trace
};

// The verdict for a trapped MSR, MRS or SYS that the guest executed at virtual EL0.
El0Decision el0_access(const Vcpu& vcpu, const SysRegIss& iss);

// The verdict for WFI (wfe = false) or WFE at virtual EL0: SCTLR_EL1.nTWI / nTWE.
El0Decision el0_wait(const Vcpu& vcpu, bool wfe);

}  // namespace trapeze
