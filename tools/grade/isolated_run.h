// Running one command in a child process of its own, under limits: CPU time, wall-clock
// time, address space, file size, no core dumps. Whatever the child does (crash, loop,
// exit early), the caller gets an outcome it can describe, never a crash or hang of its own.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace trapeze::grade {

struct Limits {
    unsigned cpu_seconds = 10;      // RLIMIT_CPU: a loop dies of SIGXCPU, however busy the machine
    unsigned wall_seconds = 300;    // then SIGKILL: for a child that sleeps or blocks instead
    std::uint64_t address_space = 4ull << 30;  // RLIMIT_AS; 0 = none (ASan reserves terabytes)
    std::uint64_t file_size = 64ull << 20;     // RLIMIT_FSIZE: a runaway print fills no disk
};

struct Outcome {
    enum class Kind { Exited, Signaled, OutOfCpuTime, OutOfWallTime, CouldNotStart } kind = Kind::CouldNotStart;
    int status = 0;   // Exited: the exit status; Signaled: the signal
    std::string output;  // stdout and stderr, interleaved as written (truncated by the caller)
    double seconds = 0;  // wall-clock time

    bool ok() const { return kind == Kind::Exited && status == 0; }
    // "crashed with SIGSEGV (segmentation fault)", "used up 10 s of CPU time"...
    std::string describe(const Limits& limits) const;
};

// Run argv[0] with its arguments in `directory`, stdin from /dev/null, stdout and stderr to
// `log_file` (read back into Outcome::output). `environment` entries are added (NAME=VALUE).
Outcome run_isolated(const std::vector<std::string>& argv, const std::string& directory, const std::string& log_file,
                     const Limits& limits, const std::vector<std::string>& environment = {});

// The last `max_bytes` of `text`, cut at a line start, with a note of what was left out.
std::string tail(const std::string& text, std::size_t max_bytes);

}  // namespace trapeze::grade
