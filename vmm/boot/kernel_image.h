// Kernel images as the arm64 Linux boot protocol and QEMU's -kernel take them: an Image with
// its 64-byte header, a raw image without one, or an ELF (ET_DYN linked at 0 goes where a raw
// image goes). Parsing says where the kernel lands in RAM and how much RAM it needs.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "emulator/elf_loader.h"

namespace trapeze {

// The arm64 Image header (Linux Documentation/arch/arm64/booting.rst), at the file's start.
struct Arm64ImageHeader {
    static constexpr std::uint32_t kMagic = 0x644d'5241;   // "ARM\x64" at offset 0x38
    static constexpr std::uint64_t kSize = 64;
    static constexpr std::uint64_t kMagicOffset = 0x38;
    static constexpr std::uint64_t kFlagBigEndian = 1u << 0;
    static constexpr unsigned kFlagPageSizeShift = 1;       // bits [2:1]: 0 unspecified, 1 4K, 2 16K, 3 64K
    static constexpr std::uint64_t kFlagPhysicalPlacement = 1u << 3;

    std::uint64_t text_offset = 0;  // where in a 2 MiB-aligned RAM region the image goes
    std::uint64_t image_size = 0;   // the memory it needs from its start, its bss included (0: pre-3.17)
    std::uint64_t flags = 0;
};

// Where a raw image without a header goes, as QEMU puts it (the text_offset of old kernels).
inline constexpr std::uint64_t kRawImageOffset = 0x8'0000;

enum class KernelFormat : std::uint8_t { Arm64Image, Raw, Elf, PositionIndependentElf };
const char* kernel_format_name(KernelFormat format);

// A checked kernel: its bytes as an image to load, and the RAM it occupies.
struct KernelImage {
    ElfImage image;
    KernelFormat format = KernelFormat::Raw;
    Arm64ImageHeader header;      // for KernelFormat::Arm64Image
    std::uint64_t start = 0;      // the lowest guest-physical address it loads
    std::uint64_t end = 0;        // one past the highest it needs (image_size, the ELF's memsz)
};

// Parse a kernel file held in memory, to be loaded in RAM at [ram_base, ram_base + ram_size).
// A gzip-compressed file is unpacked first (at most ram_size bytes). Throws BootError naming
// the file and the problem (empty, a corrupt or truncated gzip stream, xz/zstd/EFI zboot
// compression, truncated, a bad header, a foreign ELF, too big for RAM).
KernelImage parse_kernel(std::span<const std::uint8_t> bytes, const std::string& name, std::uint64_t ram_base,
                         std::uint64_t ram_size);

}  // namespace trapeze
