// Which version of the lecture first virtualizes what: one table per kind of exit.
#include "versions/roadmap.h"

#include "vmm/devices/psci.h"
#include "vmm/mmio.h"
#include "vmm/sysreg.h"
#include "vmm/vm.h"

namespace trapeze {
namespace {

struct GroupVersion {
    SysregGroup group;
    std::string_view version;
};
constexpr GroupVersion kSysregGroups[] = {
    {SysregGroup::IrqHandler, "v2"}, {SysregGroup::IrqBit, "v2"},   {SysregGroup::Timer, "v2"},
    {SysregGroup::Gic, "v2"},        {SysregGroup::Exception, "v2"}, {SysregGroup::Context, "v2"},
    {SysregGroup::Id, "v2"},         {SysregGroup::Mmu, "v2"},       {SysregGroup::Debug, "v2"},
};

struct PsciVersion {
    std::uint32_t function;
    std::string_view version;
};
constexpr PsciVersion kPsciCalls[] = {
    {psci::kSystemOff, "v1"},  {psci::kVersion, "v2"}, {psci::kFeatures, "v2"},     {psci::kSystemReset, "v2"},
    {psci::kCpuOn, "v7"},      {psci::kCpuOff, "v7"},  {psci::kAffinityInfo, "v7"},
};

// Exception classes a version handles whole: from v3 on, what the hardware would raise to
// EL1 is forwarded to the guest kernel.
struct ClassVersion {
    ExceptionClass ec;
    std::string_view version;
};
constexpr ClassVersion kClasses[] = {
    {ExceptionClass::WfiWfe, "v2"},       {ExceptionClass::Svc64, "v3"},       {ExceptionClass::Smc64, "v3"},
    {ExceptionClass::Brk64, "v3"},        {ExceptionClass::PcAlignment, "v3"}, {ExceptionClass::SpAlignment, "v3"},
    {ExceptionClass::IllegalState, "v3"}, {ExceptionClass::FpAccess, "v3"},    {ExceptionClass::InstructionAbortLower, "v3"},
};

struct DeviceVersion {
    std::string_view device;
    std::string_view version;
};
constexpr DeviceVersion kDevices[] = {{"pl011", "v1"}, {"gicd", "v2"}, {"gicr", "v2"}};

std::string_view sysreg_version(const Vcpu& vcpu, const SysRegIss& iss) {
    if (pstate_field(iss) != PstateField::None) return "v2";  // DAIFSet / DAIFClr: irq_bit
    if (iss.op0 == 1) return "v3";                             // TLBI, DC, IC, AT
    const SysregInfo* reg = find_sysreg(iss);
    if (!reg) return "v3";  // a register this machine lacks: v3 makes it UNDEFINED for the guest
    // The MMU registers are kept from v2 on; turning the MMU on (SCTLR_EL1.M) needs v3.
    if (reg->id == SysregId::SCTLR_EL1 && !iss.read && (vcpu.x(iss.rt) & kSctlrM)) return "v3";
    for (const auto& g : kSysregGroups)
        if (g.group == reg->group) return g.version;
    return {};
}

}  // namespace

std::string_view lecture_roadmap(const Vcpu& vcpu, const Exit& exit) {
    switch (exit.ec()) {
        case ExceptionClass::SysRegister: return sysreg_version(vcpu, SysRegIss::decode(exit.iss()));
        case ExceptionClass::Hvc64:
            for (const auto& c : kPsciCalls)
                if (c.function == static_cast<std::uint32_t>(vcpu.x(0))) return c.version;
            return {};
        case ExceptionClass::DataAbortLower:
            for (const auto& d : kDevices)
                if (d.device == vcpu.vm().device_at(abort_address(exit))) return d.version;
            return {};
        case ExceptionClass::Unknown: return exit.op == Op::ERET ? "v2" : "v3";  // v3: UNDEFINED for the guest
        default:
            for (const auto& c : kClasses)
                if (c.ec == exit.ec()) return c.version;
            return {};
    }
}

}  // namespace trapeze
