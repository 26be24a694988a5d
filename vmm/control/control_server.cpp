// The control socket: accepting clients, reading their lines, answering, and events.
#include "vmm/control/control_server.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#ifndef TRAPEZE_VERSION
#define TRAPEZE_VERSION "unknown"
#endif

namespace trapeze {
namespace {

volatile std::sig_atomic_t g_signalled = 0;

void on_signal(int) { g_signalled = 1; }

constexpr std::size_t kMaxLine = 1 << 20;     // a longer request is refused
constexpr std::size_t kMaxPending = 8 << 20;  // a client that reads nothing is dropped
// While VMs run, the socket is looked at once per this many slices (a poll() is a system call).
constexpr std::uint64_t kSlicesPerPoll = 16;
// --threads: how long the control's thread waits for the socket before it looks at the VMs
// again (their events, a shutdown's grace period) and at a signal.
constexpr int kThreadedPollMs = 10;

Json error_answer(std::string_view error_class, std::string_view description) {
    return {{"error", {{"class", error_class}, {"desc", description}}}};
}

}  // namespace

ControlServer::ControlServer(const std::string& path, Monitor& monitor, VmLifecycle::MakeVm make_vm, std::string program)
    : path_(path),
      program_(std::move(program)),
      monitor_(monitor),
      lifecycle_(monitor, std::move(make_vm), [this](const VmEvent& e) { broadcast(e); }),
      migrations_(monitor, lifecycle_, [this](const VmEvent& e) { broadcast(e); }) {
    // The socket appears at `path` only once it listens (bound under another name, then
    // renamed), so a client that sees the file can connect at once.
    const std::string bound = path + ".new";
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.empty() || bound.size() >= sizeof(address.sun_path))
        throw std::runtime_error(fmt::format("--control {}: a socket path must have 1 to {} characters", path,
                                             sizeof(address.sun_path) - 1 - (bound.size() - path.size())));
    std::memcpy(address.sun_path, bound.c_str(), bound.size() + 1);
    for (const std::string& file : {path, bound}) {
        struct stat st{};
        if (lstat(file.c_str(), &st) == 0 && !S_ISSOCK(st.st_mode))
            throw std::runtime_error(fmt::format("--control {}: {} exists and is not a socket", path, file));
    }
    unlink(bound.c_str());
    listen_fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0 || bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        listen(listen_fd_, 8) != 0 || rename(bound.c_str(), path.c_str()) != 0) {  // (a socket left by an earlier run goes)
        const std::string why = std::strerror(errno);
        if (listen_fd_ >= 0) close(listen_fd_);
        unlink(bound.c_str());
        throw std::runtime_error(fmt::format("--control {}: cannot listen there: {}", path, why));
    }
    monitor_.set_control(this);
}

ControlServer::~ControlServer() {
    monitor_.set_control(nullptr);
    // The VMs go with the server: no pCPU may keep a pointer into them.
    for (const auto& m : lifecycle_.vms())
        if (m->booted) monitor_.remove(*m->vm);
    for (auto& c : clients_) {
        flush(*c);
        close(c->fd);
    }
    close(listen_fd_);
    unlink(path_.c_str());
}

void ControlServer::handle_signals() {
    struct sigaction action{};
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;  // no SA_RESTART: a blocked poll() returns
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    std::signal(SIGPIPE, SIG_IGN);  // a client that went away is an error from send(), not a signal
}

bool ControlServer::quit_requested() const { return quit_ || g_signalled; }

Json ControlServer::timestamp(const VmEvent* event) const {
    std::uint64_t ns = monitor_.now_ns();
    // With --threads each pCPU keeps its own time: an event about a VM tells the VM's.
    if (monitor_.options().threads && event && event->data.contains("name") && event->data["name"].is_string())
        for (const auto& m : lifecycle_.vms())
            if (m->vm->name() == event->data["name"].get_ref<const std::string&>()) ns = monitor_.vm_now_ns(*m->vm);
    return {{"seconds", ns / 1'000'000'000}, {"microseconds", ns % 1'000'000'000 / 1000}};
}

