// gzip-compressed kernels (Debian's vmlinuz): unpacked in memory with zlib, as QEMU's -kernel
// unpacks them, with a limit on the size they may grow to.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace trapeze {

// A gzip member starts with these two bytes (RFC 1952).
bool is_gzip(std::span<const std::uint8_t> bytes);

// The bytes a gzip stream unpacks to. Throws BootError naming `name` if the stream is
// corrupt or truncated, fails its CRC or length check, or unpacks to more than `limit` bytes.
std::vector<std::uint8_t> gunzip(std::span<const std::uint8_t> bytes, const std::string& name, std::uint64_t limit);

}  // namespace trapeze
