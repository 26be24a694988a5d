// Sockets and framing for live migration: connect, listen and accept, framed messages.
#include "vmm/migration_channel.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include <fmt/format.h>

#include "vmm/crc32.h"

namespace trapeze {
namespace {

std::string os_error() { return std::strerror(errno); }

// A peer that stops answering is a failure, not a hang. The source waits this long for the
// destination's answer; the destination longer for the next round (a person may sit at the
// stepper's prompt between two).
constexpr int kSourceWaitSeconds = 60;
constexpr int kDestinationWaitSeconds = 600;

int with_receive_timeout(int fd, int seconds) {
    timeval limit{};
    limit.tv_sec = seconds;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    return fd;
}

sockaddr_un unix_address(const MigrationAddress& address) {
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    if (address.path.size() >= sizeof sun.sun_path)
        throw MigrationError(fmt::format("{}: the socket path is longer than {} bytes", address.text,
                                         sizeof sun.sun_path - 1));
    std::memcpy(sun.sun_path, address.path.c_str(), address.path.size() + 1);
    return sun;
}

addrinfo* tcp_addresses(const MigrationAddress& address, bool passive) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (passive) hints.ai_flags = AI_PASSIVE;
    addrinfo* found = nullptr;
    if (const int e = getaddrinfo(address.host.c_str(), address.port.c_str(), &hints, &found); e != 0)
        throw MigrationError(fmt::format("{}: {}", address.text, gai_strerror(e)));
    return found;
}

void put_u32(std::uint8_t* p, std::uint32_t v) {
    for (unsigned i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
void put_u64(std::uint8_t* p, std::uint64_t v) {
    for (unsigned i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
std::uint32_t get_u32(const std::uint8_t* p) {
    std::uint32_t v = 0;
    for (unsigned i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(p[i]) << (8 * i);
    return v;
}
std::uint64_t get_u64(const std::uint8_t* p) {
    std::uint64_t v = 0;
    for (unsigned i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(p[i]) << (8 * i);
    return v;
}

bool printable_tag(const std::uint8_t* tag) {
    for (unsigned i = 0; i < 4; ++i)
        if (tag[i] < 0x20 || tag[i] > 0x7e) return false;
    return true;
}

}  // namespace

MigrationAddress parse_migration_address(std::string_view text) {
    MigrationAddress a;
    a.text = std::string(text);
    if (text.starts_with("unix:") && text.size() > 5) {
        a.kind = MigrationAddress::Kind::Unix;
        a.path = std::string(text.substr(5));
        return a;
    }
    if (text.starts_with("tcp:")) {
        const std::string_view rest = text.substr(4);
        const std::size_t colon = rest.rfind(':');
        if (colon != std::string_view::npos && colon > 0 && colon + 1 < rest.size()) {
            a.kind = MigrationAddress::Kind::Tcp;
            a.host = std::string(rest.substr(0, colon));
            a.port = std::string(rest.substr(colon + 1));
            if (a.port.find_first_not_of("0123456789") == std::string::npos) return a;
        }
    }
    throw MigrationError(fmt::format("\"{}\" is not a migration address: unix:PATH or tcp:HOST:PORT", text));
}

MigrationChannel::~MigrationChannel() { close(); }
MigrationChannel::MigrationChannel(MigrationChannel&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), bytes_sent_(other.bytes_sent_) {}
MigrationChannel& MigrationChannel::operator=(MigrationChannel&& other) noexcept {
    if (this != &other) {
        close();
        fd_ = std::exchange(other.fd_, -1);
        bytes_sent_ = other.bytes_sent_;
    }
    return *this;
}

void MigrationChannel::close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

MigrationChannel MigrationChannel::connect(const MigrationAddress& address) {
    if (address.kind == MigrationAddress::Kind::Unix) {
        const sockaddr_un sun = unix_address(address);
        const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) throw MigrationError(fmt::format("{}: socket: {}", address.text, os_error()));
        MigrationChannel channel(with_receive_timeout(fd, kSourceWaitSeconds));
        if (::connect(fd, reinterpret_cast<const sockaddr*>(&sun), sizeof sun) != 0)
            throw MigrationError(fmt::format("cannot connect to {}: {}", address.text, os_error()));
        return channel;
    }
    addrinfo* found = tcp_addresses(address, false);
    std::string why = "no address";
    for (addrinfo* a = found; a; a = a->ai_next) {
        const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) continue;
        if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
            freeaddrinfo(found);
            return MigrationChannel(with_receive_timeout(fd, kSourceWaitSeconds));
        }
        why = os_error();
        ::close(fd);
    }
    freeaddrinfo(found);
    throw MigrationError(fmt::format("cannot connect to {}: {}", address.text, why));
}

MigrationListener::MigrationListener(const MigrationAddress& address) : address_(address) {
    if (address.kind == MigrationAddress::Kind::Unix) {
        const sockaddr_un sun = unix_address(address);
        fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd_ < 0) throw MigrationError(fmt::format("{}: socket: {}", address.text, os_error()));
        ::unlink(address.path.c_str());  // a socket file left by an earlier run
        if (::bind(fd_, reinterpret_cast<const sockaddr*>(&sun), sizeof sun) != 0) {
            const std::string why = os_error();
            close();
            throw MigrationError(fmt::format("cannot listen at {}: {}", address.text, why));
        }
        bound_ = true;
    } else {
        addrinfo* found = tcp_addresses(address, true);
        std::string why = "no address";
        for (addrinfo* a = found; a && fd_ < 0; a = a->ai_next) {
            const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
            if (fd < 0) continue;
            const int yes = 1;
            ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
            if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0) fd_ = fd;
            else {
                why = os_error();
                ::close(fd);
            }
        }
        freeaddrinfo(found);
        if (fd_ < 0) throw MigrationError(fmt::format("cannot listen at {}: {}", address.text, why));
    }
    if (::listen(fd_, 1) != 0) {
        const std::string why = os_error();
        close();
        throw MigrationError(fmt::format("cannot listen at {}: {}", address.text, why));
    }
}

MigrationListener::~MigrationListener() { close(); }

void MigrationListener::close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    if (bound_) ::unlink(address_.path.c_str());  // taken, or given up: nobody else connects
    bound_ = false;
}

