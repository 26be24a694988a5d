// A child process under limits: fork, set rlimits and a process group, exec, and watch the
// wall clock from the parent.
#include "tools/grade/isolated_run.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <thread>

#include <fmt/format.h>

namespace trapeze::grade {
namespace {

void set_limit(int resource, rlim_t soft, rlim_t hard) {
    const rlimit r{soft, hard};
    setrlimit(resource, &r);
}

// In the child, between fork and exec: only async-signal-safe calls.
[[noreturn]] void become(const std::vector<std::string>& argv, const std::string& directory,
                         const std::string& log_file, const Limits& limits,
                         const std::vector<std::string>& environment) {
    setpgid(0, 0);
    // The same addresses on every run where the system allows it (sanitizer reports, pointers
    // a student prints); a container may refuse, and then nothing else changes.
    const int persona = personality(0xffffffff);
    if (persona != -1) personality(static_cast<unsigned long>(persona) | ADDR_NO_RANDOMIZE);
    const int in = open("/dev/null", O_RDONLY);
    const int log = open(log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || log < 0 || chdir(directory.c_str()) != 0) _exit(126);
    dup2(in, 0);
    dup2(log, 1);
    dup2(log, 2);
    set_limit(RLIMIT_CPU, limits.cpu_seconds, limits.cpu_seconds + 2);
    set_limit(RLIMIT_CORE, 0, 0);
    set_limit(RLIMIT_FSIZE, limits.file_size, limits.file_size);
    if (limits.address_space) set_limit(RLIMIT_AS, limits.address_space, limits.address_space);
    for (const std::string& e : environment) putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    const char* why = strerror(errno);
    (void)!write(2, "cannot run ", 11);
    (void)!write(2, args[0], strlen(args[0]));
    (void)!write(2, ": ", 2);
    (void)!write(2, why, strlen(why));
    (void)!write(2, "\n", 1);
    _exit(127);
}

std::string read_file(const std::string& path, std::size_t max_bytes) {
    std::ifstream in(path, std::ios::binary);
    std::string text;
    text.resize(max_bytes);
    in.read(text.data(), static_cast<std::streamsize>(max_bytes));
    text.resize(static_cast<std::size_t>(in.gcount()));
    return text;
}

}  // namespace

Outcome run_isolated(const std::vector<std::string>& argv, const std::string& directory, const std::string& log_file,
                     const Limits& limits, const std::vector<std::string>& environment) {
    using Clock = std::chrono::steady_clock;
    Outcome outcome;
    std::fflush(nullptr);
    const auto start = Clock::now();
    const pid_t pid = fork();
    if (pid < 0) {
        outcome.output = fmt::format("fork failed: {}", strerror(errno));
        return outcome;
    }
    if (pid == 0) become(argv, directory, log_file, limits, environment);
    setpgid(pid, pid);  // also here, so the group exists before any kill below

    int status = 0;
    rusage usage{};
    auto pause = std::chrono::microseconds(200);
    bool timed_out = false;
    while (true) {
        const pid_t done = wait4(pid, &status, WNOHANG, &usage);
        if (done == pid) break;
        if (done < 0 && errno != EINTR) break;
        if (Clock::now() - start > std::chrono::seconds(limits.wall_seconds)) {
            kill(-pid, SIGKILL);
            wait4(pid, &status, 0, &usage);
            timed_out = true;
            break;
        }
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, std::chrono::microseconds(20'000));
    }
    kill(-pid, SIGKILL);  // whatever the child left running in its group goes with it
    outcome.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    const double cpu = usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
                       (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
    if (timed_out) outcome.kind = Outcome::Kind::OutOfWallTime;
    else if (WIFEXITED(status)) {
        outcome.kind = Outcome::Kind::Exited;
        outcome.status = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        outcome.status = WTERMSIG(status);
        const bool cpu_limit = outcome.status == SIGXCPU || (outcome.status == SIGKILL && cpu >= limits.cpu_seconds);
        outcome.kind = cpu_limit ? Outcome::Kind::OutOfCpuTime : Outcome::Kind::Signaled;
    }
    outcome.output = read_file(log_file, 1 << 20);
    return outcome;
}

std::string Outcome::describe(const Limits& limits) const {
    switch (kind) {
        case Kind::Exited: return fmt::format("exited with status {}", status);
        case Kind::Signaled: {
            const char* abbrev = sigabbrev_np(status);
            return fmt::format("crashed with SIG{} ({})", abbrev ? abbrev : std::to_string(status).c_str(),
                               strsignal(status));
        }
        case Kind::OutOfCpuTime:
            return fmt::format("used up its {} s of CPU time without finishing (a loop that never ends?)",
                               limits.cpu_seconds);
        case Kind::OutOfWallTime:
            return fmt::format("was still running after {} s and was killed (blocked or sleeping?)",
                               limits.wall_seconds);
        case Kind::CouldNotStart: return "could not be started: " + output;
    }
    return "?";
}

std::string tail(const std::string& text, std::size_t max_bytes) {
    if (text.size() <= max_bytes) return text;
    std::size_t from = text.size() - max_bytes;
    const std::size_t line = text.find('\n', from);
    if (line != std::string::npos && line + 1 < text.size()) from = line + 1;
    return fmt::format("[... {} bytes before this left out ...]\n{}", from, text.substr(from));
}

}  // namespace trapeze::grade
