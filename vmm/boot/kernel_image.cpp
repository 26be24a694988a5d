// Kernel images: the arm64 Image header, raw images and ELF kernels, each checked against
// the file and against RAM before anything is loaded.
#include "vmm/boot/kernel_image.h"

#include <cstring>

#include <fmt/format.h>

#include "vmm/boot/boot_error.h"
#include "vmm/boot/gunzip.h"

namespace trapeze {
namespace {

constexpr std::uint8_t kElfMagic[] = {0x7f, 'E', 'L', 'F'};
constexpr std::uint16_t kPeMachineArm64 = 0xaa64;

template <typename T>
T read_le(std::span<const std::uint8_t> bytes, std::uint64_t offset) {
    T value;
    std::memcpy(&value, bytes.data() + offset, sizeof(T));
    return value;
}

bool starts_with(std::span<const std::uint8_t> bytes, std::initializer_list<std::uint8_t> prefix, std::uint64_t at = 0) {
    if (bytes.size() < at + prefix.size()) return false;
    return std::equal(prefix.begin(), prefix.end(), bytes.begin() + static_cast<std::ptrdiff_t>(at));
}

template <typename... Args>
[[noreturn]] void fail(const std::string& name, fmt::format_string<Args...> format, Args&&... args) {
    throw BootError(name + ": " + fmt::format(format, std::forward<Args>(args)...));
}

// Compressed kernels other than gzip (which is unpacked, as QEMU does): Trapeze asks for the raw one.
void refuse_compressed(std::span<const std::uint8_t> bytes, const std::string& name) {
    if (is_gzip(bytes)) fail(name, "gzip-compressed twice; unpack it first: gzip -dc FILE | gzip -dc > Image");
    if (starts_with(bytes, {0xfd, '7', 'z', 'X', 'Z', 0x00}))
        fail(name, "an xz-compressed kernel; unpack it first: xz -dc FILE > Image");
    if (starts_with(bytes, {0x28, 0xb5, 0x2f, 0xfd}))
        fail(name, "a zstd-compressed kernel; unpack it first: zstd -dc FILE > Image");
    if (starts_with(bytes, {'M', 'Z'}) && starts_with(bytes, {'z', 'i', 'm', 'g'}, 4))
        fail(name, "an EFI zboot kernel (a compressed image for EFI firmware); boot its raw Image instead");
}

// An EFI-stub Image is also a PE/COFF file: its section table says how long the file is,
// which is how a truncated Image shows.
void check_pe_sections(std::span<const std::uint8_t> bytes, const std::string& name) {
    const std::uint32_t pe_offset = read_le<std::uint32_t>(bytes, 0x3c);
    constexpr std::uint64_t kCoffHeaderSize = 20, kSectionSize = 40;
    if (pe_offset == 0) return;  // no PE/COFF part: nothing more to check
    if (std::uint64_t{pe_offset} + 4 + kCoffHeaderSize > bytes.size())
        fail(name, "truncated: its PE/COFF header at {:#x} is past the end of the file ({} bytes)", pe_offset,
             bytes.size());
    if (!starts_with(bytes, {'P', 'E', 0, 0}, pe_offset))
        fail(name, "bad Image header: the PE/COFF header it points to (at {:#x}) has no \"PE\\0\\0\" signature",
             pe_offset);
    const std::uint64_t coff = pe_offset + 4;
    const auto machine = read_le<std::uint16_t>(bytes, coff);
    if (machine != kPeMachineArm64)
        fail(name, "bad Image header: its PE/COFF machine is {:#x}, not arm64 ({:#x})", machine, kPeMachineArm64);
    const auto sections = read_le<std::uint16_t>(bytes, coff + 2);
    const auto optional_size = read_le<std::uint16_t>(bytes, coff + 16);
    const std::uint64_t table = coff + kCoffHeaderSize + optional_size;
    if (table + sections * kSectionSize > bytes.size())
        fail(name, "truncated: its PE/COFF section table ({} sections at {:#x}) is past the end of the file ({} bytes)",
             sections, table, bytes.size());
    for (unsigned i = 0; i < sections; ++i) {
        const std::uint64_t row = table + i * kSectionSize;
        const std::uint64_t raw_size = read_le<std::uint32_t>(bytes, row + 16);
        const std::uint64_t raw_offset = read_le<std::uint32_t>(bytes, row + 20);
        if (raw_offset + raw_size > bytes.size())
            fail(name, "truncated: its section {} ends at {:#x} but the file has {:#x} bytes", i, raw_offset + raw_size,
                 bytes.size());
    }
}

Arm64ImageHeader check_image_header(std::span<const std::uint8_t> bytes, const std::string& name) {
    Arm64ImageHeader h;
    h.text_offset = read_le<std::uint64_t>(bytes, 8);
    h.image_size = read_le<std::uint64_t>(bytes, 16);
    h.flags = read_le<std::uint64_t>(bytes, 24);
    if (h.image_size == 0) {
        // Before Linux 3.17 the header's text_offset had no defined endianness: QEMU and the
        // boot document take 0x80000 then.
        h.text_offset = kRawImageOffset;
        return h;
    }
    if (h.flags & Arm64ImageHeader::kFlagBigEndian)
        fail(name, "bad Image header: a big-endian kernel (flags bit 0); Trapeze runs little-endian guests");
    const unsigned page_size = (h.flags >> Arm64ImageHeader::kFlagPageSizeShift) & 3;
    if (page_size == 2 || page_size == 3)
        fail(name, "the kernel is built for {} KiB pages (Image header flags {:#x}); Trapeze's MMU has 4 KiB pages only",
             page_size == 2 ? 16 : 64, h.flags);
    if (h.flags >> 4)
        fail(name, "bad Image header: reserved flag bits set (flags {:#x})", h.flags);
    if (h.text_offset % 4096 != 0)
        fail(name, "bad Image header: text_offset {:#x} is not a multiple of 4 KiB", h.text_offset);
    if (h.text_offset >= (2u << 20))
        fail(name, "bad Image header: text_offset {:#x} is not inside the first 2 MiB", h.text_offset);
    if (h.image_size < bytes.size())
        fail(name, "bad Image header: image_size {:#x} is smaller than the file ({:#x} bytes)", h.image_size,
             bytes.size());
    if (starts_with(bytes, {'M', 'Z'})) check_pe_sections(bytes, name);
    return h;
}

void check_fits(const KernelImage& k, const std::string& name, std::uint64_t ram_base, std::uint64_t ram_size) {
    const std::uint64_t ram_end = ram_base + ram_size;
    if (k.start < ram_base || k.end > ram_end || k.end < k.start)
        fail(name, "the kernel ({} at {:#x}..{:#x}, {} KiB with its bss) does not fit in guest RAM {:#x}..{:#x} ({} MiB)",
             kernel_format_name(k.format), k.start, k.end, (k.end - k.start + 1023) / 1024, ram_base, ram_end,
             ram_size >> 20);
}

}  // namespace

const char* kernel_format_name(KernelFormat format) {
    switch (format) {
    case KernelFormat::Arm64Image: return "an arm64 Image";
    case KernelFormat::Raw: return "a raw image";
    case KernelFormat::Elf: return "an ELF executable";
    case KernelFormat::PositionIndependentElf: return "a position-independent ELF";
    }
    return "an image";
}

KernelImage parse_kernel(std::span<const std::uint8_t> bytes, const std::string& name, std::uint64_t ram_base,
                         std::uint64_t ram_size) {
    if (bytes.empty()) fail(name, "the kernel image is empty");
    if (is_gzip(bytes)) {
        // A vmlinuz: the Image inside, no larger than RAM, then checked like any other.
        const std::vector<std::uint8_t> unpacked = gunzip(bytes, name, ram_size);
        if (unpacked.empty()) fail(name, "a gzip-compressed kernel that unpacks to nothing");
        refuse_compressed(unpacked, name);
        return parse_kernel(unpacked, name, ram_base, ram_size);
    }
    refuse_compressed(bytes, name);
    KernelImage k;
    if (starts_with(bytes, {kElfMagic[0], kElfMagic[1], kElfMagic[2], kElfMagic[3]})) {
        try {
            k.image = ElfImage::parse(bytes, name, ElfKinds::ExecutableOrPositionIndependent);
        } catch (const ElfError& e) {
            throw BootError(e.what());
        }
        if (k.image.position_independent()) {
            // Linked at 0, it goes where a raw image goes.
            if (k.image.low_address() != 0)
                fail(name, "a position-independent ELF (ET_DYN) whose first segment is at {:#x}, not 0",
                     k.image.low_address());
            k.format = KernelFormat::PositionIndependentElf;
            k.image.relocate(ram_base + kRawImageOffset);
        } else {
            k.format = KernelFormat::Elf;
        }
        k.start = k.image.low_address();
        k.end = k.image.high_address();
        check_fits(k, name, ram_base, ram_size);
        return k;
    }
    const bool has_header = bytes.size() >= Arm64ImageHeader::kSize &&
                            read_le<std::uint32_t>(bytes, Arm64ImageHeader::kMagicOffset) == Arm64ImageHeader::kMagic;
    if (starts_with(bytes, {'M', 'Z'}) && !has_header)
        fail(name, "{}", bytes.size() < Arm64ImageHeader::kSize
                       ? "truncated: it starts like an EFI-stub Image (\"MZ\") but is shorter than the 64-byte header"
                       : "a PE/COFF file without the arm64 Image header (\"ARM\\x64\" at 0x38): not an arm64 kernel");
    std::uint64_t memory_size = bytes.size();
    if (has_header) {
        k.format = KernelFormat::Arm64Image;
        k.header = check_image_header(bytes, name);
        if (k.header.image_size != 0) memory_size = k.header.image_size;
    } else {
        k.format = KernelFormat::Raw;
        k.header.text_offset = kRawImageOffset;
    }
    k.start = ram_base + k.header.text_offset;
    k.end = k.start + memory_size;
    check_fits(k, name, ram_base, ram_size);
    k.image = ElfImage::raw(bytes, k.start, k.start, name);
    return k;
}

}  // namespace trapeze