std::optional<MigrationChannel> MigrationListener::accept(int timeout_ms) {
    if (fd_ < 0) return std::nullopt;
    pollfd p{fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, timeout_ms);
    if (ready == 0 || (ready < 0 && errno == EINTR)) return std::nullopt;
    if (ready < 0) throw MigrationError(fmt::format("waiting at {}: {}", address_.text, os_error()));
    const int fd = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) throw MigrationError(fmt::format("accepting at {}: {}", address_.text, os_error()));
    close();
    return MigrationChannel(with_receive_timeout(fd, kDestinationWaitSeconds));
}

MigrationChannel MigrationChannel::accept(const MigrationAddress& address, int timeout_ms) {
    MigrationListener listener(address);
    std::optional<MigrationChannel> channel = listener.accept(timeout_ms);
    if (!channel)
        throw MigrationError(fmt::format("no source connected to {} within {} s", address.text, timeout_ms / 1000));
    return std::move(*channel);
}

int MigrationChannel::fd() const { return fd_; }

bool MigrationChannel::readable() const {
    if (fd_ < 0) return false;
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, 0) > 0;
}

void MigrationChannel::write_all(const void* data, std::size_t n) {
    if (fd_ < 0) throw MigrationError("the migration's connection is closed");
    const auto* p = static_cast<const std::uint8_t*>(data);
    while (n > 0) {
        const ssize_t put = ::send(fd_, p, n, MSG_NOSIGNAL);  // a gone peer is an error, not SIGPIPE
        if (put < 0 && errno == EINTR) continue;
        if (put <= 0) throw MigrationError(fmt::format("the connection broke while sending: {}", os_error()));
        p += put;
        n -= static_cast<std::size_t>(put);
        bytes_sent_ += static_cast<std::uint64_t>(put);
    }
}

void MigrationChannel::read_all(void* data, std::size_t n) {
    if (fd_ < 0) throw MigrationError("the migration's connection is closed");
    auto* p = static_cast<std::uint8_t*>(data);
    while (n > 0) {
        const ssize_t got = ::recv(fd_, p, n, 0);
        if (got < 0 && errno == EINTR) continue;
        if (got == 0) throw MigrationError("the connection closed: the other side is gone");
        if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            throw MigrationError("the other side stopped sending (it sent nothing for too long)");
        if (got < 0) throw MigrationError(fmt::format("the connection broke while receiving: {}", os_error()));
        p += got;
        n -= static_cast<std::size_t>(got);
    }
}

void MigrationChannel::send(std::string_view tag, std::span<const std::uint8_t> payload) {
    std::uint8_t head[12];
    std::memcpy(head, tag.data(), 4);
    put_u64(head + 4, payload.size());
    write_all(head, sizeof head);
    write_all(payload.data(), payload.size());
    std::uint8_t tail[4];
    put_u32(tail, crc32_of(payload));
    write_all(tail, sizeof tail);
}

MigrationMessage MigrationChannel::receive(std::uint64_t max_payload, std::string_view first) {
    std::uint8_t head[12];
    read_all(head, sizeof head);
    if (!first.empty() && std::memcmp(head, first.data(), 4) != 0)
        throw MigrationError(fmt::format("not a Trapeze migration stream: it does not begin with {}", first));
    if (!printable_tag(head)) throw MigrationError("the stream is corrupt: a message has no four-letter tag");
    MigrationMessage m;
    m.tag.assign(reinterpret_cast<const char*>(head), 4);
    const std::uint64_t length = get_u64(head + 4);
    if (length > max_payload)
        throw MigrationError(fmt::format("the stream is corrupt: a '{}' message of {} bytes (at most {} expected)", m.tag,
                                         length, max_payload));
    m.payload.resize(length);
    read_all(m.payload.data(), length);
    std::uint8_t tail[4];
    read_all(tail, sizeof tail);
    if (get_u32(tail) != crc32_of(m.payload))
        throw MigrationError(fmt::format("the stream is corrupt: the CRC-32 of a '{}' message does not match", m.tag));
    return m;
}

}  // namespace trapeze
