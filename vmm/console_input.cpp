// Console input from the host: raw terminal mode with QEMU's Ctrl-A escape, or piped lines.
#include "vmm/console_input.h"

#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace trapeze {
namespace {

constexpr char kCtrlA = 0x01;

}  // namespace

struct ConsoleInput::SavedTerminal {
    termios mode;
};

ConsoleInput::ConsoleInput(int fd) : fd_(fd), terminal_(isatty(fd) != 0) {
    if (!terminal_) return;
    termios mode{};
    if (tcgetattr(fd_, &mode) != 0) {
        terminal_ = false;
        return;
    }
    saved_ = new SavedTerminal{mode};
    // Raw input (no line editing, echo or signals: Ctrl-C goes to the guest), output as before.
    mode.c_iflag &= ~static_cast<tcflag_t>(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    mode.c_lflag &= ~static_cast<tcflag_t>(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
    mode.c_cc[VMIN] = 1;
    mode.c_cc[VTIME] = 0;
    tcsetattr(fd_, TCSANOW, &mode);
}

ConsoleInput::~ConsoleInput() {
    if (saved_) tcsetattr(fd_, TCSANOW, &saved_->mode);
    delete saved_;
}

std::size_t ConsoleInput::fill(bool wait) {
    if (end_) return 0;
    if (terminal_) {
        pollfd p{fd_, POLLIN, 0};
        if (poll(&p, 1, wait ? -1 : 0) <= 0) return 0;
    }
    char buffer[256];
    ssize_t n;
    do {
        n = ::read(fd_, buffer, sizeof buffer);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) {
        end_ = true;
        return 0;
    }
    if (!terminal_) {
        pending_.append(buffer, static_cast<std::size_t>(n));
        return static_cast<std::size_t>(n);
    }
    // The escape: Ctrl-A x quits, Ctrl-A Ctrl-A sends one Ctrl-A, Ctrl-A anything else is dropped.
    std::size_t kept = 0;
    for (ssize_t i = 0; i < n; ++i) {
        const char c = buffer[i];
        if (escape_) {
            escape_ = false;
            if (c == 'x') quit_ = true;
            else if (c == kCtrlA) pending_ += c, ++kept;
        } else if (c == kCtrlA) {
            escape_ = true;
        } else {
            pending_ += c;
            ++kept;
        }
    }
    return kept;
}

std::string ConsoleInput::take(std::size_t max, bool wait) {
    if (terminal_) {
        if (pending_.empty()) fill(wait);
        while (pending_.empty() && wait && !quit_ && !end_) fill(true);
    } else {
        while (pending_.find('\n') == std::string::npos && fill(true) > 0) {
        }
    }
    std::size_t n = std::min(max, pending_.size());
    if (!terminal_) {
        const std::size_t eol = pending_.find('\n');
        if (eol != std::string::npos) n = std::min(n, eol + 1);
    }
    std::string out = pending_.substr(0, n);
    pending_.erase(0, n);
    return out;
}

}  // namespace trapeze
