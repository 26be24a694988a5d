// Reverse execution for the debuggers: checkpoints taken while the run goes forward, and
// going back by restoring the nearest earlier one and replaying (the deterministic mode
// replays exactly). reverse-continue scans each stretch between checkpoints, from the latest
// back, for the last point where a breakpoint would have stopped the run.
#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "vmm/debug/inspect.h"
#include "vmm/debug/run_control.h"
#include "vmm/monitor.h"
#include "vmm/snapshot.h"

namespace trapeze {
namespace {

// Checkpoints kept at most; past it every other one goes and the interval doubles.
constexpr std::size_t kMaxCheckpoints = 64;
// A checkpoint scans all of RAM (about 20 ms for 128 MiB): one every RAM/16 steps, at least a
// million, keeps that to about a tenth of the run, and a step back to under a second of replay.
constexpr std::uint64_t kMinCheckpointInterval = 1'000'000;
constexpr std::uint64_t kRamBytesPerCheckpointStep = 16;

}  // namespace

// The machine's steps: over every VM, so that going back works across VM and vCPU switches.
std::uint64_t RunControl::position() const {
    std::uint64_t steps = 0;
    for (const Vm* vm : machine_vms()) steps += vm_steps(*vm);
    return steps;
}

std::optional<std::uint64_t> RunControl::history_start() const {
    if (checkpoints_.empty()) return std::nullopt;
    return checkpoints_.front().position;
}

Monitor& RunControl::reverse_monitor() const {
    if (!monitor_) throw std::invalid_argument("reverse execution needs the monitor's deterministic mode");
    if (!replayable())
        throw std::invalid_argument("reverse execution needs one pCPU and one vCPU per VM (with several, where the "
                                    "debugger ends a slice changes when the others run or wake, and a replay would differ)");
    return *monitor_;
}

// A replay cuts its slices elsewhere than the run it repeats: exact when that changes nothing.
// On several pCPUs a cut slice lets another pCPU run earlier; a vCPU waiting in WFE for
// another vCPU of its VM wakes at the end of the slice that stored. VMs of one vCPU each
// taking turns on one pCPU replay exactly, across their switches.
bool RunControl::replayable() const {
    if (!monitor_ || monitor_->pcpu_count() != 1) return false;
    for (Vm* vm : monitor_->vms())
        if (vm->vcpus().size() != 1) return false;
    return true;
}

bool RunControl::checks_breakpoints() const { return mode_ != Mode::Replay || scan_ == Scan::Breakpoints; }

void RunControl::record_checkpoint(std::uint64_t now) {
    if (!monitor_ || !replayable()) return;
    if (checkpoint_interval_ == 0) {
        std::uint64_t ram = 0;
        for (Vm* vm : monitor_->vms()) ram += vm->memory().ram_size();
        checkpoint_interval_ = std::max(kMinCheckpointInterval, ram / kRamBytesPerCheckpointStep);
    }
    if (!checkpoints_.empty() && now < checkpoints_.back().position + checkpoint_interval_) return;
    checkpoints_.push_back({now, save_snapshot(*monitor_), last_trap_});
    if (checkpoints_.size() > kMaxCheckpoints) {
        std::vector<Checkpoint> kept;
        for (std::size_t i = 0; i < checkpoints_.size(); i += 2) kept.push_back(std::move(checkpoints_[i]));
        checkpoints_ = std::move(kept);
        checkpoint_interval_ *= 2;
    }
}

void RunControl::restore_checkpoint(std::size_t index) {
    restore_snapshot(*monitor_, checkpoints_.at(index).snapshot);
    last_trap_ = checkpoints_[index].last_trap;
}

void RunControl::state_changed() {
    checkpoints_.clear();
    furthest_ = position();  // what follows is a new run: the trace shows it
}

void RunControl::begin_replay(std::uint64_t target, std::string reason) {
    replay_target_ = target;
    replay_reason_ = std::move(reason);
    replay_from_.reset();
    if (target < position()) {
        // The latest checkpoint at or before the target.
        std::size_t i = 0;
        while (i + 1 < checkpoints_.size() && checkpoints_[i + 1].position <= target) ++i;
        replay_from_ = i;
    }
    mode_ = Mode::Replay;
}

void RunControl::go_to(std::uint64_t target) {
    reverse_monitor();
    at_history_start_ = false;
    scan_ = Scan::None;
    if (target > position() || (target == position() && checkpoints_.empty())) {  // forward: no history needed
        begin_replay(target, fmt::format("went to step {}", target));
        return;
    }
    if (checkpoints_.empty()) throw std::invalid_argument("no history recorded yet");
    if (target <= checkpoints_.front().position) {
        at_history_start_ = true;
        target = checkpoints_.front().position;
        begin_replay(target, fmt::format("went to step {}, the start of the recorded history", target));
        return;
    }
    begin_replay(target, fmt::format("went to step {}", target));
}

void RunControl::reverse_step(std::uint64_t count) {
    reverse_monitor();
    if (checkpoints_.empty()) throw std::invalid_argument("no history recorded yet");
    const std::uint64_t now = position();
    const std::uint64_t start = checkpoints_.front().position;
    if (now <= start) {
        at_history_start_ = true;
        throw std::invalid_argument(fmt::format("no history before step {}: this is where it starts", start));
    }
    scan_ = Scan::None;
    at_history_start_ = now - start <= count;
    const std::uint64_t target = at_history_start_ ? start : now - count;
    begin_replay(target, at_history_start_
                             ? fmt::format("stepped back to step {}, the start of the recorded history", target)
                             : fmt::format("stepped back {} to step {}", count, target));
}

void RunControl::reverse_continue() {
    reverse_monitor();
    if (checkpoints_.empty()) throw std::invalid_argument("no history recorded yet");
    scan_ = Scan::Breakpoints;
    at_history_start_ = false;
    scan_end_ = position();
    scan_any_ = scan_end_ > 0;
    scan_last_ = scan_end_ - scan_any_;  // a stop where the run is now is not an earlier one
    begin_replay(scan_end_, "");
    replay_from_ = std::nullopt;
    scan_checkpoint_ = 0;
    while (scan_checkpoint_ + 1 < checkpoints_.size() && checkpoints_[scan_checkpoint_ + 1].position < scan_end_)
        ++scan_checkpoint_;
    replay_from_ = scan_checkpoint_;
    scan_hits_.clear();
}

void RunControl::reverse_next_trap() {
    reverse_continue();
    scan_ = Scan::Traps;
}

std::optional<std::uint64_t> RunControl::replay() {
    if (replay_from_) {
        restore_checkpoint(*replay_from_);
        replay_from_.reset();
        pending_stop_.clear();
        last_vcpu_ = nullptr;  // the restored machine's PCs are not the last slice's
        refresh_watches();
    }
    const std::uint64_t now = position();
    if (now < replay_target_) {
        if (scan_ == Scan::Breakpoints)
            for (const Breakpoint& b : breakpoints_)
                if (b.kind == Breakpoint::Kind::Address || b.kind == Breakpoint::Kind::Watch) return 1;
        return replay_target_ - now;
    }
    if (scan_ != Scan::None) {
        // The last stop in this stretch; if none, the stretch before it; at the start, the start.
        const auto last = std::find_if(scan_hits_.rbegin(), scan_hits_.rend(),
                                       [&](const auto& hit) { return hit.first <= scan_last_; });
        if (scan_any_ && last != scan_hits_.rend()) {
            scan_ = Scan::None;
            begin_replay(last->first, fmt::format("{} (step {}, going back)", last->second, last->first));
        } else if (scan_checkpoint_ > 0) {
            // The later stretch began at this checkpoint: a stop exactly there is this one's.
            scan_end_ = scan_last_ = checkpoints_[scan_checkpoint_].position;
            scan_any_ = true;
            --scan_checkpoint_;
            scan_hits_.clear();
            replay_target_ = scan_end_;
            replay_from_ = scan_checkpoint_;
        } else {
            scan_ = Scan::None;
            at_history_start_ = true;
            const std::uint64_t start = checkpoints_.front().position;
            begin_replay(start, fmt::format("no earlier stop: back at step {}, the start of the recorded history", start));
        }
        return std::nullopt;
    }
    mode_ = Mode::Held;
    stop_reason_ = replay_reason_;
    return std::nullopt;
}

std::uint64_t RunControl::save_snapshot_to(const std::string& path) {
    if (!monitor_) throw std::invalid_argument("snapshots need the monitor");
    const std::vector<std::uint8_t> bytes = save_snapshot(*monitor_);
    write_snapshot_file(path, bytes);
    return bytes.size();
}

}  // namespace trapeze
