// trapeze-ctl: the control socket's client (vmm/control/control_server.h), for the shell.
//   trapeze-ctl SOCKET COMMAND [KEY=VALUE...]   one command; prints its answer
//   trapeze-ctl SOCKET events [--until EVENT] [EVENT...]   follows events (all, or these)
//   trapeze-ctl SOCKET -                        raw request lines from stdin, sent at once
// A VALUE that reads as JSON (2, true, [0,1], "text") is that; anything else is a string. The
// file keys of a VM entry (guest, kernel, initrd, dtb) are made absolute here, since the VMM
// may run in another folder. Exit status: 0, 1 after an error answer, 2 for a bad command
// line or a socket that does not answer.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace {

using Json = nlohmann::ordered_json;

constexpr int kOk = 0;
constexpr int kErrorAnswer = 1;
constexpr int kBadUse = 2;

const char* kUsage =
    "usage: trapeze-ctl SOCKET COMMAND [KEY=VALUE...]\n"
    "       trapeze-ctl SOCKET events [--until EVENT] [EVENT...]\n"
    "       trapeze-ctl SOCKET -     (request lines from stdin)\n"
    "Commands: trapeze-ctl SOCKET query-commands; events: trapeze-ctl SOCKET query-events.\n"
    "Example:  trapeze-ctl /tmp/vmm.sock vm-create name=web guest=hello.elf vcpus=2\n";

struct Failure {
    std::string message;
};

class Connection {
public:
    explicit Connection(const std::string& path) {
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        if (path.empty() || path.size() >= sizeof(address.sun_path)) throw Failure{"the socket path is empty or too long: " + path};
        std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
        fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd_ < 0 || connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
            throw Failure{"cannot connect to " + path + ": " + std::strerror(errno)};
        const auto greeting = read_line();
        if (!greeting) throw Failure{path + " closed before its greeting"};
    }
    ~Connection() {
        if (fd_ >= 0) close(fd_);
    }
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    void send_all(const std::string& text) {
        for (std::size_t sent = 0; sent < text.size();) {
            const ssize_t n = send(fd_, text.data() + sent, text.size() - sent, MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) throw Failure{std::string("the VMM went away: ") + std::strerror(errno)};
            sent += static_cast<std::size_t>(n);
        }
    }
    // The next line, or nothing once the VMM closed the socket.
    std::optional<std::string> read_line() {
        for (;;) {
            if (const auto end = buffer_.find('\n'); end != std::string::npos) {
                std::string line = buffer_.substr(0, end);
                buffer_.erase(0, end + 1);
                return line;
            }
            char chunk[65536];
            const ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return std::nullopt;
            buffer_.append(chunk, static_cast<std::size_t>(n));
        }
    }

private:
    int fd_ = -1;
    std::string buffer_;
};

Json value_of(const std::string& key, const std::string& text) {
    if (key == "guest" || key == "kernel" || key == "initrd" || key == "dtb")
        return std::filesystem::absolute(text).lexically_normal().string();
    try {
        return Json::parse(text);
    } catch (const Json::parse_error&) {
        return text;
    }
}

Json parse_reply(const std::string& line) {
    try {
        return Json::parse(line);
    } catch (const Json::parse_error&) {
        throw Failure{"the VMM answered something that is not JSON: " + line};
    }
}

bool is_answer(const Json& reply) { return reply.is_object() && (reply.contains("return") || reply.contains("error")); }

int print_answer(const Json& reply) {
    if (reply.contains("error")) {
        const Json& e = reply["error"];
        std::cerr << "trapeze-ctl: " << e.value("class", "Error") << ": " << e.value("desc", "") << '\n';
        return kErrorAnswer;
    }
    std::cout << reply["return"].dump(2) << '\n';
    return kOk;
}

int one_command(Connection& c, const std::string& command, const std::vector<std::string>& pairs) {
    Json arguments = Json::object();
    for (const std::string& pair : pairs) {
        const std::size_t eq = pair.find('=');
        if (eq == std::string::npos || eq == 0) throw Failure{"an argument is KEY=VALUE, not \"" + pair + "\""};
        const std::string key = pair.substr(0, eq);
        arguments[key] = value_of(key, pair.substr(eq + 1));
    }
    Json request = {{"execute", command}};
    if (!arguments.empty()) request["arguments"] = arguments;
    c.send_all(request.dump() + "\n");
    while (const auto line = c.read_line()) {
        const Json reply = parse_reply(*line);
        if (is_answer(reply)) return print_answer(reply);
    }
    throw Failure{"the VMM closed the socket before it answered"};
}

int follow_events(Connection& c, std::vector<std::string> args) {
    std::string until;
    if (args.size() >= 2 && args[0] == "--until") {
        until = args[1];
        args.erase(args.begin(), args.begin() + 2);
    }
    Json request = {{"execute", "subscribe"}};
    if (!args.empty()) request["arguments"] = {{"events", args}};
    c.send_all(request.dump() + "\n");
    while (const auto line = c.read_line()) {
        const Json reply = parse_reply(*line);
        if (is_answer(reply)) {
            if (reply.contains("error")) return print_answer(reply);
            // On stderr, so that a script can wait for it before it makes things happen.
            std::cerr << "trapeze-ctl: following " << reply["return"]["events"].size() << " kinds of event" << std::endl;
            continue;
        }
        std::cout << *line << std::endl;
        if (!until.empty() && reply.value("event", "") == until) return kOk;
    }
    return kOk;  // the VMM ended
}

int raw_lines(Connection& c) {
    const std::string input{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
    std::size_t requests = 0;
    std::string batch;
    for (std::size_t start = 0; start < input.size();) {
        std::size_t end = input.find('\n', start);
        if (end == std::string::npos) end = input.size();
        const std::string line = input.substr(start, end - start);
        if (line.find_first_not_of(" \t\r") != std::string::npos) {
            batch += line + "\n";
            ++requests;
        }
        start = end + 1;
    }
    c.send_all(batch);  // in one piece: the VMM applies what it reads at one slice boundary
    int status = kOk;
    for (std::size_t answers = 0; answers < requests;) {
        const auto line = c.read_line();
        if (!line) throw Failure{"the VMM closed the socket before it answered every request"};
        std::cout << *line << std::endl;
        if (const Json reply = Json::parse(*line, nullptr, false); is_answer(reply)) {
            ++answers;
            if (reply.contains("error")) status = kErrorAnswer;
        }
    }
    return status;
}

}  // namespace

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
        std::cout << kUsage;
        return kOk;
    }
    if (args.size() < 2) {
        std::cerr << kUsage;
        return kBadUse;
    }
    try {
        Connection c(args[0]);
        const std::vector<std::string> rest(args.begin() + 2, args.end());
        if (args[1] == "-") return raw_lines(c);
        if (args[1] == "events") return follow_events(c, rest);
        return one_command(c, args[1], rest);
    } catch (const Failure& f) {
        std::cerr << "trapeze-ctl: " << f.message << '\n';
        return kBadUse;
    }
}
