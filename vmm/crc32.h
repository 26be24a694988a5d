// The CRC-32 (zlib's, as gzip and PNG use it) that snapshots and the migration stream carry,
// over any length (zlib takes at most 4 GiB per call).
#pragma once

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <span>

namespace trapeze {

inline std::uint32_t crc32_of(std::span<const std::uint8_t> bytes) {
    uLong crc = crc32(0L, Z_NULL, 0);
    for (std::size_t at = 0; at < bytes.size();) {
        const auto n = static_cast<uInt>(std::min<std::size_t>(bytes.size() - at, 1u << 30));
        crc = crc32(crc, bytes.data() + at, n);
        at += n;
    }
    return static_cast<std::uint32_t>(crc);
}

}  // namespace trapeze
