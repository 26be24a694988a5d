// The boot path: kernel images (Image header, raw, ELF, ET_DYN), the device tree parsed back
// with libfdt, the placement of kernel, initrd and tree, and vCPU 0's registers at entry.
#include <doctest/doctest.h>

#include <libfdt.h>
#include <unistd.h>
#include <zlib.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "support/elf_builder.h"
#include "emulator/guest_memory.h"
#include "vmm/boot/boot_error.h"
#include "vmm/boot/device_tree.h"
#include "vmm/boot/kernel_boot.h"
#include "vmm/boot/kernel_image.h"
#include "vmm/scenario.h"
#include "vmm/vm.h"

using namespace trapeze;

namespace {

constexpr std::uint64_t kMiB = 1u << 20;
constexpr std::uint64_t kRam = 0x4000'0000;

template <typename T>
void put(std::vector<std::uint8_t>& out, std::size_t offset, T value) {
    std::memcpy(out.data() + offset, &value, sizeof(T));
}

// An arm64 Image of `file_size` bytes with this header.
std::vector<std::uint8_t> image(std::uint64_t text_offset, std::uint64_t image_size, std::uint64_t flags,
                                std::size_t file_size = 4096) {
    std::vector<std::uint8_t> bytes(file_size, 0);
    put<std::uint32_t>(bytes, 0, 0x1400'0010);  // b +0x40 (code0), as the kernel's
    put<std::uint64_t>(bytes, 8, text_offset);
    put<std::uint64_t>(bytes, 16, image_size);
    put<std::uint64_t>(bytes, 24, flags);
    put<std::uint32_t>(bytes, 0x38, Arm64ImageHeader::kMagic);
    return bytes;
}

// `bytes` as gzip -9n writes them (a gzip header and trailer around a deflate stream).
std::vector<std::uint8_t> gzip(const std::vector<std::uint8_t>& bytes) {
    z_stream z{};
    REQUIRE(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
    std::vector<std::uint8_t> out(deflateBound(&z, bytes.size()));
    z.next_in = const_cast<Bytef*>(bytes.data());
    z.avail_in = static_cast<uInt>(bytes.size());
    z.next_out = out.data();
    z.avail_out = static_cast<uInt>(out.size());
    REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
}

// The first `size` bytes a kernel puts in RAM from its start.
std::vector<std::uint8_t> loaded(const KernelImage& k, std::size_t size) {
    GuestMemory memory(kRam, 64 * kMiB);
    k.image.load(memory);
    std::vector<std::uint8_t> out(size);
    memory.read(k.start, out.data(), size);
    return out;
}

std::string parse_error(const std::vector<std::uint8_t>& bytes, std::uint64_t ram_size = 64 * kMiB) {
    try {
        parse_kernel(bytes, "k", kRam, ram_size);
    } catch (const BootError& e) {
        return e.what();
    }
    return "(no error)";
}

// A file in a fresh temporary folder, removed with it.
struct TempDir {
    std::filesystem::path path;
    TempDir() {
        char pattern[] = "/tmp/trapeze-boot-XXXXXX";
        path = mkdtemp(pattern);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    std::string write(const std::string& name, const std::vector<std::uint8_t>& bytes) const {
        const auto file = path / name;
        std::ofstream(file, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                                     static_cast<std::streamsize>(bytes.size()));
        return file.string();
    }
};

std::string boot_error(const VmConfig& config) {
    try {
        prepare_kernel_boot(config);
    } catch (const BootError& e) {
        return e.what();
    }
    return "(no error)";
}

// A property's bytes as a string (the tree's strings and string lists, NULs included).
std::string prop_bytes(const std::vector<std::uint8_t>& fdt, const char* path, const char* name) {
    const int node = fdt_path_offset(fdt.data(), path);
    REQUIRE_MESSAGE(node >= 0, path);
    int len = 0;
    const void* p = fdt_getprop(fdt.data(), node, name, &len);
    REQUIRE_MESSAGE(p != nullptr, path, " ", name);
    return std::string(static_cast<const char*>(p), static_cast<std::size_t>(len));
}

std::vector<std::uint32_t> prop_cells(const std::vector<std::uint8_t>& fdt, const char* path, const char* name) {
    const std::string raw = prop_bytes(fdt, path, name);
    REQUIRE(raw.size() % 4 == 0);
    std::vector<std::uint32_t> cells;
    for (std::size_t i = 0; i < raw.size(); i += 4) {
        fdt32_t be;
        std::memcpy(&be, raw.data() + i, 4);
        cells.push_back(fdt32_to_cpu(be));
    }
    return cells;
}

bool has_prop(const std::vector<std::uint8_t>& fdt, const char* path, const char* name) {
    return fdt_getprop(fdt.data(), fdt_path_offset(fdt.data(), path), name, nullptr) != nullptr;
}

int subnode_count(const std::vector<std::uint8_t>& fdt, const char* path) {
    int count = 0, child;
    fdt_for_each_subnode(child, fdt.data(), fdt_path_offset(fdt.data(), path)) ++count;
    return count;
}

}  // namespace

TEST_CASE("an arm64 Image goes to RAM + text_offset and needs image_size bytes from there") {
    const KernelImage k = parse_kernel(image(0x8'0000, 0x3'0000, 0xa), "k", kRam, 64 * kMiB);
    CHECK(k.format == KernelFormat::Arm64Image);
    CHECK(k.header.text_offset == 0x8'0000);
    CHECK(k.header.image_size == 0x3'0000);
    CHECK(k.header.flags == 0xa);
    CHECK(k.start == kRam + 0x8'0000);
    CHECK(k.end == kRam + 0x8'0000 + 0x3'0000);
    CHECK(k.image.entry() == kRam + 0x8'0000);
    REQUIRE(k.image.segments().size() == 1);
    CHECK(k.image.segments()[0].address == kRam + 0x8'0000);
    CHECK(k.image.segments()[0].file_size == 4096);

    // text_offset 0 (every kernel since 5.8): at the start of RAM.
    const KernelImage modern = parse_kernel(image(0, 0x2000, 0xa), "k", kRam, 64 * kMiB);
    CHECK(modern.start == kRam);
    CHECK(modern.end == kRam + 0x2000 + 0);
    // image_size 0 (before 3.17): text_offset has no defined endianness; 0x80000 is taken.
    const KernelImage old = parse_kernel(image(0x1234'5678, 0, 0), "k", kRam, 64 * kMiB);
    CHECK(old.start == kRam + 0x8'0000);
    CHECK(old.end == kRam + 0x8'0000 + 4096);
}

TEST_CASE("a raw image without a header goes to RAM + 0x80000 and is entered at its first byte") {
    const std::vector<std::uint8_t> raw = {0x00, 0x00, 0x00, 0x14};  // b .
    const KernelImage k = parse_kernel(raw, "k", kRam, 64 * kMiB);
    CHECK(k.format == KernelFormat::Raw);
    CHECK(k.start == kRam + 0x8'0000);
    CHECK(k.end == kRam + 0x8'0004);
    CHECK(k.image.entry() == kRam + 0x8'0000);
}

TEST_CASE("an ELF kernel loads at its addresses; an ET_DYN one linked at 0 goes where a raw image goes") {
    test::ElfBuilder exec;
    const KernelImage e = parse_kernel(exec.bytes(), "k", kRam, 64 * kMiB);
    CHECK(e.format == KernelFormat::Elf);
    CHECK(e.start == test::kLoad);
    CHECK(e.end == test::kLoad + 0x20);
    CHECK(e.image.entry() == test::kLoad);

    test::ElfBuilder dyn;
    dyn.header.e_type = ET_DYN;
    dyn.header.e_entry = 4;
    dyn.segments[0].p_vaddr = dyn.segments[0].p_paddr = 0;
    dyn.symbols.clear();
    dyn.strings = std::string(1, '\0');
    dyn.add_symbol("_start", 0, 8, STT_FUNC);
    const KernelImage d = parse_kernel(dyn.bytes(), "k", kRam, 64 * kMiB);
    CHECK(d.format == KernelFormat::PositionIndependentElf);
    CHECK(d.start == kRam + 0x8'0000);
    CHECK(d.end == kRam + 0x8'0000 + 0x20);
    CHECK(d.image.entry() == kRam + 0x8'0004);
    CHECK(d.image.describe(kRam + 0x8'0004) == "_start+0x4");

    dyn.segments[0].p_vaddr = dyn.segments[0].p_paddr = 0x1000;
    dyn.header.e_entry = 0x1000;
    CHECK(parse_error(dyn.bytes()) == "k: a position-independent ELF (ET_DYN) whose first segment is at 0x1000, not 0");
    // A guest ELF stays ET_EXEC only.
    CHECK_THROWS_AS(ElfImage::parse(dyn.bytes(), "g"), ElfError);
}

TEST_CASE("a malformed kernel image is refused with the problem named") {
    CHECK(parse_error({}) == "k: the kernel image is empty");
    CHECK(parse_error({0x1f, 0x8b, 8, 0}) ==
          "k: a gzip-compressed kernel that cannot be unpacked: truncated: the stream ends after 4 bytes, unpacked "
          "to 0 bytes so far");
    CHECK(parse_error({0xfd, '7', 'z', 'X', 'Z', 0, 1}) == "k: an xz-compressed kernel; unpack it first: xz -dc FILE > Image");
    CHECK(parse_error({0x28, 0xb5, 0x2f, 0xfd, 0}) ==
          "k: a zstd-compressed kernel; unpack it first: zstd -dc FILE > Image");
    std::vector<std::uint8_t> zboot(64, 0);
    std::memcpy(zboot.data(), "MZ\0\0zimg", 8);
    CHECK(parse_error(zboot) ==
          "k: an EFI zboot kernel (a compressed image for EFI firmware); boot its raw Image instead");
    CHECK(parse_error(image(0, 0x2000, 0xb)) ==
          "k: bad Image header: a big-endian kernel (flags bit 0); Trapeze runs little-endian guests");
    CHECK(parse_error(image(0, 0x2000, 0x6 | 0x8)) ==
          "k: the kernel is built for 64 KiB pages (Image header flags 0xe); Trapeze's MMU has 4 KiB pages only");
    CHECK(parse_error(image(0, 0x2000, 0x4)) ==
          "k: the kernel is built for 16 KiB pages (Image header flags 0x4); Trapeze's MMU has 4 KiB pages only");
    CHECK(parse_error(image(0, 0x2000, 0x1a)) == "k: bad Image header: reserved flag bits set (flags 0x1a)");
    CHECK(parse_error(image(0x80010, 0x2000, 0xa)) ==
          "k: bad Image header: text_offset 0x80010 is not a multiple of 4 KiB");
    CHECK(parse_error(image(0x20'0000, 0x2000, 0xa)) ==
          "k: bad Image header: text_offset 0x200000 is not inside the first 2 MiB");
    CHECK(parse_error(image(0, 0x800, 0xa)) ==
          "k: bad Image header: image_size 0x800 is smaller than the file (0x1000 bytes)");
    CHECK(parse_error(image(0, 65 * kMiB, 0xa)) ==
          "k: the kernel (an arm64 Image at 0x40000000..0x44100000, 66560 KiB with its bss) does not fit in guest "
          "RAM 0x40000000..0x44000000 (64 MiB)");
    CHECK(parse_error({'M', 'Z', 0, 0}) ==
          "k: truncated: it starts like an EFI-stub Image (\"MZ\") but is shorter than the 64-byte header");
    std::vector<std::uint8_t> pe(128, 0);
    pe[0] = 'M';
    pe[1] = 'Z';
    CHECK(parse_error(pe) ==
          "k: a PE/COFF file without the arm64 Image header (\"ARM\\x64\" at 0x38): not an arm64 kernel");
    test::ElfBuilder x86;
    x86.header.e_machine = EM_X86_64;
    CHECK(parse_error(x86.bytes()) == "k: ELF is for x86-64, not AArch64");
    std::vector<std::uint8_t> truncated_elf = test::ElfBuilder().bytes();
    truncated_elf.resize(40);
    CHECK(parse_error(truncated_elf) == "k: truncated ELF header (40 bytes, an ELF64 header is 64)");
}

TEST_CASE("a gzip-compressed kernel (a vmlinuz) is unpacked and loaded as the Image inside") {
    std::vector<std::uint8_t> inner = image(0, 0x3000, 0xa, 0x2000);
    for (std::size_t i = 64; i < inner.size(); ++i) inner[i] = static_cast<std::uint8_t>(i * 7);
    const KernelImage plain = parse_kernel(inner, "k", kRam, 64 * kMiB);
    const KernelImage k = parse_kernel(gzip(inner), "k", kRam, 64 * kMiB);
    CHECK(k.format == KernelFormat::Arm64Image);
    CHECK(k.start == kRam);
    CHECK(k.end == kRam + 0x3000);
    CHECK(k.image.entry() == kRam);
    CHECK(k.image.segments().size() == 1);
    CHECK(k.image.segments()[0].file_size == inner.size());
    CHECK(loaded(k, inner.size()) == inner);
    CHECK(loaded(plain, inner.size()) == inner);
    // Zero padding after the stream is allowed, as after a vmlinuz in a firmware partition.
    std::vector<std::uint8_t> padded = gzip(inner);
    padded.resize(padded.size() + 16, 0);
    CHECK(loaded(parse_kernel(padded, "k", kRam, 64 * kMiB), inner.size()) == inner);
    // What is inside gets the same checks as a file: a bad header, too big for RAM.
    CHECK(parse_error(gzip(image(0, 0x2000, 0xb))) ==
          "k: bad Image header: a big-endian kernel (flags bit 0); Trapeze runs little-endian guests");
    CHECK(parse_error(gzip(gzip(inner))) == "k: gzip-compressed twice; unpack it first: gzip -dc FILE | gzip -dc > Image");
}

TEST_CASE("a corrupt, truncated or oversized gzip kernel is refused with the problem named") {
    const std::vector<std::uint8_t> inner = image(0, 0x3000, 0xa, 0x2000);
    const std::vector<std::uint8_t> packed = gzip(inner);
    const std::string prefix = "k: a gzip-compressed kernel that cannot be unpacked: ";

    std::vector<std::uint8_t> truncated(packed.begin(), packed.end() - 4);  // the trailer's length cut off
    CHECK(parse_error(truncated) == prefix + fmt::format("truncated: the stream ends after {} bytes, unpacked to {} "
                                                         "bytes so far", truncated.size(), inner.size()));
    std::vector<std::uint8_t> half(packed.begin(), packed.begin() + 20);
    CHECK(parse_error(half).starts_with(prefix + "truncated: the stream ends after 20 bytes"));

    std::vector<std::uint8_t> bad_crc = packed;
    bad_crc[bad_crc.size() - 8] ^= 1;  // the trailer's CRC-32
    CHECK(parse_error(bad_crc) == prefix + fmt::format("corrupt data after {} of its {} bytes (incorrect data check)",
                                                       packed.size() - 4, packed.size()));
    std::vector<std::uint8_t> bad_length = packed;
    bad_length[bad_length.size() - 1] ^= 1;  // the trailer's ISIZE
    CHECK(parse_error(bad_length) == prefix + fmt::format("corrupt data after {} of its {} bytes (incorrect length "
                                                          "check)", packed.size(), packed.size()));
    std::vector<std::uint8_t> bad_method = packed;
    bad_method[2] = 7;  // not deflate
    CHECK(parse_error(bad_method) == prefix + "corrupt data after 4 of its " + std::to_string(packed.size()) +
                                         " bytes (unknown compression method)");

    std::vector<std::uint8_t> trailing = packed;
    trailing.push_back(0x42);
    CHECK(parse_error(trailing) == prefix + "1 bytes of something else follow the gzip stream");

    // The limit is the guest's RAM: 2 MiB of zeros do not unpack into 1 MiB.
    std::vector<std::uint8_t> big = image(0, 0, 0, 2 * kMiB);
    CHECK(parse_error(gzip(big), 1 * kMiB) == prefix + "it unpacks to more than 1 MiB, the guest's RAM");
}

TEST_CASE("a truncated EFI-stub Image shows in its PE/COFF section table") {
    // MZ, the header, "PE\0\0" at 0x40, arm64, one section whose raw data ends at 0x3000.
    std::vector<std::uint8_t> k = image(0, 0x4000, 0xa, 0x3000);
    k[0] = 'M';
    k[1] = 'Z';
    put<std::uint32_t>(k, 0x3c, 0x40);
    put<std::uint32_t>(k, 0x40, 0x0000'4550);  // "PE\0\0"
    put<std::uint16_t>(k, 0x44, 0xaa64);       // Machine
    put<std::uint16_t>(k, 0x46, 1);            // NumberOfSections
    put<std::uint16_t>(k, 0x54, 0);            // SizeOfOptionalHeader
    const std::size_t section = 0x44 + 20;
    put<std::uint32_t>(k, section + 16, 0x2000);  // SizeOfRawData
    put<std::uint32_t>(k, section + 20, 0x1000);  // PointerToRawData
    CHECK(parse_error(k) == "(no error)");
    k.resize(0x2fff);
    CHECK(parse_error(k) == "k: truncated: its section 0 ends at 0x3000 but the file has 0x2fff bytes");
    k.resize(0x3000);
    put<std::uint16_t>(k, 0x44, 0x8664);
    CHECK(parse_error(k) == "k: bad Image header: its PE/COFF machine is 0x8664, not arm64 (0xaa64)");
    put<std::uint16_t>(k, 0x44, 0xaa64);
    put<std::uint32_t>(k, 0x3c, 0x2ff0);
    CHECK(parse_error(k) == "k: truncated: its PE/COFF header at 0x2ff0 is past the end of the file (12288 bytes)");
}

TEST_CASE("the device tree describes the platform, parsed back with libfdt property by property") {
    DeviceTreeSpec spec;
    spec.ram_base = kRam;
    spec.ram_size = 96 * kMiB;
    spec.vcpus = 3;
    spec.bootargs = "console=ttyAMA0 earlycon";
    spec.initrd_start = 0x4300'0000;
    spec.initrd_end = 0x4301'2345;
    const std::vector<std::uint8_t> fdt = make_device_tree(spec);
    REQUIRE(fdt_check_full(fdt.data(), fdt.size()) == 0);
    CHECK(fdt_totalsize(fdt.data()) == fdt.size());

    using Cells = std::vector<std::uint32_t>;
    using namespace std::string_literals;
    CHECK(prop_cells(fdt, "/", "#address-cells") == Cells{2});
    CHECK(prop_cells(fdt, "/", "#size-cells") == Cells{2});
    CHECK(prop_cells(fdt, "/", "interrupt-parent") == prop_cells(fdt, "/intc@8000000", "phandle"));
    CHECK(prop_bytes(fdt, "/", "compatible") == "linux,dummy-virt\0"s);

    CHECK(prop_cells(fdt, "/memory@40000000", "reg") == Cells{0, 0x4000'0000, 0, 0x600'0000});
    CHECK(prop_bytes(fdt, "/memory@40000000", "device_type") == "memory\0"s);

    CHECK(prop_bytes(fdt, "/psci", "compatible") == "arm,psci-1.0\0arm,psci-0.2\0"s);
    CHECK(prop_bytes(fdt, "/psci", "method") == "hvc\0"s);

    CHECK(prop_cells(fdt, "/cpus", "#address-cells") == Cells{1});
    CHECK(prop_cells(fdt, "/cpus", "#size-cells") == Cells{0});
    CHECK(subnode_count(fdt, "/cpus") == 3);
    for (unsigned i = 0; i < 3; ++i) {
        const std::string path = "/cpus/cpu@" + std::to_string(i);
        CHECK(prop_cells(fdt, path.c_str(), "reg") == Cells{static_cast<std::uint32_t>(Vcpu::mpidr(i) & 0xffffff)});
        CHECK(prop_bytes(fdt, path.c_str(), "device_type") == "cpu\0"s);
        CHECK(prop_bytes(fdt, path.c_str(), "compatible") == "arm,cortex-a57\0"s);
        CHECK(prop_bytes(fdt, path.c_str(), "enable-method") == "psci\0"s);
    }

    CHECK(prop_bytes(fdt, "/pl011@9000000", "compatible") == "arm,pl011\0arm,primecell\0"s);
    CHECK(prop_cells(fdt, "/pl011@9000000", "reg") == Cells{0, 0x900'0000, 0, 0x1000});
    CHECK(prop_cells(fdt, "/pl011@9000000", "interrupts") == Cells{0, 1, 4});  // SPI 1 (INTID 33), level-high
    const Cells clock = prop_cells(fdt, "/apb-pclk", "phandle");
    CHECK(prop_cells(fdt, "/pl011@9000000", "clocks") == Cells{clock[0], clock[0]});
    CHECK(prop_bytes(fdt, "/pl011@9000000", "clock-names") == "uartclk\0apb_pclk\0"s);
    CHECK(prop_bytes(fdt, "/apb-pclk", "compatible") == "fixed-clock\0"s);
    CHECK(prop_cells(fdt, "/apb-pclk", "#clock-cells") == Cells{0});
    CHECK(prop_cells(fdt, "/apb-pclk", "clock-frequency") == Cells{24'000'000});

    CHECK(prop_bytes(fdt, "/intc@8000000", "compatible") == "arm,gic-v3\0"s);
    CHECK(prop_cells(fdt, "/intc@8000000", "#interrupt-cells") == Cells{3});
    CHECK(prop_bytes(fdt, "/intc@8000000", "interrupt-controller").empty());
    CHECK(prop_cells(fdt, "/intc@8000000", "#redistributor-regions") == Cells{1});
    // The distributor, then one 128 KiB redistributor (RD_base + SGI_base) per vCPU.
    CHECK(prop_cells(fdt, "/intc@8000000", "reg") == Cells{0, 0x800'0000, 0, 0x1'0000, 0, 0x80a'0000, 0, 3 * 0x2'0000});

    CHECK(prop_bytes(fdt, "/timer", "compatible") == "arm,armv8-timer\0"s);
    CHECK(prop_cells(fdt, "/timer", "interrupts") == Cells{1, 13, 4, 1, 14, 4, 1, 11, 4, 1, 10, 4});
    CHECK(has_prop(fdt, "/timer", "always-on"));

    CHECK(prop_bytes(fdt, "/chosen", "bootargs") == "console=ttyAMA0 earlycon\0"s);
    CHECK(prop_bytes(fdt, "/chosen", "stdout-path") == "/pl011@9000000\0"s);
    CHECK(prop_cells(fdt, "/chosen", "linux,initrd-start") == Cells{0, 0x4300'0000});
    CHECK(prop_cells(fdt, "/chosen", "linux,initrd-end") == Cells{0, 0x4301'2345});

    // Without a command line or an initrd, /chosen names the console only.
    const std::vector<std::uint8_t> bare = make_device_tree({kRam, 16 * kMiB, 1, "", {}, {}});
    CHECK_FALSE(has_prop(bare, "/chosen", "bootargs"));
    CHECK_FALSE(has_prop(bare, "/chosen", "linux,initrd-start"));
    CHECK(prop_cells(bare, "/intc@8000000", "reg") == Cells{0, 0x800'0000, 0, 0x1'0000, 0, 0x80a'0000, 0, 0x2'0000});
}

TEST_CASE("a given device tree is checked, and its /chosen gets the command line and the initrd") {
    const std::vector<std::uint8_t> given = make_device_tree({kRam, 16 * kMiB, 1, "old args", {}, {}});
    DeviceTreeSpec spec{kRam, 16 * kMiB, 1, "new args", 0x4100'0000, 0x4100'1000};
    const std::vector<std::uint8_t> amended = amend_device_tree(given, "t.dtb", spec);
    REQUIRE(fdt_check_full(amended.data(), amended.size()) == 0);
    using namespace std::string_literals;
    CHECK(prop_bytes(amended, "/chosen", "bootargs") == "new args\0"s);
    CHECK(prop_cells(amended, "/chosen", "linux,initrd-start") == std::vector<std::uint32_t>{0, 0x4100'0000});
    // No command line given: the tree's own stays.
    const std::vector<std::uint8_t> kept = amend_device_tree(given, "t.dtb", {kRam, 16 * kMiB, 1, "", {}, {}});
    CHECK(prop_bytes(kept, "/chosen", "bootargs") == "old args\0"s);

    auto error = [](const std::vector<std::uint8_t>& blob) {
        try {
            amend_device_tree(blob, "t.dtb", {});
        } catch (const BootError& e) {
            return std::string(e.what());
        }
        return std::string("(no error)");
    };
    CHECK(error({1, 2, 3}) == "t.dtb: not a device tree blob (3 bytes, shorter than its header)");
    CHECK(error(std::vector<std::uint8_t>(64, 0x41)) == "t.dtb: not a valid device tree blob: FDT_ERR_BADMAGIC");
    std::vector<std::uint8_t> truncated(given.begin(), given.end() - 16);
    CHECK(error(truncated) == "t.dtb: truncated device tree: its header says " + std::to_string(given.size()) +
                                  " bytes, the file has " + std::to_string(truncated.size()));
    std::vector<std::uint8_t> bad_struct = given;
    const std::uint32_t off_struct = fdt_off_dt_struct(given.data());
    put<std::uint32_t>(bad_struct, off_struct, cpu_to_fdt32(0x0a));  // FDT_BEGIN_NODE turned into an unknown tag
    CHECK(error(bad_struct) == "t.dtb: malformed device tree: FDT_ERR_BADSTRUCTURE");
    put<std::uint32_t>(bad_struct, off_struct, cpu_to_fdt32(FDT_END));  // no root node at all
    CHECK(error(bad_struct) == "t.dtb: malformed device tree: it has no root node");
}

TEST_CASE("kernel, initrd and tree are placed as QEMU virt places them; x0 is the tree") {
    TempDir dir;
    VmConfig config;
    config.ram_size = 128 * kMiB;
    config.kernel = dir.write("Image", image(0, 0x3'0000, 0xa));
    config.initrd = dir.write("initrd", std::vector<std::uint8_t>(1000, 0x5a));
    config.append = "console=ttyAMA0";
    const KernelBoot b = prepare_kernel_boot(config);
    CHECK(b.layout.kernel_start == kRam);
    CHECK(b.layout.kernel_end == kRam + 0x3'0000);
    CHECK(b.layout.entry == kRam);
    CHECK(b.layout.initrd_start == kRam + 64 * kMiB);  // half of RAM, at most 128 MiB in
    CHECK(b.layout.initrd_end == kRam + 64 * kMiB + 1000);
    CHECK(b.layout.dtb_start == kRam + 66 * kMiB);     // the next 2 MiB boundary
    CHECK(b.layout.dtb_end == b.layout.dtb_start + b.device_tree.size());
    CHECK(b.boot.entry_registers == std::array<std::uint64_t, 4>{kRam + 66 * kMiB, 0, 0, 0});

    // 512 MiB of RAM: the initrd stops at 128 MiB in.
    config.ram_size = 512 * kMiB;
    CHECK(prepare_kernel_boot(config).layout.initrd_start == kRam + 128 * kMiB);

    // The VM: vCPU 0 at the entry, EL1h, DAIF masked, x0 = the tree; the others off.
    config.ram_size = 128 * kMiB;
    config.vcpus = 2;
    Vm vm(0, config, load_boot_image(config), [](const std::string&) {});
    Vcpu& v0 = vm.vcpu(0);
    CHECK(v0.regs().pc == kRam);
    CHECK(v0.x(0) == kRam + 66 * kMiB);
    CHECK(v0.x(1) == 0);
    CHECK(v0.x(2) == 0);
    CHECK(v0.x(3) == 0);
    CHECK(v0.el() == 1);
    CHECK(v0.state == VcpuState::Runnable);
    CHECK(vm.vcpu(1).state == VcpuState::Off);
    const std::uint8_t* tree = vm.memory().host(kRam + 66 * kMiB, 4);
    REQUIRE(fdt_magic(tree) == FDT_MAGIC);
    CHECK(fdt_check_full(tree, fdt_totalsize(tree)) == 0);
    CHECK(subnode_count(std::vector<std::uint8_t>(tree, tree + fdt_totalsize(tree)), "/cpus") == 2);
    CHECK(*vm.memory().host(kRam + 64 * kMiB + 999) == 0x5a);
    CHECK(std::memcmp(vm.memory().host(kRam, 4), "\x10\x00\x00\x14", 4) == 0);
}

TEST_CASE("parts that do not fit are refused with the addresses") {
    TempDir dir;
    VmConfig config;
    config.ram_size = 16 * kMiB;
    config.kernel = dir.write("Image", image(0, 12 * kMiB, 0xa));
    config.initrd = dir.write("initrd", std::vector<std::uint8_t>(4096, 1));
    CHECK(boot_error(config) == config.initrd +
                                    ": the initrd at 0x40800000..0x40801000 would overlap the kernel "
                                    "(0x40000000..0x40c00000, its image_size); give the VM more RAM (it goes 8 MiB "
                                    "into RAM)");
    config.ram_size = 32 * kMiB;
    config.initrd = dir.write("big", std::vector<std::uint8_t>(17 * kMiB, 1));
    CHECK(boot_error(config) == config.initrd +
                                    ": the initrd (17825792 bytes at 0x41000000..0x42100000) does not fit in guest RAM "
                                    "0x40000000..0x42000000 (32 MiB)");
    // No initrd: the tree goes where the initrd would, and must not land on the kernel.
    config.initrd.clear();
    config.ram_size = 16 * kMiB;
    const std::string tree_error = boot_error(config);
    CHECK(tree_error.starts_with(config.kernel + ": the device tree at 0x40800000..0x40800"));
    CHECK(tree_error.ends_with(" would overlap the kernel (0x40000000..0x40c00000); give the VM more RAM"));
}

TEST_CASE("a scenario's VM boots a kernel with the keys of the command line's options") {
    const Scenario s = parse_scenario(
        R"({"vms": [{"kernel": "Image", "initrd": "/abs/initrd.cpio.gz", "append": "console=ttyAMA0", "dtb": "t.dtb"},
                    {"guest": "g.elf"}]})",
        "/scenarios");
    REQUIRE(s.vms.size() == 2);
    CHECK(s.vms[0].kernel == "/scenarios/Image");
    CHECK(s.vms[0].guest.empty());
    CHECK(s.vms[0].initrd == "/abs/initrd.cpio.gz");
    CHECK(s.vms[0].append == "console=ttyAMA0");
    CHECK(s.vms[0].dtb == "/scenarios/t.dtb");
    CHECK(boot_file(s.vms[0]) == "/scenarios/Image");
    CHECK(s.vms[1].kernel.empty());
    CHECK(boot_file(s.vms[1]) == "/scenarios/g.elf");

    auto error = [](const std::string& text) {
        try {
            parse_scenario(text, "/s", "s.json");
        } catch (const ScenarioError& e) {
            return std::string(e.what());
        }
        return std::string("(no error)");
    };
    CHECK(error(R"({"vms": [{"kernel": "I", "guest": "g.elf"}]})") ==
          "s.json: vms[0]: \"guest\" and \"kernel\" exclude each other; give one");
    CHECK(error(R"({"vms": [{"guest": "g.elf", "initrd": "i"}]})") == "s.json: vms[0]: \"initrd\" needs \"kernel\"");
    CHECK(error(R"({"vms": [{"kernel": ""}]})") == "s.json: vms[0]: \"kernel\" must be a file name (a non-empty string)");
    CHECK(error(R"({"vms": [{"kernel": "I", "append": 3}]})") ==
          "s.json: vms[0]: \"append\" (the kernel's command line) must be a string");
    CHECK(error(R"({"vms": [{"memory_mib": 16}]})") ==
          "s.json: vms[0]: \"guest\" (the path of a guest ELF) is required");
}
