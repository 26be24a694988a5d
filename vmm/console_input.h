// The host side of the guest's serial console input: what the user types, or what is piped
// into stdin, on its way to a VM's PL011. As QEMU's -nographic: a terminal is put in raw
// mode (every key goes to the guest) and Ctrl-A x quits; piped input is read a line at a time.
#pragma once

#include <cstddef>
#include <string>

namespace trapeze {

class ConsoleInput {
public:
    // Reads `fd` (stdin). A terminal is switched to raw mode until this object goes away.
    explicit ConsoleInput(int fd);
    ~ConsoleInput();
    ConsoleInput(const ConsoleInput&) = delete;
    ConsoleInput& operator=(const ConsoleInput&) = delete;

    bool terminal() const { return terminal_; }
    // Bytes for the guest, at most `max`. From a terminal: what has been typed (waiting for a
    // key only if `wait`). From a pipe or a file: the next line (up to its '\n'), read to
    // the end even if that blocks -- the moment it reaches the guest is the guest's doing,
    // never the host's timing, so a run with piped input is the same on every run.
    std::string take(std::size_t max, bool wait);
    bool quit_requested() const { return quit_; }  // Ctrl-A x was typed
    bool at_end() const { return end_; }           // the pipe or file has no more
    int fd() const { return fd_; }                 // to wait for input beside other files (poll)

private:
    std::size_t fill(bool wait);  // read what the fd has into pending_; 0 at the end

    int fd_;
    bool terminal_ = false;
    bool end_ = false;
    bool quit_ = false;
    bool escape_ = false;  // Ctrl-A was the last key
    std::string pending_;
    struct SavedTerminal;
    SavedTerminal* saved_ = nullptr;
};

}  // namespace trapeze
