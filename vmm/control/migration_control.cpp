// The control socket's migrations: started, driven and ended between slices.
#include "vmm/control/migration_control.h"

#include <fmt/format.h>

#include "vmm/monitor.h"

namespace trapeze {
namespace {

const char* outcome_status(MigrationResult::Outcome outcome) {
    switch (outcome) {
        case MigrationResult::Outcome::Completed: return "completed";
        case MigrationResult::Outcome::GaveUp: return "gave-up";
        case MigrationResult::Outcome::Failed: return "failed";
        case MigrationResult::Outcome::InProgress: break;
    }
    return "active";
}

// A round as query-migrate and the migration-progress event tell it (the latter with the VM's name first).
nlohmann::ordered_json round_json(const MigrationRound& r, const std::string* name = nullptr) {
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    if (name) j["name"] = *name;
    j["round"] = r.number;
    j["pages_sent"] = r.pages_sent;
    j["bytes_sent"] = r.bytes_sent;
    j["pages_dirtied"] = r.pages_dirtied;
    j["instructions"] = r.instructions;
    j["throttle"] = r.throttle;
    return j;
}

}  // namespace

MigrationControl::MigrationControl(Monitor& monitor, VmLifecycle& lifecycle, EventSink events)
    : monitor_(monitor), lifecycle_(lifecycle), events_(std::move(events)) {}

MigrationControl::~MigrationControl() {
    // A migration still going when the process ends: the destination is told (no events).
    events_ = nullptr;
    if (out_ && out_->migration) out_->migration->abandon("the source's Trapeze ended");
}

void MigrationControl::emit(std::string_view event, Json data) {
    if (events_) events_(VmEvent{std::string(event), std::move(data)});
}

bool MigrationControl::moving(std::string_view name) const { return out_ && out_->status == "active" && out_->name == name; }

void MigrationControl::migrate(const std::string& name, const MigrationOptions& options) {
    try {
        parse_migration_address(options.to);
    } catch (const MigrationError& e) {
        throw LifecycleError("InvalidArguments", e.what());
    }
    if (monitor_.options().threads)
        throw LifecycleError("GenericError", "live migration needs the deterministic mode (no --threads)");
    if (out_ && out_->status == "active")
        throw LifecycleError("MigrationActive", fmt::format("VM \"{}\" is being migrated to {} (one migration out at a "
                                                            "time; migrate-cancel ends it)",
                                                            out_->name, out_->options.to));
    lifecycle_.check(name, VmVerb::Migrate);
    out_.emplace();
    out_->name = name;
    out_->options = options;
}

void MigrationControl::incoming(const VmConfig& config, const std::string& address) {
    if (monitor_.options().threads)
        throw LifecycleError("GenericError", "live migration needs the deterministic mode (no --threads)");
    if (in_ && (in_->status == "waiting" || in_->status == "receiving"))
        throw LifecycleError("MigrationActive", fmt::format("VM \"{}\" waits for its migration at {} (one migration in "
                                                            "at a time; migrate-cancel ends it)",
                                                            in_->name, in_->address));
    MigrationAddress parsed;
    try {
        parsed = parse_migration_address(address);
    } catch (const MigrationError& e) {
        throw LifecycleError("InvalidArguments", e.what());
    }
    const ManagedVm& m = lifecycle_.create_incoming(config);
    const std::string name = m.vm->name();
    std::unique_ptr<MigrationReceiver> receiver;
    try {
        receiver = std::make_unique<MigrationReceiver>(monitor_, std::vector<Vm*>{m.vm}, parsed);
    } catch (const MigrationError& e) {
        lifecycle_.abandon_incoming(name);
        throw LifecycleError("GenericError", e.what());
    }
    in_.emplace();
    in_->name = name;
    in_->address = address;
    in_->receiver = std::move(receiver);
}

MigrationControl::Json MigrationControl::cancel() {
    Json cancelled = Json::array();
    if (out_ && out_->status == "active") {
        cancelled.push_back({{"name", out_->name}, {"direction", "out"}});
        out_->cancelled = true;
        if (out_->migration) {
            out_->migration->abandon("cancelled by migrate-cancel");
        } else {  // asked, not started yet
            out_->result.outcome = MigrationResult::Outcome::GaveUp;
            out_->result.message = "cancelled by migrate-cancel";
        }
        finish_outgoing();
    }
    if (in_ && (in_->status == "waiting" || in_->status == "receiving")) {
        cancelled.push_back({{"name", in_->name}, {"direction", "in"}});
        fail_incoming("cancelled by migrate-cancel", "cancelled");
    }
    if (cancelled.empty()) throw LifecycleError("NoMigration", "no migration is running (query-migrate tells the last ones)");
    return {{"cancelled", cancelled}};
}

void MigrationControl::finish_outgoing() {
    Outgoing& o = *out_;
    if (o.migration) o.result = o.migration->result();
    o.status = o.cancelled ? "cancelled" : outcome_status(o.result.outcome);
    const MigrationResult& r = o.result;
    if (r.outcome == MigrationResult::Outcome::Completed) {
        lifecycle_.migrated(o.name);  // off this machine's pCPUs: it runs on there
        emit("migration-completed", {{"name", o.name},
                                     {"to", o.options.to},
                                     {"rounds", r.rounds.size()},
                                     {"final_pages", r.final_pages},
                                     {"total_pages", r.total_pages},
                                     {"total_bytes", r.total_bytes},
                                     {"downtime_instructions", r.downtime_instructions},
                                     {"downtime_host_ms", r.downtime_host_ms},
                                     {"total_instructions", r.total_instructions},
                                     {"total_host_ms", r.total_host_ms}});
    } else {
        const std::string event = o.cancelled                                        ? "migration-cancelled"
                                  : r.outcome == MigrationResult::Outcome::GaveUp ? "migration-gave-up"
                                                                                   : "migration-failed";
        emit(event, {{"name", o.name}, {"to", o.options.to}, {"reason", r.message}, {"rounds", r.rounds.size()}});
    }
    o.migration.reset();
}

void MigrationControl::fail_incoming(const std::string& why, const std::string& status) {
    Incoming& i = *in_;
    i.receiver.reset();  // the listener or the connection closed
    i.status = status;
    i.reason = why;
    lifecycle_.abandon_incoming(i.name);
    emit(status == "cancelled" ? "migration-cancelled" : "migration-failed",
         {{"name", i.name}, {"from", i.address}, {"reason", why}, {"incoming", true}});
}

void MigrationControl::between_slices(bool poll_incoming) {
    if (out_ && out_->status == "active") {
        Outgoing& o = *out_;
        if (!o.migration) {
            const ManagedVm& m = lifecycle_.find(o.name);
            MigrationEvents events;
            events.round = [this, &o](const MigrationRound& round) { emit("migration-progress", round_json(round, &o.name)); };
            o.migration = std::make_unique<Migration>(monitor_, *m.vm, o.options, std::move(events));
        } else if (lifecycle_.find(o.name).vm->status != VmStatus::Running) {  // it powered off or failed
            o.migration->abandon("the VM stopped before the migration finished");
        } else {
            o.migration->poll();
        }
        if (o.migration->finished()) finish_outgoing();
    }
    if (poll_incoming && in_ && in_->receiver) {
        Incoming& i = *in_;
        try {
            const bool arrived = i.receiver->poll(0);
            if (i.receiver->connected()) i.status = "receiving";
            i.progress = i.receiver->progress();
            if (arrived) {
                i.receiver.reset();
                i.status = "completed";
                lifecycle_.arrived(i.name);
                emit("migration-received", {{"name", i.name},
                                            {"from", i.address},
                                            {"pages", i.progress.pages},
                                            {"page_messages", i.progress.rounds},
                                            {"at_instruction", i.progress.at_instruction}});
            }
        } catch (const MigrationError& e) {
            fail_incoming(e.what(), "failed");
        }
    }
}

int MigrationControl::incoming_fd() const { return in_ && in_->receiver ? in_->receiver->fd() : -1; }

MigrationControl::Json MigrationControl::query() const {
    Json out = nullptr;
    if (out_) {
        const Outgoing& o = *out_;
        const MigrationResult& r = o.migration ? o.migration->result() : o.result;
        out = {{"name", o.name}, {"to", o.options.to}, {"status", o.status}};
        Json rounds = Json::array();
        for (const MigrationRound& round : r.rounds) rounds.push_back(round_json(round));
        out["rounds"] = rounds;
        if (o.status == "completed") {
            out["final_pages"] = r.final_pages;
            out["total_pages"] = r.total_pages;
            out["downtime_instructions"] = r.downtime_instructions;
            out["downtime_host_ms"] = r.downtime_host_ms;
        } else if (o.status != "active") {
            out["reason"] = r.message;
        }
    }
    Json in = nullptr;
    if (in_) {
        const Incoming& i = *in_;
        in = {{"name", i.name}, {"from", i.address}, {"status", i.status}, {"pages", i.progress.pages},
              {"page_messages", i.progress.rounds}};
        if (!i.reason.empty()) in["reason"] = i.reason;
    }
    return {{"outgoing", out}, {"incoming", in}};
}

}  // namespace trapeze
