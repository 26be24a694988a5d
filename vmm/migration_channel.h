// The byte stream of a live migration (docs/migration-stream.md): a Unix or loopback TCP
// socket carrying framed messages, each a four-letter tag, a length, the payload and its
// CRC-32. Every failure (the peer gone, a closed socket, a bad frame) is a MigrationError
// whose message says which.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace trapeze {

class MigrationError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// "unix:PATH" or "tcp:HOST:PORT" (HOST: a loopback name or address).
struct MigrationAddress {
    enum class Kind : std::uint8_t { Unix, Tcp } kind = Kind::Unix;
    std::string path;  // Unix
    std::string host;  // TCP
    std::string port;
    std::string text;  // as given
};
MigrationAddress parse_migration_address(std::string_view text);  // throws MigrationError

struct MigrationMessage {
    std::string tag;  // four letters
    std::vector<std::uint8_t> payload;
};

class MigrationChannel {
public:
    MigrationChannel() = default;
    ~MigrationChannel();
    MigrationChannel(MigrationChannel&& other) noexcept;
    MigrationChannel& operator=(MigrationChannel&& other) noexcept;

    // The source's end: connects to a waiting destination.
    static MigrationChannel connect(const MigrationAddress& address);
    // The destination's end: listens at `address` and takes the first source that connects
    // within `timeout_ms` (a Unix socket's file is removed when it is taken).
    static MigrationChannel accept(const MigrationAddress& address, int timeout_ms);

    void send(std::string_view tag, std::span<const std::uint8_t> payload);
    // The next message; a frame over `max_payload` bytes or with a wrong checksum is corrupt.
    // With `first`, the stream's first message must carry that tag, or it is no migration stream.
    MigrationMessage receive(std::uint64_t max_payload, std::string_view first = {});
    // Whether a message (or the end of the stream) is waiting, without waiting for one.
    bool readable() const;
    int fd() const;  // for poll(); -1 once closed
    std::uint64_t bytes_sent() const { return bytes_sent_; }
    void close();

private:
    friend class MigrationListener;
    explicit MigrationChannel(int fd) : fd_(fd) {}
    void write_all(const void* data, std::size_t n);
    void read_all(void* data, std::size_t n);
    int fd_ = -1;
    std::uint64_t bytes_sent_ = 0;
};

// The destination's socket before a source connects, so that a process with other work (the
// control socket's) can look for the source between slices instead of waiting for it.
class MigrationListener {
public:
    explicit MigrationListener(const MigrationAddress& address);  // binds and listens; throws MigrationError
    ~MigrationListener();
    MigrationListener(const MigrationListener&) = delete;
    MigrationListener& operator=(const MigrationListener&) = delete;
    // The source that connected within `timeout_ms` (0: one already waiting), or nothing. Once
    // one is taken, the listener is closed (a Unix socket's file removed).
    std::optional<MigrationChannel> accept(int timeout_ms);
    int fd() const { return fd_; }  // for poll(); -1 once closed

private:
    void close();
    MigrationAddress address_;
    int fd_ = -1;
    bool bound_ = false;  // a Unix socket's file exists
};

// The stream's format version, in its first message (HELO) after the magic "TRAPMIGR".
// 2: the VM moved is named (one VM of a machine of several), STAT carries the source's clock.
inline constexpr std::uint32_t kMigrationStreamVersion = 2;

}  // namespace trapeze