void ControlServer::broadcast(const VmEvent& event) {
    const std::string line =
        Json{{"event", event.name}, {"data", event.data}, {"timestamp", timestamp(&event)}}.dump(-1, ' ', false,
                                                                                              Json::error_handler_t::replace) +
        "\n";
    for (auto& c : clients_)
        if (!c->closed && c->subscriptions.contains(event.name)) c->out += line;
}

std::string ControlServer::answer(std::string_view line, std::set<std::string>& subscriptions) {
    Json request;
    Json reply;
    try {
        request = Json::parse(line);
    } catch (const Json::parse_error& e) {
        return error_answer("GenericError", fmt::format("not valid JSON: {}", e.what())).dump();
    }
    const auto finish = [&](Json r) {
        if (request.is_object() && request.contains("id")) r["id"] = request["id"];
        return r.dump(-1, ' ', false, Json::error_handler_t::replace);
    };
    if (!request.is_object())
        return finish(error_answer("GenericError", "a request must be a JSON object: {\"execute\": \"COMMAND\", ...}"));
    for (const auto& [key, value] : request.items())
        if (key != "execute" && key != "arguments" && key != "id")
            return finish(error_answer("GenericError", fmt::format("a request has \"execute\", \"arguments\" and \"id\", "
                                                                   "not \"{}\"",
                                                                   key)));
    if (!request.contains("execute") || !request["execute"].is_string())
        return finish(error_answer("GenericError", "\"execute\" must name a command (query-commands lists them)"));
    const std::string name = request["execute"].get<std::string>();
    const ControlCommand* command = find_control_command(name);
    if (!command)
        return finish(error_answer("CommandNotFound", fmt::format("no command \"{}\" (query-commands lists them)", name)));
    const Json arguments = request.value("arguments", Json::object());
    if (!arguments.is_object())
        return finish(error_answer("InvalidArguments", fmt::format("{}: \"arguments\" must be an object, not {}", name,
                                                                   arguments.dump())));
    try {
        check_arguments(*command, arguments);
        if (machine_) hold_for(name, arguments);
        ControlContext context{lifecycle_, monitor_, migrations_, subscriptions, quit_,
                               [this](std::string_view event, Json data) {
                                   broadcast(VmEvent{std::string(event), std::move(data)});
                               }};
        reply = {{"return", command->run(context, arguments)}};
    } catch (const ControlError& e) {
        reply = error_answer(e.error_class, e.description);
    } catch (const LifecycleError& e) {
        reply = error_answer(e.error_class, fmt::format("{}: {}", name, e.what()));
    } catch (const std::exception& e) {
        reply = error_answer("GenericError", fmt::format("{}: {}", name, e.what()));
    }
    return finish(std::move(reply));
}

void ControlServer::accept_clients() {
    for (;;) {
        const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return;
        auto client = std::make_unique<Client>();
        client->fd = fd;
        const Json greeting = {{"trapeze", {{"program", program_}, {"version", TRAPEZE_VERSION}}},
                               {"capabilities", Json::array()}};
        client->out = greeting.dump() + "\n";
        clients_.push_back(std::move(client));
    }
}

void ControlServer::read_client(Client& c) {
    char buffer[65536];
    for (;;) {
        const ssize_t n = recv(c.fd, buffer, sizeof buffer, 0);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
            c.closed = true;
            break;
        }
        if (n < 0) break;
        c.in.append(buffer, static_cast<std::size_t>(n));
    }
    // Every whole line read so far is applied now, at this one slice boundary.
    for (std::size_t end; (end = c.in.find('\n')) != std::string::npos;) {
        std::string line = c.in.substr(0, end);
        c.in.erase(0, end + 1);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.find_first_not_of(" \t") == std::string::npos) continue;
        c.out += answer(line, c.subscriptions) + "\n";
        if (quit_) break;
    }
    if (c.in.size() > kMaxLine) {
        c.in.clear();
        c.out += error_answer("GenericError", fmt::format("a request line is longer than {} bytes", kMaxLine)).dump() + "\n";
    }
}

void ControlServer::flush(Client& c) {
    while (!c.out.empty()) {
        const ssize_t n = send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            if (errno == EINTR) continue;
            c.closed = true;
            c.out.clear();
            return;
        }
        c.out.erase(0, static_cast<std::size_t>(n));
    }
    if (c.out.size() > kMaxPending) c.closed = true;
}

