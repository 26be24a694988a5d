// Live migration of a running VM to another Trapeze process, as pre-copy does it: the VM's
// dirty log on (vmm/vm.h), round 0 sends every touched page while the guest runs, each
// later round the pages it dirtied during the one before, until few are left; then a short
// stop-and-copy sends those and the rest of the machine (a snapshot without memory,
// vmm/snapshot.h), and the VM runs on at the destination. The link has a bandwidth in
// virtual time, so in the deterministic mode the rounds and their counts are the same on
// every run. A guest that dirties faster than the link drains is throttled (auto-converge)
// or, past the last round, the migration stops and the VM runs on here. The VM may be one of
// several: the others run on here untouched. The stream is docs/migration-stream.md.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vmm/debug_agent.h"
#include "vmm/migration_channel.h"

namespace trapeze {

class Monitor;
class Vm;

struct MigrationOptions {
    std::string to;                     // the destination: unix:PATH or tcp:HOST:PORT
    std::uint64_t bandwidth_mib = 128;  // the link, in MiB per second of virtual time
    std::uint64_t threshold_pages = 64; // stop and copy once a round leaves this few dirty pages
    unsigned max_rounds = 30;           // rounds before it gives up (the VM runs on here)
    unsigned max_throttle = 90;         // auto-converge: the largest cut of the VM's share, in % (0: off)
    unsigned throttle_step = 20;        // the cut grows by this much after a round that did not converge
};

// One pre-copy round: what was sent, and what the guest dirtied meanwhile.
struct MigrationRound {
    unsigned number = 0;
    std::uint64_t pages_sent = 0;
    std::uint64_t bytes_sent = 0;
    std::uint64_t pages_dirtied = 0;  // written by the guest (or the VMM) while the round ran
    std::uint64_t instructions = 0;   // the guest retired during it
    unsigned throttle = 0;            // % of the VM's share cut during it
    double host_ms = 0;
};

struct MigrationResult {
    enum class Outcome : std::uint8_t { InProgress, Completed, GaveUp, Failed };
    Outcome outcome = Outcome::InProgress;
    std::string message;  // why it gave up or failed
    bool source_runs_on = false;  // it gave up or failed while the VM ran: it runs on here
    std::vector<MigrationRound> rounds;
    std::uint64_t started_at = 0;             // the VM's instructions when it began
    std::uint64_t final_pages = 0;            // sent during the stop-and-copy
    std::uint64_t final_bytes = 0;            // pages, vCPU contexts and devices
    std::uint64_t downtime_instructions = 0;  // the stop-and-copy on the link, in guest instructions (1 ns each)
    double downtime_host_ms = 0;              // the VM stopped here until the destination had it
    std::uint64_t total_pages = 0;
    std::uint64_t total_bytes = 0;
    std::uint64_t total_instructions = 0;     // the guest ran from the start to the stop-and-copy
    double total_host_ms = 0;
};

// What a migration reports as it goes: each round, notes (throttling), and its result once
// it is decided (before a migrated VM stops here).
struct MigrationEvents {
    std::function<void(const MigrationRound&)> round;
    std::function<void(std::string_view)> note;
    std::function<void(const MigrationResult&)> finished;
};

// One migration from its start to its result. Everything runs between two slices (no
// interpreter on the stack): the constructor starts it (connects, sends round 0), poll()
// ends a round when its time on the link is over and starts the next. Errors never throw:
// a migration that fails leaves the VM running here, and result() says why.
class Migration {
public:
    Migration(Monitor& monitor, Vm& vm, MigrationOptions options, MigrationEvents events);
    ~Migration();
    void poll();
    bool finished() const { return result_.outcome != MigrationResult::Outcome::InProgress; }
    const MigrationResult& result() const { return result_; }
    // The run is over before the migration is (the VM stopped): the destination is told.
    void abandon(const std::string& why);

private:
    void send_round(const std::vector<std::uint64_t>& pages);
    void end_round();
    void stop_and_copy(const std::vector<std::uint64_t>& pages);
    void give_up(const std::string& why);
    void fail(const std::string& why_here);
    // Both of the above end here: the link closed, the dirty log off, the VM still at the source.
    void end_unmoved(MigrationResult::Outcome outcome, const std::string& why);
    void check_destination();  // a rejection the destination sent meanwhile
    std::vector<std::uint8_t> page_message(const std::vector<std::uint64_t>& pages);
    std::uint64_t link_ns(std::uint64_t bytes) const;
    std::uint64_t guest_instructions() const;
    std::uint64_t virtual_now() const;  // ns of virtual time

