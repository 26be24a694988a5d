// The wording the exercises share: values, PSTATE and its fields.
#include "tools/quiz/question.h"

#include <regex>

#include <fmt/format.h>

#include "vmm/vm.h"

namespace trapeze::quiz {

std::string hex(std::uint64_t value) { return fmt::format("{:#x}", value); }

std::string daif_text(std::uint32_t daif) {
    std::string masked;
    constexpr std::pair<std::uint32_t, const char*> kBits[] = {
        {1u << 9, "D"}, {1u << 8, "A"}, {1u << 7, "I"}, {1u << 6, "F"}};
    for (const auto& [bit, name] : kBits)
        if (daif & bit) masked += masked.empty() ? name : fmt::format(" {}", name);
    return masked.empty() ? "none masked" : masked + " masked";
}

std::string nzcv_text(std::uint32_t nzcv) {
    return fmt::format("N={} Z={} C={} V={}", (nzcv >> 31) & 1, (nzcv >> 30) & 1, (nzcv >> 29) & 1, (nzcv >> 28) & 1);
}

std::string mode_text(std::uint32_t spsr) {
    const unsigned el = (spsr >> 2) & 3;
    const bool h = spsr & 1;
    if (el == 0) return "EL0t (EL0, SP_EL0)";
    return fmt::format("EL{}{} (EL{}, SP_EL{})", el, h ? "h" : "t", el, h ? el : 0);
}

std::string pstate_text(std::uint32_t spsr) {
    return fmt::format("{}, {}, {}", mode_text(spsr), daif_text(spsr & 0x3c0), nzcv_text(spsr & 0xf000'0000));
}

std::string vm_outcome(const Vm& vm) {
    switch (vm.status) {
        case VmStatus::Running: return "goes on";
        case VmStatus::PoweredOff: return "powered off";
        case VmStatus::Migrated: return "migrated";
        case VmStatus::Failed: {
            std::smatch m;
            if (std::regex_search(vm.stop_reason, m, std::regex("version (v[0-9]) adds it")))
                return fmt::format("stopped: not virtualized here, {} adds it", m[1].str());
            return "stopped: " + vm.stop_reason;
        }
    }
    return "?";
}

}  // namespace trapeze::quiz