void ControlServer::drop_closed() {
    std::erase_if(clients_, [](const std::unique_ptr<Client>& c) {
        if (c->closed) close(c->fd);
        return c->closed;
    });
}

std::vector<pollfd> ControlServer::poll_set() const {
    std::vector<pollfd> fds;
    fds.push_back({listen_fd_, POLLIN, 0});
    // The console's input wakes the wait too (the monitor takes it in; nothing to do here),
    // and so does a migration's source connecting or sending (between_slices takes it). A
    // negative fd is one poll() leaves alone.
    fds.push_back({monitor_.console_wake_fd(), POLLIN, 0});
    fds.push_back({migrations_.incoming_fd(), POLLIN, 0});
    static_assert(kFirstClient == 3);
    for (auto& c : clients_) fds.push_back({c->fd, static_cast<short>(POLLIN | (c->out.empty() ? 0 : POLLOUT)), 0});
    return fds;
}

void ControlServer::take_ready(const std::vector<pollfd>& fds) {
    if (fds[0].revents & POLLIN) accept_clients();
    for (std::size_t i = kFirstClient; i < fds.size(); ++i) {
        Client& c = *clients_[i - kFirstClient];
        if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) read_client(c);
        if (quit_) break;
    }
}

void ControlServer::poll_sockets(int timeout_ms) {
    std::vector<pollfd> fds = poll_set();
    if (poll(fds.data(), fds.size(), timeout_ms) <= 0) return;  // nothing, or a signal
    take_ready(fds);
}

void ControlServer::between_slices() {
    lifecycle_.between_slices();  // events of VMs that stopped on their own, forced power-offs
    bool polled = false;
    if (++polls_skipped_ >= kSlicesPerPoll || quit_) {
        polls_skipped_ = 0;
        poll_sockets(0);
        polled = true;
    }
    migrations_.between_slices(polled);  // at every boundary: a round ends in virtual time
    lifecycle_.between_slices();
    for (auto& c : clients_)
        if (!c->out.empty()) flush(*c);
    drop_closed();
}

bool ControlServer::wait_while_idle() {
    for (auto& c : clients_) flush(*c);
    drop_closed();
    if (quit_requested()) return false;
    poll_sockets(500);  // a signal between the check and poll() is seen within half a second
    migrations_.between_slices(true);
    lifecycle_.between_slices();
    for (auto& c : clients_) flush(*c);
    drop_closed();
    return !quit_requested();
}

// ---- --threads: the control's own thread ----

void ControlServer::after_slice() { lifecycle_.between_slices(); }

void ControlServer::serve(ThreadedMachine& machine) {
    lifecycle_.between_slices();
    for (auto& c : clients_) flush(*c);
    drop_closed();
    if (quit_requested()) return;
    // Only this thread adds or drops clients: the set stays valid while the lock is let go.
    std::vector<pollfd> fds = poll_set();
    machine.unlock();
    const int ready = poll(fds.data(), fds.size(), kThreadedPollMs);
    machine.lock();
    if (ready > 0) {
        machine_ = &machine;
        take_ready(fds);
        machine_ = nullptr;
    }
    lifecycle_.between_slices();
    for (auto& c : clients_) flush(*c);
    drop_closed();
}

void ControlServer::hold_for(std::string_view command, const Json& arguments) {
    // What changes no VM and reads none (vm-create makes one nobody runs yet).
    constexpr std::string_view kMachineOnly[] = {"vm-create", "subscribe", "unsubscribe", "query-commands",
                                                 "query-events", "quit"};
    if (std::find(std::begin(kMachineOnly), std::end(kMachineOnly), command) != std::end(kMachineOnly)) return;
    const Vm* vm = nullptr;  // every VM's (the queries)
    if (arguments.contains("name") && arguments["name"].is_string()) {
        for (const auto& m : lifecycle_.vms())
            if (m->vm->name() == arguments["name"].get_ref<const std::string&>()) vm = m->vm;
        if (!vm) return;  // no such VM: the answer is an error, nothing runs it
    }
    machine_->hold(vm);
}

}  // namespace trapeze
