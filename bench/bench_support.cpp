// What the benchmark's parts share: MIPS and QEMU as a timed subprocess.
#include "bench/bench_support.h"

#include <fmt/format.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <stdexcept>

namespace trapeze::bench {

std::string mips(std::uint64_t instructions, double seconds) {
    return seconds > 0 ? fmt::format("{:.1f}", static_cast<double>(instructions) / seconds / 1e6) : "-";
}

Result run_qemu(const std::string& qemu, const std::string& guest) {
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe failed");
    const Clock::time_point start = Clock::now();
    const pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        dup2(out[1], STDOUT_FILENO);
        close(out[0]);
        close(out[1]);
        std::freopen("/dev/null", "r", stdin);
        execlp(qemu.c_str(), qemu.c_str(), "-M", "virt,gic-version=3", "-cpu", "cortex-a57", "-nographic", "-nic",
               "none", "-kernel", guest.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    close(out[1]);
    Result result;
    char buffer[4096];
    for (ssize_t n; (n = read(out[0], buffer, sizeof buffer)) != 0;) {
        if (n < 0) {
            if (errno == EINTR) continue;
            break;
        }
        result.console.append(buffer, static_cast<std::size_t>(n));
    }
    close(out[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    result.seconds = since(start);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw std::runtime_error(fmt::format("{} on {} did not exit with status 0", qemu, guest));
    return result;
}

}  // namespace trapeze::bench
