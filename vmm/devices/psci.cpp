// PSCI function names for traces.
#include "vmm/devices/psci.h"

namespace trapeze::psci {

std::string_view function_name(std::uint64_t id) {
    switch (static_cast<std::uint32_t>(id)) {
        case kVersion: return "PSCI_VERSION";
        case kCpuSuspend: return "CPU_SUSPEND";
        case kCpuOff: return "CPU_OFF";
        case kCpuOn: return "CPU_ON";
        case kAffinityInfo: return "AFFINITY_INFO";
        case kSystemOff: return "SYSTEM_OFF";
        case kSystemReset: return "SYSTEM_RESET";
        case kFeatures: return "PSCI_FEATURES";
        default: return "unknown";
    }
}

}  // namespace trapeze::psci
