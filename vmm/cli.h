// The command line every target shares (trapeze-v1..vN and trapeze-run): one table of
// options (CLI11), one number syntax and the limits of the settings table; then load the
// guest or scenario, plug in the target's handlers, run, trace, and summarize.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "vmm/exit_handlers.h"

namespace trapeze {

using InstallHandlers = void (*)(VersionHooks&);

// What distinguishes one target from another: its handlers and a few defaults.
struct TargetProfile {
    InstallHandlers install = nullptr;
    std::string_view description;             // the first line of --help
    std::optional<std::uint64_t> quantum;     // the default physical-timer quantum, if not the monitor's
    bool report_speed = false;                // print the host's speed (MIPS) in the summary
};

// Everything the command line can say.
struct CommandLine {
    std::string input;  // guest ELF or scenario JSON
    // A real kernel instead of a guest ELF, as QEMU's -kernel/-initrd/-append/-dtb.
    std::string kernel, initrd, append, dtb;
    std::string dump_dtb;  // write the VM's device tree to this file and stop
    bool quiet = false;
    bool trace = false;
    std::string trace_json;
    std::string timeline;
    std::string report;
    bool list_traps = false;
    std::optional<std::uint64_t> quantum, budget, memory_mib, pcpus;
    std::optional<std::string> scheduler;  // a name from the scheduler's policy table
    bool balance = false;
    bool threads = false;     // each pCPU on its own host thread (not deterministic)
    bool step = false;        // the stepper's prompt
    std::string script;       // a demo script for the stepper
    bool no_pause = false;
    std::optional<std::uint64_t> gdb_port;  // the GDB stub
    bool gdb_wait = false;
    std::optional<std::uint64_t> snapshot_at;  // --snapshot-at N FILE: instructions, and the file
    std::string snapshot_file;
    std::string restore;                        // --restore FILE
    // Live migration (vmm/migration.h): the source's destination and when, the destination's address.
    std::string migrate_to;                     // --migrate-to unix:PATH | tcp:HOST:PORT
    std::optional<std::uint64_t> migrate_at;    // --migrate-at N (instructions)
    std::string migrate_vm;                     // --migrate-vm NAME (one VM of the scenario's several)
    std::uint64_t migrate_bandwidth = 128;      // --migrate-bandwidth MIB (per second of virtual time)
    std::uint64_t migrate_threshold = 64;       // --migrate-threshold PAGES
    unsigned migrate_max_rounds = 30;           // --migrate-max-rounds N
    unsigned migrate_max_throttle = 90;         // --migrate-max-throttle PERCENT
    std::string incoming;                       // --incoming unix:PATH | tcp:HOST:PORT
    unsigned incoming_timeout = 60;             // --incoming-timeout SECONDS
    bool console_input = false;  // stdin feeds the guest's PL011
    std::string control;         // --control PATH: the control socket (vmm/control/)
};

// Parse argv against the option table. Returns the command line, or the exit status to end
// with: 0 after --help or --version (printed to stdout), 2 after a bad command line (the
// message printed to stderr).
struct ParsedCommandLine {
    std::optional<CommandLine> line;
    int status = 0;
};
ParsedCommandLine parse_command_line(const TargetProfile& profile, std::string_view version, int argc, char** argv);

// The whole main() of a target. Returns the process exit status: 0 when the guest powered
// off, 1 when the VM was stopped (the reason is printed), 2 for bad input.
int run_target(const TargetProfile& profile, int argc, char** argv);
// A version's target: its handlers and the monitor's defaults.
int run_target(InstallHandlers install, int argc, char** argv);

}  // namespace trapeze
