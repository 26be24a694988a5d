// The life of a managed VM: its states, the one table of which verb (boot, pause, resume,
// shutdown, reset, destroy) is allowed in which state, and the transitions, applied to the
// monitor between slices. The control socket and the stepper's `vm` command both go through
// here, so a VM has one life whoever drives it.
//
//   created --boot--> running <--pause/resume--> paused
//   running --(the guest powers off, or shutdown + grace)--> powered-off
//   running --(a fault, its budget, nothing can wake it)--> stopped
//   running, paused, powered-off, stopped --reset--> running (paused stays paused)
//   running --migrate--> (the migration ends) migrated (it runs on elsewhere; off this machine)
//   (migrate-incoming) incoming --(the state came)--> running
//   any state but incoming --destroy--> gone
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "vmm/vm.h"

namespace trapeze {

class Monitor;

enum class VmState : std::uint8_t { Created, Running, Paused, PoweredOff, Stopped, Migrated, Incoming };
inline constexpr std::size_t kVmStateCount = 7;
std::string_view vm_state_name(VmState state);  // "powered-off"

enum class VmVerb : std::uint8_t { Boot, Pause, Resume, Shutdown, Reset, Destroy, Migrate };

// One row per verb: the states it is allowed in, by VmState.
struct VmVerbRule {
    VmVerb verb;
    std::string_view name;                       // "shutdown"
    std::string_view phrase;                     // "shut down" (in messages)
    std::array<bool, kVmStateCount> allowed_in;  // created, running, paused, powered-off, stopped, migrated, incoming
    std::string_view what;                       // one line, for help texts
};
std::span<const VmVerbRule> vm_verb_rules();
const VmVerbRule& vm_verb_rule(VmVerb verb);
const VmVerbRule* vm_verb_by_name(std::string_view name);

// The shutdown request: the power button's SPI (QEMU's virt board wires its PL061 GPIO, which
// carries the power button, to SPI 7). The line stays high until the VM is reset.
inline constexpr unsigned kPowerButtonIntid = 39;
// Guest instructions the VM gets after the request to power off itself (10 ms of virtual time).
inline constexpr std::uint64_t kDefaultShutdownGrace = 10'000'000;

// A refused or failed request: a class a program can test ("WrongState") and a sentence.
class LifecycleError : public std::runtime_error {
public:
    LifecycleError(std::string error_class, const std::string& description)
        : std::runtime_error(description), error_class(std::move(error_class)) {}
    std::string error_class;
};

// Something that happened to a VM: "vm-paused" and what it says ({"name": "vm0"}).
struct VmEvent {
    std::string name;
    nlohmann::ordered_json data;
};

struct ManagedVm {
    std::unique_ptr<Vm> owned;  // null when someone else owns the VM (the stepper's)
    Vm* vm = nullptr;
    VmConfig config;
    bool booted = false;
    std::optional<std::uint64_t> shutdown_at;  // instructions at which a requested shutdown is forced
    bool shutdown_requested = false;
    std::uint64_t shutdown_grace = 0;
    bool shutdown_forced = false;  // the grace period ended it, not the guest
    VmState reported = VmState::Created;  // the state the last event told
    bool incoming = false;  // made by migrate-incoming: waits for its state from a source
};

class VmLifecycle {
public:
    // Builds a VM from its configuration (throws ScenarioError); `others` are the VMs that
    // exist now, for the checks that look at the whole machine.
    using MakeVm = std::function<std::unique_ptr<Vm>(unsigned id, const VmConfig& config,
                                                     const std::vector<const ManagedVm*>& others)>;
    using EventSink = std::function<void(const VmEvent& event)>;

    VmLifecycle(Monitor& monitor, MakeVm make_vm, EventSink events);

    // A VM made elsewhere (the command line's), already added to the monitor if `booted`.
    void adopt(Vm& vm, const VmConfig& config, std::unique_ptr<Vm> owned, bool booted);
    const ManagedVm& create(const VmConfig& config);
    // Apply `verb` to the VM `name`, or throw LifecycleError (VmNotFound, WrongState).
    // `grace` is the shutdown's, in guest instructions. Migrate only checks the state: the
    // migration is the caller's.
    void apply(std::string_view name, VmVerb verb, std::uint64_t grace = kDefaultShutdownGrace);
    // Whether `verb` is allowed on the VM `name` now: the VM, or LifecycleError as apply() throws.
    const ManagedVm& check(std::string_view name, VmVerb verb) const;
    // A VM that waits for an incoming migration (created, not booted); `arrived` once its state
    // came and it runs on the monitor, `abandon` when the migration failed (it is destroyed).
    const ManagedVm& create_incoming(const VmConfig& config);
    void arrived(std::string_view name);
    void abandon_incoming(std::string_view name);
    // A VM that has moved to another machine leaves this one's monitor.
    void migrated(std::string_view name);

    VmState state(const ManagedVm& m) const;
    const ManagedVm& find(std::string_view name) const;
    const std::vector<std::unique_ptr<ManagedVm>>& vms() const { return vms_; }

    // Between slices: the events of VMs that stopped or powered off by themselves, and the
    // power-off of those whose shutdown grace period is over.
    void between_slices();

private:
    ManagedVm& find_mutable(std::string_view name);
    void emit(ManagedVm& m, std::string_view event, nlohmann::ordered_json data = nlohmann::ordered_json::object());
    void boot(ManagedVm& m);
    void reset(ManagedVm& m);
    void destroy(ManagedVm& m);
    void shutdown(ManagedVm& m, std::uint64_t grace);

    Monitor& monitor_;
    MakeVm make_vm_;
    EventSink events_;
    std::vector<std::unique_ptr<ManagedVm>> vms_;
    unsigned next_id_ = 0;
};

// A VM's instructions retired, over its vCPUs.
std::uint64_t vm_instructions(Vm& vm);

}  // namespace trapeze
