// The placement of a kernel, its initrd and its device tree in RAM, as QEMU's virt board
// places them (hw/arm/boot.c), each checked against RAM and against the others.
#include "vmm/boot/kernel_boot.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "vmm/boot/boot_error.h"
#include "vmm/boot/device_tree.h"
#include "vmm/boot/kernel_image.h"

namespace trapeze {
namespace {

constexpr std::uint64_t kMiB = 1u << 20;
constexpr std::uint64_t kPage = 4096;
// Linux maps the tree with the 2 MiB block around it: QEMU aligns it so to give it room.
constexpr std::uint64_t kDeviceTreeAlign = 2 * kMiB;
// The initrd goes half-way into RAM, at most 128 MiB in, so an uncompressing kernel has room.
constexpr std::uint64_t kInitrdMaxOffset = 128 * kMiB;

std::uint64_t align_up(std::uint64_t value, std::uint64_t align) { return (value + align - 1) / align * align; }

std::vector<std::uint8_t> read_file(const std::string& path, const char* what) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) throw BootError(fmt::format("{}: no such file ({})", path, what));
    if (!std::filesystem::is_regular_file(path, ec)) throw BootError(fmt::format("{}: not a regular file ({})", path, what));
    std::ifstream in(path, std::ios::binary);
    if (!in) throw BootError(fmt::format("{}: cannot open it for reading ({})", path, what));
    std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) throw BootError(fmt::format("{}: read error ({})", path, what));
    return bytes;
}

std::string range(std::uint64_t start, std::uint64_t end) { return fmt::format("{:#x}..{:#x}", start, end); }

}  // namespace

KernelBoot prepare_kernel_boot(const VmConfig& config) {
    if (config.kernel.empty()) throw BootError("no kernel to boot (--kernel)");
    const std::uint64_t ram_base = kRamBase, ram_end = kRamBase + config.ram_size;
    const std::string ram = fmt::format("guest RAM {} ({} MiB)", range(ram_base, ram_end), config.ram_size >> 20);

    KernelImage kernel = parse_kernel(read_file(config.kernel, "the kernel"), config.kernel, ram_base, config.ram_size);
    KernelBoot out;
    BootLayout& at = out.layout;
    at.kernel_start = kernel.start;
    at.kernel_end = kernel.end;
    at.entry = kernel.image.entry();

    // The initrd: half-way into RAM (at most 128 MiB in), past an ELF kernel's end, on a page.
    std::vector<std::uint8_t> initrd;
    if (!config.initrd.empty()) initrd = read_file(config.initrd, "the initrd");
    at.initrd_start = ram_base + std::min(config.ram_size / 2, kInitrdMaxOffset);
    if (kernel.format == KernelFormat::Elf) at.initrd_start = std::max(at.initrd_start, kernel.end);
    at.initrd_start = align_up(at.initrd_start, kPage);
    at.initrd_end = at.initrd_start + initrd.size();
    if (!config.initrd.empty()) {
        if (at.initrd_start < kernel.end)
            throw BootError(fmt::format("{}: the initrd at {} would overlap the kernel ({}, its image_size); give the "
                                        "VM more RAM (it goes {} MiB into RAM)",
                                        config.initrd, range(at.initrd_start, at.initrd_end),
                                        range(kernel.start, kernel.end), (at.initrd_start - ram_base) / kMiB));
        if (at.initrd_end > ram_end)
            throw BootError(fmt::format("{}: the initrd ({} bytes at {}) does not fit in {}", config.initrd,
                                        initrd.size(), range(at.initrd_start, at.initrd_end), ram));
    }

    // The tree: made for this VM, or the given one with /chosen set.
    DeviceTreeSpec spec;
    spec.ram_base = ram_base;
    spec.ram_size = config.ram_size;
    spec.vcpus = config.vcpus;
    spec.bootargs = config.append;
    if (!config.initrd.empty()) {
        spec.initrd_start = at.initrd_start;
        spec.initrd_end = at.initrd_end;
    }
    out.device_tree = config.dtb.empty()
                          ? make_device_tree(spec)
                          : amend_device_tree(read_file(config.dtb, "the device tree"), config.dtb, spec);
    at.dtb_start = align_up(at.initrd_end, kDeviceTreeAlign);
    at.dtb_end = at.dtb_start + out.device_tree.size();
    if (at.dtb_start < kernel.end)
        throw BootError(fmt::format("{}: the device tree at {} would overlap the kernel ({}); give the VM more RAM",
                                    config.kernel, range(at.dtb_start, at.dtb_end), range(kernel.start, kernel.end)));
    if (at.dtb_end > ram_end)
        throw BootError(fmt::format("the device tree ({} bytes at {}) does not fit in {} after the initrd",
                                    out.device_tree.size(), range(at.dtb_start, at.dtb_end), ram));

    out.boot.image = std::move(kernel.image);
    if (!initrd.empty()) out.boot.image.add_blob(initrd, at.initrd_start, initrd.size());
    out.boot.image.add_blob(out.device_tree, at.dtb_start, out.device_tree.size());
    // The boot protocol: x0 = the tree's physical address, x1..x3 = 0 (reserved).
    out.boot.entry_registers = {at.dtb_start, 0, 0, 0};
    return out;
}

BootImage load_boot_image(const VmConfig& config) {
    if (config.kernel.empty()) return BootImage{ElfImage::read_file(config.guest), {}};
    return prepare_kernel_boot(config).boot;
}

}  // namespace trapeze
