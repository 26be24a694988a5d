// Live migration on the control socket: the one migration out (`migrate`) and the one in
// (`migrate-incoming`) a process drives at a time, their state for query-migrate, and their
// events. Commands only ask; the migrations start, make progress and end at slice boundaries
// (between_slices), so a given sequence of commands gives the same rounds on every run.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "vmm/control/lifecycle.h"
#include "vmm/migration.h"

namespace trapeze {

class MigrationControl {
public:
    using Json = nlohmann::ordered_json;
    using EventSink = VmLifecycle::EventSink;

    MigrationControl(Monitor& monitor, VmLifecycle& lifecycle, EventSink events);
    ~MigrationControl();

    // `migrate`: the VM `name` (running) to `options.to`, from the next slice boundary on.
    // Throws LifecycleError (VmNotFound, WrongState, MigrationActive, InvalidArguments).
    void migrate(const std::string& name, const MigrationOptions& options);
    // `migrate-incoming`: a VM made from `config` waits at `address` for its source. Throws
    // LifecycleError (a taken name, an address nobody can listen at, MigrationActive).
    void incoming(const VmConfig& config, const std::string& address);
    // `migrate-cancel`: ends what runs (out: the VM runs on here; in: the waiting VM goes).
    // Throws LifecycleError("NoMigration") when nothing runs.
    Json cancel();
    Json query() const;
    // Whether the VM `name` is being moved out (the verbs that would pull it away wait).
    bool moving(std::string_view name) const;

    // At a slice boundary: start what was asked, end a round whose time is over. With
    // `poll_incoming`, also take what a source sent (a system call: not at every boundary).
    void between_slices(bool poll_incoming);
    int incoming_fd() const;  // for the idle machine's poll(); -1 if none

private:
    struct Outgoing {
        std::string name;
        MigrationOptions options;
        std::unique_ptr<Migration> migration;  // null until the slice boundary that starts it
        std::string status = "active";         // then completed, failed, gave-up or cancelled
        MigrationResult result;
        bool cancelled = false;
    };
    struct Incoming {
        std::string name;
        std::string address;
        std::unique_ptr<MigrationReceiver> receiver;
        std::string status = "waiting";  // then receiving, completed, failed or cancelled
        std::string reason;
        IncomingMigration progress;
    };

    void finish_outgoing();
    void fail_incoming(const std::string& why, const std::string& status);
    void emit(std::string_view event, Json data);

    Monitor& monitor_;
    VmLifecycle& lifecycle_;
    EventSink events_;
    std::optional<Outgoing> out_;
    std::optional<Incoming> in_;
};

}  // namespace trapeze
