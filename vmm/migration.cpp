// Live migration: the source's rounds, its stop-and-copy, and the destination's side.
#include "vmm/migration.h"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include <fmt/format.h>

#include "vmm/devices/generic_timer.h"
#include "vmm/monitor.h"
#include "vmm/snapshot.h"

namespace trapeze {
namespace {

constexpr char kStreamMagic[8] = {'T', 'R', 'A', 'P', 'M', 'I', 'G', 'R'};
constexpr std::uint64_t kPageEntry = 8 + kPageSize;     // a page's index, then its bytes
constexpr std::uint64_t kMaxStateBytes = 64ull << 20;   // HELO, STAT, ABRT, FAIL: far below this

double host_ms_now() {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void put_u64(std::vector<std::uint8_t>& out, std::uint64_t v) {
    for (unsigned i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
std::uint64_t get_u64(const std::uint8_t* p) {
    std::uint64_t v = 0;
    for (unsigned i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(p[i]) << (8 * i);
    return v;
}
std::span<const std::uint8_t> bytes_of(std::string_view text) {
    return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}
std::string text_of(const std::vector<std::uint8_t>& bytes) { return std::string(bytes.begin(), bytes.end()); }

std::string pages(std::uint64_t n) { return fmt::format("{} page{}", n, n == 1 ? "" : "s"); }

std::uint64_t retired_by(Vm& vm) {
    std::uint64_t n = 0;
    for (const auto& v : vm.vcpus()) n += v->retired;
    return n;
}

}  // namespace

// ---- the source

Migration::Migration(Monitor& monitor, Vm& vm, MigrationOptions options, MigrationEvents events)
    : monitor_(monitor), vm_(vm), options_(std::move(options)), events_(std::move(events)) {
    started_ms_ = host_ms_now();
    result_.started_at = guest_instructions();
    try {
        if (monitor_.options().threads) throw MigrationError("live migration needs the deterministic mode (no --threads)");
        if (options_.bandwidth_mib == 0) throw MigrationError("the link's bandwidth is 0");
        address_ = parse_migration_address(options_.to);
        channel_ = MigrationChannel::connect(address_);
        // Which VM this is: the destination checks it against its own before any page.
        std::vector<std::uint8_t> hello(kStreamMagic, kStreamMagic + sizeof kStreamMagic);
        for (unsigned i = 0; i < 4; ++i) hello.push_back(static_cast<std::uint8_t>(kMigrationStreamVersion >> (8 * i)));
        const std::vector<std::uint8_t> identity = save_vm_state(monitor_, vm_);
        hello.insert(hello.end(), identity.begin(), identity.end());
        channel_.send("HELO", hello);
        // Round 0: every page the VM has touched (the others are zero at both ends).
        vm_.start_dirty_log();
        std::vector<std::uint64_t> touched;
        GuestMemory& memory = vm_.memory();
        for (std::uint64_t i = 0; i < memory.ram_size() / kPageSize; ++i)
            if (!page_is_zero(memory.host(memory.ram_base() + i * kPageSize, kPageSize))) touched.push_back(i);
        send_round(touched);
    } catch (const std::exception& e) {
        fail(e.what());
    }
}

Migration::~Migration() {
    if (!finished()) abandon("the migration was dropped");
}

std::uint64_t Migration::guest_instructions() const { return retired_by(vm_); }

std::uint64_t Migration::virtual_now() const {
    // The time every pCPU has reached (in lock-step they are within a slice of each other).
    std::uint64_t now = ~0ull;
    for (unsigned i = 0; i < monitor_.pcpu_count(); ++i) now = std::min(now, monitor_.pcpu(i).clock_ns);
    return now;
}

std::uint64_t Migration::link_ns(std::uint64_t bytes) const {
    return bytes * 1'000'000'000ull / (options_.bandwidth_mib << 20);
}

std::vector<std::uint8_t> Migration::page_message(const std::vector<std::uint64_t>& pages) {
    std::vector<std::uint8_t> out;
    out.reserve(8 + pages.size() * kPageEntry);
    put_u64(out, pages.size());
    GuestMemory& memory = vm_.memory();
    for (std::uint64_t index : pages) {
        put_u64(out, index);
        const std::uint8_t* page = memory.host(memory.ram_base() + index * kPageSize, kPageSize);
        out.insert(out.end(), page, page + kPageSize);
    }
    return out;
}

void Migration::send_round(const std::vector<std::uint64_t>& pages) {
    round_ = MigrationRound{};
    round_.number = static_cast<unsigned>(result_.rounds.size());
    round_.throttle = throttle_;
    round_started_ms_ = host_ms_now();
    const std::uint64_t before = channel_.bytes_sent();
    channel_.send("PAGE", page_message(pages));
    round_.pages_sent = pages.size();
    round_.bytes_sent = channel_.bytes_sent() - before;
    // The pages take this long on the link; meanwhile the guest runs, on its cut share.
    round_start_ = virtual_now();
    round_start_instructions_ = guest_instructions();
    round_length_ = std::max<std::uint64_t>(1, link_ns(round_.bytes_sent) * (100 - throttle_) / 100);
}

void Migration::poll() {
    if (finished()) return;
    if (virtual_now() - round_start_ < round_length_) return;
    try {
        end_round();
    } catch (const std::exception& e) {
        fail(e.what());
    }
}

void Migration::check_destination() {
    if (!channel_.readable()) return;
    const MigrationMessage m = channel_.receive(kMaxStateBytes);
    if (m.tag == "FAIL") throw MigrationError("the destination refused it: " + text_of(m.payload));
    throw MigrationError(fmt::format("the destination sent '{}' in the middle of the rounds", m.tag));
}

void Migration::end_round() {
    check_destination();
    const std::vector<std::uint64_t> dirty = vm_.fetch_dirty_pages();
    round_.pages_dirtied = dirty.size();
    round_.instructions = guest_instructions() - round_start_instructions_;
    round_.host_ms = host_ms_now() - round_started_ms_;
    result_.rounds.push_back(round_);
    if (events_.round) events_.round(round_);
    if (dirty.size() <= options_.threshold_pages) return stop_and_copy(dirty);
    if (result_.rounds.size() >= options_.max_rounds)
        return give_up(fmt::format("{} still dirty after {} rounds (the guest dirtied {} while the link sent {})",
                                   pages(dirty.size()), result_.rounds.size(), pages(round_.pages_dirtied),
                                   pages(round_.pages_sent)));
    // Not converging: the guest dirtied more than half of what the link sent. Cut its share.
    if (dirty.size() * 2 > round_.pages_sent && throttle_ < options_.max_throttle) {
        throttle_ = std::min(options_.max_throttle, throttle_ + options_.throttle_step);
        if (events_.note)
            events_.note(fmt::format("auto-converge: the guest dirties faster than the link drains; its share is cut by "
                                     "{}% from round {} on",
                                     throttle_, result_.rounds.size()));
    }
    send_round(dirty);
}

void Migration::stop_and_copy(const std::vector<std::uint64_t>& pages) {
    // The VM runs no more here: its last dirty pages, then its vCPUs and devices.
    const double stopped_ms = host_ms_now();
    const std::uint64_t before = channel_.bytes_sent();
    channel_.send("PAGE", page_message(pages));
    // The clock it stopped at, then the state: the whole machine when the VM is all of it (a
    // destination of the same machine goes on exactly), else the VM alone.
    std::vector<std::uint8_t> state;
    put_u64(state, monitor_.now_ns());
    const std::vector<std::uint8_t> snapshot = monitor_.vms().size() == 1 ? save_snapshot(monitor_, SnapshotMemory::Elsewhere)
                                                                          : save_vm_state(monitor_, vm_);
    state.insert(state.end(), snapshot.begin(), snapshot.end());
    channel_.send("STAT", state);
    result_.final_pages = pages.size();
    result_.final_bytes = channel_.bytes_sent() - before;
    const MigrationMessage reply = channel_.receive(kMaxStateBytes);
    if (reply.tag == "FAIL") throw MigrationError("the destination refused it: " + text_of(reply.payload));
    if (reply.tag != "OKAY") throw MigrationError(fmt::format("the destination answered '{}', not OKAY", reply.tag));
    vm_.stop_dirty_log();
    channel_.close();
    const double done_ms = host_ms_now();
    result_.downtime_host_ms = done_ms - stopped_ms;
    result_.downtime_instructions = link_ns(result_.final_bytes);
    result_.total_instructions = guest_instructions() - result_.started_at;
    result_.total_host_ms = done_ms - started_ms_;
    for (const MigrationRound& r : result_.rounds) {
        result_.total_pages += r.pages_sent;
        result_.total_bytes += r.bytes_sent;
    }
    result_.total_pages += result_.final_pages;
    result_.total_bytes += result_.final_bytes;
    result_.outcome = MigrationResult::Outcome::Completed;
    if (events_.finished) events_.finished(result_);
    vm_.stop(VmStatus::Migrated, fmt::format("migrated to {}", address_.text));
}

void Migration::give_up(const std::string& why) {
    try {
        channel_.send("ABRT", bytes_of(why));
    } catch (const std::exception&) {
        // The destination is gone too: nothing to tell it.
    }
    end_unmoved(MigrationResult::Outcome::GaveUp, why);
}

void Migration::fail(const std::string& why_here) {
    // A destination that refused the stream said why before it closed: that is the reason.
    std::string why = why_here;
    try {
        if (channel_.readable())
            if (const MigrationMessage m = channel_.receive(kMaxStateBytes); m.tag == "FAIL")
                why = "the destination refused it: " + text_of(m.payload);
    } catch (const std::exception&) {
        // Nothing more to read: the error here is the reason.
    }
    end_unmoved(MigrationResult::Outcome::Failed, why);
}

void Migration::end_unmoved(MigrationResult::Outcome outcome, const std::string& why) {
    channel_.close();
    vm_.stop_dirty_log();
    result_.outcome = outcome;
    result_.message = why;
    result_.source_runs_on = vm_.running();
    result_.total_host_ms = host_ms_now() - started_ms_;
    if (events_.finished) events_.finished(result_);
}

void Migration::abandon(const std::string& why) {
    if (finished()) return;
    give_up(why);
}

std::string describe_migration_round(const MigrationRound& r) {
    return fmt::format("round {}: {} sent, {} dirtied during the round ({} guest instructions{})", r.number,
                       pages(r.pages_sent), pages(r.pages_dirtied), r.instructions,
                       r.throttle ? fmt::format(", share cut by {}%", r.throttle) : "");
}

std::string describe_migration_result(const MigrationResult& r) {
    switch (r.outcome) {
        case MigrationResult::Outcome::Completed:
            return fmt::format(
                "stop-and-copy: {}, the vCPU contexts and the devices ({} bytes)\n"
                "done: downtime {} guest instructions ({:.3f} host ms); total {} ({} bytes) in {} round{} and the "
                "stop-and-copy, {} guest instructions ({:.3f} host ms)",
                pages(r.final_pages), r.final_bytes, r.downtime_instructions, r.downtime_host_ms, pages(r.total_pages),
                r.total_bytes,
                r.rounds.size(), r.rounds.size() == 1 ? "" : "s", r.total_instructions, r.total_host_ms);
        case MigrationResult::Outcome::GaveUp:
            return "stopped: " + r.message + (r.source_runs_on ? "; the VM runs on here" : "");
        case MigrationResult::Outcome::Failed:
            return "failed: " + r.message + (r.source_runs_on ? "; the VM runs on here" : "");
        case MigrationResult::Outcome::InProgress: break;
    }
    return "in progress";
}

// ---- --migrate-at

MigrateAtAgent::MigrateAtAgent(Monitor& monitor, std::uint64_t instructions, std::string vm_name,
                               MigrationOptions options, MigrationEvents events)
    : monitor_(monitor),
      instructions_(instructions),
      vm_name_(std::move(vm_name)),
      options_(std::move(options)),
      events_(std::move(events)) {}

std::uint64_t MigrateAtAgent::before_slice(Vcpu& vcpu) {
    if (migration_) {
        migration_->poll();
        return ~0ull;
    }
    if (machine_instructions(monitor_) < instructions_) return ~0ull;
    Vm* vm = &vcpu.vm();
    for (Vm* named : monitor_.vms())
        if (named->name() == vm_name_) vm = named;
    migration_ = std::make_unique<Migration>(monitor_, *vm, options_, events_);
    return ~0ull;
}

void MigrateAtAgent::finish() {
    if (migration_ && !migration_->finished()) migration_->abandon("the VM stopped before the migration finished");
}

// ---- the destination

namespace {

void apply_pages(GuestMemory& memory, const std::vector<std::uint8_t>& payload) {
    const std::uint64_t total = memory.ram_size() / kPageSize;
    if (payload.size() < 8) throw MigrationError("the stream is corrupt: a PAGE message without its count");
    const std::uint64_t count = get_u64(payload.data());
    if (count > total || payload.size() != 8 + count * kPageEntry)
        throw MigrationError(fmt::format("the stream is corrupt: a PAGE message of {} bytes says it holds {} pages",
                                         payload.size(), count));
    for (std::uint64_t k = 0; k < count; ++k) {
        const std::uint8_t* entry = payload.data() + 8 + k * kPageEntry;
        const std::uint64_t index = get_u64(entry);
        if (index >= total)
            throw MigrationError(fmt::format("the stream is corrupt: page {} is outside the VM's {} pages of RAM", index,
                                             total));
        std::memcpy(memory.host(memory.ram_base() + index * kPageSize, kPageSize), entry + 8, kPageSize);
    }
}

}  // namespace

MigrationReceiver::MigrationReceiver(Monitor& monitor, std::vector<Vm*> candidates, const MigrationAddress& address)
    : monitor_(monitor), candidates_(std::move(candidates)), address_(address), listener_(address) {
    if (monitor.options().threads) throw MigrationError("live migration needs the deterministic mode (no --threads)");
}

int MigrationReceiver::fd() const { return channel_ ? channel_->fd() : listener_.fd(); }

bool MigrationReceiver::poll(int timeout_ms) {
    if (done_) return true;
    try {
        if (!channel_) {
            channel_ = listener_.accept(timeout_ms);
            if (!channel_) return false;
            timeout_ms = 0;
            // The first message must be a HELO (or it is no migration stream): wait for it.
            if (take(channel_->receive(kMaxStateBytes, "HELO"))) return true;
        }
        while (channel_->readable()) {
            std::uint64_t most = kMaxStateBytes;
            if (vm_) most = std::max(most, 8 + vm_->memory().ram_size() / kPageSize * kPageEntry);
            if (take(channel_->receive(most))) return true;
        }
        return false;
    } catch (const MigrationError& e) {
        try {
            if (channel_) channel_->send("FAIL", bytes_of(e.what()));
        } catch (const std::exception&) {
            // The source is gone: it has nobody to tell.
        }
        if (channel_) channel_->close();
        throw;
    }
}

bool MigrationReceiver::take(MigrationMessage m) {
    if (m.tag == "HELO" && !vm_) {
        if (m.payload.size() < 12 || std::memcmp(m.payload.data(), kStreamMagic, sizeof kStreamMagic) != 0)
            throw MigrationError("not a Trapeze migration stream (no TRAPMIGR greeting)");
        std::uint32_t version = 0;
        for (unsigned i = 0; i < 4; ++i) version |= static_cast<std::uint32_t>(m.payload[8 + i]) << (8 * i);
        if (version != kMigrationStreamVersion)
            throw MigrationError(fmt::format("migration stream version {}; this Trapeze reads version {}", version,
                                             kMigrationStreamVersion));
        const auto identity = std::span(m.payload).subspan(12);
        std::string why;
        try {
            const std::string name = vm_state_vm_name(identity);
            for (Vm* candidate : candidates_)
                if (candidate->name() == name || candidates_.size() == 1) {
                    check_vm_state(monitor_, *candidate, identity);
                    vm_ = candidate;
                    break;
                }
            if (!vm_) {
                std::vector<std::string> names;
                for (Vm* candidate : candidates_) names.push_back(fmt::format("\"{}\"", candidate->name()));
                throw MigrationError(fmt::format("the source moves the VM \"{}\"; no VM here is named so (there {} {})",
                                                 name, names.size() == 1 ? "is" : "are", fmt::join(names, ", ")));
            }
        } catch (const SnapshotError& e) {
            throw MigrationError(e.what());
        }
        in_.vm = vm_->name();
        // The source sends every page that is not zero; the rest must be zero here too.
        GuestMemory& memory = vm_->memory();
        for (std::uint64_t i = 0; i < memory.ram_size() / kPageSize; ++i) {
            std::uint8_t* page = memory.host(memory.ram_base() + i * kPageSize, kPageSize);
            if (!page_is_zero(page)) std::memset(page, 0, kPageSize);
        }
        return false;
    }
    if (!vm_) throw MigrationError(fmt::format("the stream is corrupt: a '{}' message before the HELO", m.tag));
    if (m.tag == "PAGE") {
        apply_pages(vm_->memory(), m.payload);
        in_.pages += get_u64(m.payload.data());
        ++in_.rounds;
        return false;
    }
    if (m.tag == "STAT") {
        restore(m.payload);
        channel_->send("OKAY", {});
        channel_->close();
        done_ = true;
        return true;
    }
    if (m.tag == "ABRT") throw MigrationError("the source gave the migration up: " + text_of(m.payload));
    throw MigrationError(fmt::format("the stream is corrupt: a '{}' message, which no migration sends", m.tag));
}

void MigrationReceiver::restore(const std::vector<std::uint8_t>& payload) {
    if (payload.size() < 8) throw MigrationError("the stream is corrupt: a STAT message without the source's clock");
    const std::uint64_t source_now = get_u64(payload.data());
    const auto state = std::span(payload).subspan(8);
    Vm& vm = *vm_;
    try {
        check_vm_state(monitor_, vm, state);
        const auto& on = monitor_.vms();
        if (std::find(on.begin(), on.end(), &vm) == on.end()) monitor_.add(vm);
        bool whole = false;
        if (monitor_.vms().size() == 1 && !is_vm_state(state)) {
            try {
                check_snapshot_machine(monitor_, state, SnapshotMemory::Elsewhere);
                whole = true;
            } catch (const SnapshotError&) {
                // Another machine (pCPUs, quantum...): the VM alone joins this one.
            }
        }
        if (whole) {
            restore_snapshot(monitor_, state, SnapshotMemory::Elsewhere);
            vm.paused = false;
        } else {
            monitor_.pause(vm);  // its vCPUs off the run queues while their state changes
            // Onto this machine's time, in whole ticks of the counter, never backwards here.
            const auto tick = static_cast<std::int64_t>(kNanosecondsPerTick);
            std::int64_t shift = static_cast<std::int64_t>(monitor_.now_ns()) - static_cast<std::int64_t>(source_now);
            shift = shift >= 0 ? (shift + tick - 1) / tick * tick : -(-shift / tick * tick);
            restore_vm_state(monitor_, vm, state, shift);
            monitor_.resume(vm);
        }
    } catch (const SnapshotError& e) {
        throw MigrationError(e.what());
    }
    in_.at_instruction = retired_by(vm);
}

IncomingMigration receive_migration(Monitor& monitor, std::vector<Vm*> candidates, const MigrationAddress& address,
                                    int timeout_ms) {
    MigrationReceiver receiver(monitor, std::move(candidates), address);
    bool done = receiver.poll(timeout_ms);
    if (!done && !receiver.connected())
        throw MigrationError(fmt::format("no source connected to {} within {} s", address.text, timeout_ms / 1000));
    // Connected: each message is waited for; a source silent this long is gone.
    constexpr int kSilenceMs = 600'000;
    while (!done) {
        pollfd p{receiver.fd(), POLLIN, 0};
        const int ready = ::poll(&p, 1, kSilenceMs);
        if (ready == 0) throw MigrationError("the source sent nothing for 600 s");
        if (ready < 0 && errno != EINTR) throw MigrationError("waiting for the source: " + std::string(std::strerror(errno)));
        done = receiver.poll(0);
    }
    return receiver.progress();
}

}  // namespace trapeze
