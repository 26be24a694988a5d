// Whole-machine snapshots: every VM's memory (touched pages, compressed), devices and vCPU
// contexts, and the monitor's pCPUs, run queues and virtual clocks, in the versioned and
// checksummed format of docs/snapshot-format.md. A machine restored from a snapshot runs on
// exactly as the one it was taken from would have (the deterministic mode).
#pragma once

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "vmm/debug_agent.h"

namespace trapeze {

class Monitor;
class Vm;

inline constexpr std::uint32_t kSnapshotFormatVersion = 2;  // 2: the event register, a wait in WFE

// A snapshot that cannot be restored here: corrupt, truncated, of another format version,
// or of another machine (guest, RAM size, vCPUs, version, quantum...). The message says which.
class SnapshotError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Whether a snapshot holds the guests' memory. A live migration (vmm/migration.h) sends the
// pages itself, and the rest of the machine as a snapshot without them (header flag 1).
enum class SnapshotMemory : std::uint8_t { Included, Elsewhere };

// The machine as it is now, between two slices (no interpreter on the stack, or the one that
// is stopped before its slice: the stepper's prompt). Every VM must be on the monitor.
std::vector<std::uint8_t> save_snapshot(const Monitor& monitor, SnapshotMemory memory = SnapshotMemory::Included);
// Put the machine back as `snapshot` says. The monitor must hold the same VMs (by name, RAM,
// vCPUs and guest image) under the same options as when it was taken; throws SnapshotError
// before changing anything if not, or if the bytes are corrupt. With Elsewhere, the snapshot
// must be one without memory, and the memory is left as it is; with Included, one with.
void restore_snapshot(Monitor& monitor, std::span<const std::uint8_t> snapshot,
                      SnapshotMemory memory = SnapshotMemory::Included);

// Whether `snapshot` is well formed and of this machine (as restore_snapshot checks first).
void check_snapshot_machine(const Monitor& monitor, std::span<const std::uint8_t> snapshot,
                            SnapshotMemory memory = SnapshotMemory::Included);

// One VM's state without its memory (header flags 1 and 2): what a live migration sends to
// move one VM out of a machine of several, or into one. The VM must be on the monitor.
std::vector<std::uint8_t> save_vm_state(const Monitor& monitor, const Vm& vm);
// Whether `state` (one VM's, or a machine's of one VM, both without memory) is of `vm`: the
// same Trapeze, name, RAM, vCPUs and guest image. Throws SnapshotError if not.
void check_vm_state(const Monitor& monitor, const Vm& vm, std::span<const std::uint8_t> state);
// Whether a well-formed snapshot without memory is one VM's (flag 2), not a whole machine's.
bool is_vm_state(std::span<const std::uint8_t> state);
// The name of the (first) VM a snapshot without memory holds.
std::string vm_state_vm_name(std::span<const std::uint8_t> state);
// Put `vm`, which no pCPU runs (paused, or not on the monitor yet), as `state` says: its
// contexts, devices and counters; its vCPUs keep this machine's placement, and their clocks
// and the VM's virtual counter move by `shift_ns` (whole ticks) onto this machine's time.
void restore_vm_state(Monitor& monitor, Vm& vm, std::span<const std::uint8_t> state, std::int64_t shift_ns);

void write_snapshot_file(const std::string& path, std::span<const std::uint8_t> snapshot);
std::vector<std::uint8_t> read_snapshot_file(const std::string& path);  // throws SnapshotError

// Whether a 4 KiB page of guest RAM holds only zeros (snapshots and migrations skip those).
bool page_is_zero(const std::uint8_t* page);

// Steps a VM has taken: instructions retired, traps handled and vIRQs taken, over its vCPUs.
// Each one moves exactly one of them, so it names a point of a deterministic run.
std::uint64_t vm_steps(const Vm& vm);
// Instructions retired by every vCPU of every VM on the monitor.
std::uint64_t machine_instructions(const Monitor& monitor);

// --snapshot-at N FILE: writes the snapshot at the first slice boundary after N instructions
// have retired (over the whole machine), and lets the run go on untouched.
class SnapshotAtAgent final : public DebugAgent {
public:
    SnapshotAtAgent(Monitor& monitor, std::uint64_t instructions, std::string path);
    std::uint64_t before_slice(Vcpu& vcpu) override;
    void after_slice(Vcpu&, const RunResult&) override {}
    bool exits_end_slices() const override { return false; }

    bool written() const { return written_; }
    std::uint64_t taken_at() const { return taken_at_; }  // the instruction count it was taken at
    std::string error;  // why writing failed, if it did (the run stops)

private:
    Monitor& monitor_;
    std::uint64_t instructions_;
    std::string path_;
    bool written_ = false;
    std::uint64_t taken_at_ = 0;
};

}  // namespace trapeze
