// gzip-compressed kernels: zlib's inflate over the whole file, bounded and checked.
#include "vmm/boot/gunzip.h"

#include <zlib.h>

#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "vmm/boot/boot_error.h"

namespace trapeze {
namespace {

constexpr int kGzipWindowBits = 16 + MAX_WBITS;  // a gzip header and trailer, not a zlib one
constexpr std::size_t kChunk = 1u << 20;

struct Inflater {
    z_stream stream{};
    ~Inflater() { inflateEnd(&stream); }
};

}  // namespace

bool is_gzip(std::span<const std::uint8_t> bytes) { return bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b; }

std::vector<std::uint8_t> gunzip(std::span<const std::uint8_t> bytes, const std::string& name, std::uint64_t limit) {
    const auto fail = [&name](const std::string& problem) -> BootError {
        return BootError(fmt::format("{}: a gzip-compressed kernel that cannot be unpacked: {}", name, problem));
    };
    if (bytes.size() > std::numeric_limits<uInt>::max()) throw fail("the file is larger than 4 GiB");
    Inflater z;
    if (inflateInit2(&z.stream, kGzipWindowBits) != Z_OK) throw fail("zlib could not start");
    z.stream.next_in = const_cast<Bytef*>(bytes.data());  // zlib's API is not const-correct; it only reads
    z.stream.avail_in = static_cast<uInt>(bytes.size());

    std::vector<std::uint8_t> out;
    for (;;) {
        if (out.size() > limit) break;
        const std::size_t had = out.size();
        out.resize(had + kChunk);
        z.stream.next_out = out.data() + had;
        z.stream.avail_out = static_cast<uInt>(kChunk);
        const int status = inflate(&z.stream, Z_NO_FLUSH);
        out.resize(had + kChunk - z.stream.avail_out);
        if (status == Z_STREAM_END) break;
        if (status == Z_DATA_ERROR)
            throw fail(fmt::format("corrupt data after {} of its {} bytes ({})", z.stream.total_in, bytes.size(),
                                   z.stream.msg ? z.stream.msg : "zlib gives no reason"));
        if (status == Z_MEM_ERROR) throw fail("out of memory");
        if (status == Z_BUF_ERROR || (status == Z_OK && z.stream.avail_in == 0 && z.stream.avail_out != 0))
            throw fail(fmt::format("truncated: the stream ends after {} bytes, unpacked to {} bytes so far",
                                   bytes.size(), out.size()));
        if (status != Z_OK) throw fail(fmt::format("zlib error {}", status));
    }
    if (out.size() > limit)
        throw fail(fmt::format("it unpacks to more than {} MiB, the guest's RAM", (limit + (1u << 20) - 1) >> 20));
    // Zeros after the stream are padding; anything else would be a second member or garbage.
    const auto rest = bytes.subspan(bytes.size() - z.stream.avail_in);
    if (std::any_of(rest.begin(), rest.end(), [](std::uint8_t b) { return b != 0; }))
        throw fail(fmt::format("{} bytes of something else follow the gzip stream", rest.size()));
    return out;
}

}  // namespace trapeze
