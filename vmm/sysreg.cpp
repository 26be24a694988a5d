// The system-register table and lookups by encoding.
#include "vmm/sysreg.h"

#include <array>

#include <fmt/format.h>

#include "emulator/trap_policy.h"

namespace trapeze {
namespace {

constexpr SysregInfo kSysregs[] = {
#define SYSREG(name, op0, op1, crn, crm, op2, access, group, reset) \
    {SysregId::name, #name, op0, op1, crn, crm, op2, SysregAccess::access, SysregGroup::group, reset},
#include "vmm/sysregs.inc"
#undef SYSREG
};

constexpr std::uint32_t key(unsigned op0, unsigned op1, unsigned crn, unsigned crm, unsigned op2) {
    return (op0 << 14) | (op1 << 11) | (crn << 7) | (crm << 3) | op2;
}

// Every trapped MSR/MRS looks its register up: one load from a table indexed by the 16-bit
// encoding instead of a search. Filled before main() runs.
constexpr std::uint8_t kNoSysreg = 0xff;
static_assert(std::size(kSysregs) < kNoSysreg);
std::array<std::uint8_t, 1u << 16> sysreg_index;
const bool sysreg_index_filled = [] {
    sysreg_index.fill(kNoSysreg);
    for (std::size_t i = 0; i < std::size(kSysregs); ++i) {
        const SysregInfo& r = kSysregs[i];
        sysreg_index[key(r.op0, r.op1, r.crn, r.crm, r.op2)] = static_cast<std::uint8_t>(i);
    }
    return true;
}();

}  // namespace

std::span<const SysregInfo> sysreg_table() { return kSysregs; }

const SysregInfo& sysreg_info(SysregId id) { return kSysregs[static_cast<std::size_t>(id)]; }

const SysregInfo* find_sysreg(const SysRegIss& iss) {
    const std::uint8_t i = sysreg_index[key(iss.op0, iss.op1, iss.crn, iss.crm, iss.op2)];
    return i == kNoSysreg ? nullptr : &kSysregs[i];
}

std::string_view sysreg_group_name(SysregGroup group) {
    constexpr std::array<std::string_view, 10> names = {"native", "irq_handler", "irq_bit", "timer", "gic",
                                                        "exception", "context", "id", "mmu", "debug"};
    return names[static_cast<std::size_t>(group)];
}

std::string sysreg_name(const SysRegIss& iss) {
    if (iss.op0 != 0) {
        if (const SysregInfo* r = find_sysreg(iss)) return std::string(r->name);
        // Not one the VMM emulates: the trap policy's wider table of names may know it.
        const std::string_view known = system_register_name(iss.op0, iss.op1, iss.crn, iss.crm, iss.op2);
        if (!known.empty()) return std::string(known);
    }
    return fmt::format("S{}_{}_C{}_C{}_{}", iss.op0, iss.op1, iss.crn, iss.crm, iss.op2);
}

PstateField pstate_field(const SysRegIss& iss) {
    if (iss.op0 != 0 || iss.crn != 4 || iss.op1 != 3) return PstateField::None;
    if (iss.op2 == 6) return PstateField::DAIFSet;
    if (iss.op2 == 7) return PstateField::DAIFClr;
    return PstateField::None;
}

std::string describe_sysreg_access(const SysRegIss& iss) {
    switch (pstate_field(iss)) {
        case PstateField::DAIFSet: return fmt::format("MSR DAIFSet, #{}", iss.crm);
        case PstateField::DAIFClr: return fmt::format("MSR DAIFClr, #{}", iss.crm);
        case PstateField::None: break;
    }
    if (iss.op0 == 1) {  // the SYS/SYSL space: cache, TLB and address-translation maintenance
        const std::string_view alias = iss.read ? "" : system_instruction_name(iss.op1, iss.crn, iss.crm, iss.op2);
        if (!alias.empty()) return iss.rt == 31 ? std::string(alias) : fmt::format("{}, x{}", alias, iss.rt);
        return fmt::format("{} #{}, C{}, C{}, #{}, x{}", iss.read ? "SYSL" : "SYS", iss.op1, iss.crn, iss.crm, iss.op2,
                           iss.rt);
    }
    const std::string name = sysreg_name(iss);
    const std::string reg = iss.rt == 31 ? "xzr" : fmt::format("x{}", iss.rt);
    return iss.read ? fmt::format("MRS {}, {}", reg, name) : fmt::format("MSR {}, {}", name, reg);
}

}  // namespace trapeze
