// What each version's machine can be, checked against a scenario: one row per feature.
#include "vmm/target_support.h"

#include <optional>
#include <string>

#include <fmt/format.h>

namespace trapeze {
namespace {

struct Feature {
    bool MachineSupport::*supported;  // the version's flag
    std::string_view added_by;        // the lecture version that adds it
    std::string_view lacking;         // what a version without it does: "runs one pCPU"
    std::string_view them;            // "them" or "it", after "version vN adds"
    // What the scenario asks for, or nothing: "the scenario asks for 2".
    std::optional<std::string> (*asks)(const Scenario&);
};

std::string vm_named(const Scenario& s, std::size_t i) { return fmt::format("vms[{}] (\"{}\")", i, s.vms[i].name); }

constexpr Feature kFeatures[] = {
    {&MachineSupport::several_vms, "v5", "runs one VM", "them",
     [](const Scenario& s) -> std::optional<std::string> {
         if (s.vms.size() <= 1) return std::nullopt;  // (none: a control socket's machine before vm-create)
         return fmt::format("the scenario asks for {}", s.vms.size());
     }},
    {&MachineSupport::several_vms, "v5", "has no VM scheduler to choose", "it",
     [](const Scenario& s) -> std::optional<std::string> {
         if (s.monitor.policy == SchedulerPolicy::RoundRobin) return std::nullopt;
         return fmt::format("{} asks for the \"{}\" scheduler", s.scheduler_from, scheduler_policy_name(s.monitor.policy));
     }},
    {&MachineSupport::several_pcpus, "v6", "runs one pCPU", "them",
     [](const Scenario& s) -> std::optional<std::string> {
         if (s.monitor.pcpus == 1) return std::nullopt;
         return fmt::format("{} asks for {}", s.pcpus_from, s.monitor.pcpus);
     }},
    {&MachineSupport::several_pcpus, "v6", "places no VM on a pCPU", "it",
     [](const Scenario& s) -> std::optional<std::string> {
         for (std::size_t i = 0; i < s.vms.size(); ++i)
             if (!s.vms[i].affinity.empty()) return fmt::format("{} asks for an \"affinity\"", vm_named(s, i));
         return std::nullopt;
     }},
    {&MachineSupport::several_pcpus, "v6", "has no pCPUs to balance", "it",
     [](const Scenario& s) -> std::optional<std::string> {
         if (!s.monitor.balance) return std::nullopt;
         return fmt::format("{} asks for balancing", s.balance_from);
     }},
    {&MachineSupport::several_vcpus, "v7", "runs one vCPU per VM", "them",
     [](const Scenario& s) -> std::optional<std::string> {
         for (std::size_t i = 0; i < s.vms.size(); ++i)
             if (s.vms[i].vcpus > 1) return fmt::format("{} asks for {}", vm_named(s, i), s.vms[i].vcpus);
         return std::nullopt;
     }},
};

}  // namespace

void check_supported(const Scenario& scenario, const VersionHooks& hooks) {
    for (const Feature& f : kFeatures) {
        if (hooks.supports.*f.supported) continue;
        if (const auto asks = f.asks(scenario))
            throw ScenarioError(fmt::format("{} {}; {} — version {} adds {}", hooks.version, f.lacking, *asks, f.added_by, f.them));
    }
}

}  // namespace trapeze
