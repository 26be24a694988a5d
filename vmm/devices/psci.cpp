// PSCI function names for traces.
#include "vmm/devices/psci.h"

namespace trapeze::psci {
namespace {

struct Function {
    std::uint32_t id;
    std::string_view name;
};

constexpr Function kFunctions[] = {
    {kVersion, "PSCI_VERSION"},   {kCpuSuspend, "CPU_SUSPEND"}, {kCpuOff, "CPU_OFF"},
    {kCpuOn, "CPU_ON"},           {kAffinityInfo, "AFFINITY_INFO"}, {kSystemOff, "SYSTEM_OFF"},
    {kSystemReset, "SYSTEM_RESET"}, {kFeatures, "PSCI_FEATURES"},
};

}  // namespace

std::string_view function_name(std::uint64_t id) {
    for (const Function& f : kFunctions)
        if (f.id == static_cast<std::uint32_t>(id)) return f.name;
    return "unknown";
}

}  // namespace trapeze::psci
