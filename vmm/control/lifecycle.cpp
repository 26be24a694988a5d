// The VM lifecycle's table and its transitions.
#include "vmm/control/lifecycle.h"

#include <algorithm>

#include <fmt/format.h>

#include "vmm/monitor.h"

namespace trapeze {
namespace {

constexpr std::string_view kStateNames[kVmStateCount] = {"created", "running",  "paused",  "powered-off",
                                                         "stopped", "migrated", "incoming"};

// Which verb in which state. Refused: an error that names the state; nothing else changes.
//                           created running paused powered-off stopped migrated incoming
const VmVerbRule kVerbs[] = {
    {VmVerb::Boot, "boot", "boot", {true, false, false, false, false, false, false}, "start a created VM at its entry"},
    {VmVerb::Pause, "pause", "pause", {false, true, false, false, false, false, false},
     "take a running VM's vCPUs off the run queues"},
    {VmVerb::Resume, "resume", "resume", {false, false, true, false, false, false, false},
     "put a paused VM's vCPUs back, each as it was"},
    {VmVerb::Shutdown, "shutdown", "shut down", {false, true, false, false, false, false, false},
     "press the power button (SPI INTID 39); power off after the grace period if the guest does not"},
    {VmVerb::Reset, "reset", "reset", {false, true, true, true, true, false, false},
     "reload the image and restart at the entry"},
    {VmVerb::Destroy, "destroy", "destroy", {true, true, true, true, true, true, false},
     "take the VM off the machine and free it"},
    {VmVerb::Migrate, "migrate", "migrate", {false, true, false, false, false, false, false},
     "move the running VM to another Trapeze by pre-copy; it runs on there"},
};

std::string what_allows(const VmVerbRule& rule) {
    std::vector<std::string_view> states;
    for (std::size_t s = 0; s < kVmStateCount; ++s)
        if (rule.allowed_in[s]) states.push_back(kStateNames[s]);
    if (states.size() == 1) return std::string(states[0]);
    return fmt::format("{} or {}", fmt::join(states.begin(), states.end() - 1, ", "), states.back());
}

}  // namespace

std::string_view vm_state_name(VmState state) { return kStateNames[static_cast<std::size_t>(state)]; }

std::span<const VmVerbRule> vm_verb_rules() { return kVerbs; }

const VmVerbRule& vm_verb_rule(VmVerb verb) { return kVerbs[static_cast<std::size_t>(verb)]; }

const VmVerbRule* vm_verb_by_name(std::string_view name) {
    for (const VmVerbRule& r : kVerbs)
        if (r.name == name) return &r;
    return nullptr;
}

std::uint64_t vm_instructions(Vm& vm) {
    std::uint64_t n = 0;
    for (auto& v : vm.vcpus()) n += v->retired;
    return n;
}

VmLifecycle::VmLifecycle(Monitor& monitor, MakeVm make_vm, EventSink events)
    : monitor_(monitor), make_vm_(std::move(make_vm)), events_(std::move(events)) {}

VmState VmLifecycle::state(const ManagedVm& m) const {
    if (m.incoming) return VmState::Incoming;
    if (!m.booted) return VmState::Created;
    switch (m.vm->status) {
        case VmStatus::Running: return m.vm->paused ? VmState::Paused : VmState::Running;
        case VmStatus::PoweredOff: return VmState::PoweredOff;
        case VmStatus::Failed: return VmState::Stopped;
        case VmStatus::Migrated: return VmState::Migrated;  // it runs on elsewhere; here it is over
    }
    return VmState::Stopped;
}

const ManagedVm& VmLifecycle::find(std::string_view name) const {
    for (const auto& m : vms_)
        if (m->vm->name() == name) return *m;
    std::vector<std::string> names;
    for (const auto& m : vms_) names.push_back(fmt::format("\"{}\"", m->vm->name()));
    throw LifecycleError("VmNotFound", names.empty() ? fmt::format("no VM is named \"{}\" (there is none)", name)
                                                     : fmt::format("no VM is named \"{}\" (there are {})", name,
                                                                   fmt::join(names, ", ")));
}

ManagedVm& VmLifecycle::find_mutable(std::string_view name) { return const_cast<ManagedVm&>(find(name)); }

void VmLifecycle::emit(ManagedVm& m, std::string_view event, nlohmann::ordered_json data) {
    m.reported = state(m);
    nlohmann::ordered_json all = {{"name", m.vm->name()}};
    for (auto& [key, value] : data.items()) all[key] = value;
    if (events_) events_(VmEvent{std::string(event), std::move(all)});
}

void VmLifecycle::adopt(Vm& vm, const VmConfig& config, std::unique_ptr<Vm> owned, bool booted) {
    auto m = std::make_unique<ManagedVm>();
    m->owned = std::move(owned);
    m->vm = &vm;
    m->config = config;
    m->booted = booted;
    m->reported = state(*m);
    next_id_ = std::max(next_id_, vm.id() + 1);
    vms_.push_back(std::move(m));
}

const ManagedVm& VmLifecycle::create(const VmConfig& config) {
    for (const auto& m : vms_)
        if (m->vm->name() == config.name)
            throw LifecycleError("InvalidArguments", fmt::format("the name \"{}\" is taken by a VM that is {}", config.name,
                                                                 vm_state_name(state(*m))));
    std::vector<const ManagedVm*> others;
    for (const auto& m : vms_) others.push_back(m.get());
    std::unique_ptr<Vm> vm = make_vm_(next_id_, config, others);
    ++next_id_;
    Vm& made = *vm;
    adopt(made, config, std::move(vm), false);
    emit(*vms_.back(), "vm-created");
    return *vms_.back();
}

const ManagedVm& VmLifecycle::check(std::string_view name, VmVerb verb) const {
    const ManagedVm& m = find(name);
    const VmVerbRule& rule = vm_verb_rule(verb);
    const VmState now = state(m);
    if (!rule.allowed_in[static_cast<std::size_t>(now)])
        throw LifecycleError("WrongState", fmt::format("cannot {} VM \"{}\": it is {} (only a VM that is {} can be)",
                                                       rule.phrase, name, vm_state_name(now), what_allows(rule)));
    return m;
}

void VmLifecycle::apply(std::string_view name, VmVerb verb, std::uint64_t grace) {
    check(name, verb);
    ManagedVm& m = find_mutable(name);
    switch (verb) {
        case VmVerb::Boot: boot(m); break;
        case VmVerb::Pause:
            monitor_.pause(*m.vm);
            emit(m, "vm-paused");
            break;
        case VmVerb::Resume:
            monitor_.resume(*m.vm);
            emit(m, "vm-resumed");
            break;
        case VmVerb::Shutdown: shutdown(m, grace); break;
        case VmVerb::Reset: reset(m); break;
        case VmVerb::Destroy: destroy(m); break;
        case VmVerb::Migrate:  // a migration needs its destination and lives as long as it runs
            throw LifecycleError("GenericError",
                                 "a VM migrates by the control socket's migrate command, or the stepper's migrate ADDRESS");
    }
}

const ManagedVm& VmLifecycle::create_incoming(const VmConfig& config) {
    const ManagedVm& made = create(config);
    const_cast<ManagedVm&>(made).incoming = true;
    const_cast<ManagedVm&>(made).reported = VmState::Incoming;
    return made;
}

void VmLifecycle::arrived(std::string_view name) {
    ManagedVm& m = find_mutable(name);
    m.incoming = false;
    m.booted = true;  // the migration put it on the monitor
    m.reported = state(m);
}

void VmLifecycle::abandon_incoming(std::string_view name) {
    ManagedVm& m = find_mutable(name);
    monitor_.remove(*m.vm);  // (if the migration had put it there)
    m.incoming = false;
    m.booted = false;
    destroy(m);
}

void VmLifecycle::migrated(std::string_view name) {
    ManagedVm& m = find_mutable(name);
    monitor_.remove(*m.vm);
    m.reported = state(m);
}

void VmLifecycle::boot(ManagedVm& m) {
    // The VM's virtual counter starts at zero when it boots, whenever that is (KVM's CNTVOFF).
    m.vm->counter_offset = monitor_.now_ns() / kNanosecondsPerTick;
    monitor_.add(*m.vm);
    m.booted = true;
    emit(m, "vm-booted");
}

void VmLifecycle::shutdown(ManagedVm& m, std::uint64_t grace) {
    m.vm->press_power_button(kPowerButtonIntid);
    m.shutdown_requested = true;
    m.shutdown_grace = grace;
    m.shutdown_at = vm_instructions(*m.vm) + grace;
    emit(m, "vm-shutdown-requested", {{"grace", grace}});
}

void VmLifecycle::reset(ManagedVm& m) {
    Vm& vm = *m.vm;
    const bool paused = vm.paused;
    monitor_.remove(vm);
    vm.reset();
    vm.status = VmStatus::Running;
    vm.stop_reason.clear();
    vm.paused = false;
    m.shutdown_at.reset();
    m.shutdown_requested = false;
    m.shutdown_forced = false;
    vm.counter_offset = monitor_.now_ns() / kNanosecondsPerTick;
    monitor_.add(vm);
    if (paused) monitor_.pause(vm);
    emit(m, "vm-reset");
}

void VmLifecycle::destroy(ManagedVm& m) {
    m.vm->stop(VmStatus::Failed, "destroyed");  // for whoever else holds it (the stepper's VM)
    if (m.booted) monitor_.remove(*m.vm);
    const std::string name = m.vm->name();
    if (events_) events_(VmEvent{"vm-destroyed", {{"name", name}}});
    std::erase_if(vms_, [&m](const std::unique_ptr<ManagedVm>& x) { return x.get() == &m; });
}

void VmLifecycle::between_slices() {
    for (auto& m : vms_) {
        if (!m->booted) continue;
        Vm& vm = *m->vm;
        if (m->shutdown_at && vm.running() && vm_instructions(vm) >= *m->shutdown_at) {
            vm.stop(VmStatus::PoweredOff, fmt::format("the guest did not power off within {} instructions of the "
                                                      "shutdown request: the VMM powered it off",
                                                      m->shutdown_grace));
            m->shutdown_forced = true;
        }
        const VmState now = state(*m);
        if (now == m->reported) continue;
        if (now == VmState::PoweredOff) {
            nlohmann::ordered_json data = {{"reason", vm.stop_reason}};
            if (m->shutdown_requested) data["shutdown"] = m->shutdown_forced ? "forced" : "by the guest";
            emit(*m, "vm-powered-off", std::move(data));
        } else if (now == VmState::Stopped) {
            emit(*m, "vm-stopped", {{"reason", vm.stop_reason}});
        } else {
            m->reported = now;
        }
    }
}

}  // namespace trapeze