    Monitor& monitor_;
    Vm& vm_;
    MigrationOptions options_;
    MigrationEvents events_;
    MigrationAddress address_;
    MigrationChannel channel_;
    MigrationResult result_;
    MigrationRound round_;              // the one running
    std::uint64_t round_start_ = 0;     // virtual time (ns) when it began
    std::uint64_t round_start_instructions_ = 0;
    std::uint64_t round_length_ = 0;    // virtual ns it lasts: its time on the link, cut by the throttle
    unsigned throttle_ = 0;
    double started_ms_ = 0;
    double round_started_ms_ = 0;
};

// The result in words, the lines a person reads at the end ("done: downtime ...").
std::string describe_migration_result(const MigrationResult& result);
std::string describe_migration_round(const MigrationRound& round);

// --migrate-at N: starts a migration of the VM `vm_name` (empty: the machine's only VM) once
// N instructions have retired (over the machine, at the next slice boundary), and drives it
// from then on.
class MigrateAtAgent final : public DebugAgent {
public:
    MigrateAtAgent(Monitor& monitor, std::uint64_t instructions, std::string vm_name, MigrationOptions options,
                   MigrationEvents events);
    std::uint64_t before_slice(Vcpu& vcpu) override;
    void after_slice(Vcpu&, const RunResult&) override {}
    bool exits_end_slices() const override { return false; }

    const Migration* migration() const { return migration_.get(); }
    // After the run: a migration still going is abandoned.
    void finish();

private:
    Monitor& monitor_;
    std::uint64_t instructions_;
    std::string vm_name_;
    MigrationOptions options_;
    MigrationEvents events_;
    std::unique_ptr<Migration> migration_;
};

// The destination's side. A VM made here from the same entry as the source's (the same
// guest, RAM and vCPUs) and not run yet takes the source's pages and then its state. A
// machine of that one VM takes the source's whole machine when it is the same (pCPUs,
// quantum: the run goes on exactly as it would have there); otherwise the VM joins this
// machine's VMs and time, its vCPUs on this machine's pCPUs.
struct IncomingMigration {
    std::string vm;  // its name
    std::uint64_t pages = 0;
    unsigned rounds = 0;
    std::uint64_t at_instruction = 0;  // the VM's instructions when it stopped at the source
};

class MigrationReceiver {
public:
    // Listens at `address` for a source that moves one of `candidates` (by its name); throws
    // MigrationError if it cannot listen.
    MigrationReceiver(Monitor& monitor, std::vector<Vm*> candidates, const MigrationAddress& address);
    // Takes what has come (a source, whole messages), waiting at most `timeout_ms` for the
    // first of them and no more once none is waiting. True once the VM's state is in: it is
    // on the monitor and runs on. Throws MigrationError for a corrupt or foreign stream,
    // another VM, or the source gone, after telling the source why.
    bool poll(int timeout_ms = 0);
    int fd() const;  // what poll() waits on: the listener, then the connection
    bool connected() const { return channel_.has_value(); }
    Vm* vm() const { return vm_; }  // the VM the source moves, once its HELO came
    const IncomingMigration& progress() const { return in_; }

private:
    bool take(MigrationMessage message);
    void restore(const std::vector<std::uint8_t>& payload);

    Monitor& monitor_;
    std::vector<Vm*> candidates_;
    MigrationAddress address_;
    MigrationListener listener_;
    std::optional<MigrationChannel> channel_;
    Vm* vm_ = nullptr;
    IncomingMigration in_;
    bool done_ = false;
};

// The command line's --incoming: waits at `address` (at most `timeout_ms`) for a source and
// takes its VM into the one of `candidates` it names, whose machine has not run yet.
IncomingMigration receive_migration(Monitor& monitor, std::vector<Vm*> candidates, const MigrationAddress& address,
                                    int timeout_ms);

}  // namespace trapeze
