// The control socket (--control PATH): a Unix socket that speaks one JSON object per line, in
// the spirit of QEMU's QMP. A client gets a greeting line, sends
//   {"execute": "vm-pause", "arguments": {"name": "vm0"}, "id": 7}
// and gets {"return": ..., "id": 7} or {"error": {"class": ..., "desc": ...}, "id": 7}; once
// subscribed, it also gets {"event": ..., "data": {...}, "timestamp": {...}} lines. The
// timestamps are the machine's virtual time, so a run's events are the same every run.
//
// The server is the monitor's MachineControl: it reads the socket between slices without
// blocking, and blocks in poll() when nothing can run. Commands take effect at the slice
// boundary where they are read. With --threads it runs on a thread of its own (serve()):
// every command is applied under the VMM lock, once the pCPUs that run the VM it names (or,
// for the queries, any VM) have left their slices; events are stamped with their VM's time.
#pragma once

#include <poll.h>

#include <csignal>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "vmm/control/control_commands.h"
#include "vmm/control/lifecycle.h"
#include "vmm/control/migration_control.h"
#include "vmm/monitor.h"

namespace trapeze {

class ControlServer : public MachineControl {
public:
    // Listens at `path` (an old socket there is replaced; any other file is an error).
    // `program` names the process in the greeting.
    ControlServer(const std::string& path, Monitor& monitor, VmLifecycle::MakeVm make_vm, std::string program);
    ~ControlServer() override;
    ControlServer(const ControlServer&) = delete;
    ControlServer& operator=(const ControlServer&) = delete;

    VmLifecycle& lifecycle() { return lifecycle_; }

    void between_slices() override;
    bool wait_while_idle() override;
    bool quit_requested() const override;
    void after_slice() override;
    void serve(ThreadedMachine& machine) override;

    // SIGINT and SIGTERM end the run as `quit` does (at the next slice boundary).
    static void handle_signals();

    // One request line, one answer line (no newline); `subscriptions` are the asking
    // client's. Public for tests that drive the table without a socket.
    std::string answer(std::string_view line, std::set<std::string>& subscriptions);

private:
    struct Client {
        int fd = -1;
        std::string in, out;
        std::set<std::string> subscriptions;
        bool closed = false;
    };

    void accept_clients();
    void read_client(Client& client);
    void flush(Client& client);
    void drop_closed();
    void poll_sockets(int timeout_ms);
    // The listening socket, the console's input, a migration's source, then the clients.
    static constexpr std::size_t kFirstClient = 3;
    std::vector<pollfd> poll_set() const;
    void take_ready(const std::vector<pollfd>& fds);  // accept, read and answer what poll() found
    // --threads: stop the pCPUs that run what `command` looks at or changes.
    void hold_for(std::string_view command, const Json& arguments);
    void broadcast(const VmEvent& event);
    Json timestamp(const VmEvent* event) const;

    std::string path_;
    std::string program_;
    int listen_fd_ = -1;
    Monitor& monitor_;
    VmLifecycle lifecycle_;
    MigrationControl migrations_;
    std::vector<std::unique_ptr<Client>> clients_;
    bool quit_ = false;
    std::uint64_t polls_skipped_ = 0;
    ThreadedMachine* machine_ = nullptr;  // while serve() applies commands (--threads)
};

}  // namespace trapeze
