// Booting a VM's image: a guest ELF entered at its entry, or a real kernel booted as QEMU's
// -kernel/-initrd/-append/-dtb boot it (the arm64 Linux boot protocol): the kernel at RAM +
// its text_offset, the initrd where QEMU puts it, the device tree after it, x0 = the tree.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "vmm/vm.h"

namespace trapeze {

// Where the boot path put each part, in guest-physical addresses ([start, end)).
struct BootLayout {
    std::uint64_t kernel_start = 0, kernel_end = 0, entry = 0;
    std::uint64_t initrd_start = 0, initrd_end = 0;  // equal when there is no initrd
    std::uint64_t dtb_start = 0, dtb_end = 0;
};

struct KernelBoot {
    BootImage boot;                        // kernel + initrd + tree as segments, x0 = the tree
    std::vector<std::uint8_t> device_tree; // the tree handed to the kernel
    BootLayout layout;
};

// The boot of `config.kernel` (with its initrd, command line and tree). Throws BootError
// naming the problem: an unreadable or malformed file, or parts that do not fit in RAM.
KernelBoot prepare_kernel_boot(const VmConfig& config);

// What a VM boots: its guest ELF, or its kernel. Throws ElfError or BootError.
BootImage load_boot_image(const VmConfig& config);

// The file a VM's run is named after in summaries: its guest ELF, or its kernel.
inline const std::string& boot_file(const VmConfig& config) { return config.kernel.empty() ? config.guest : config.kernel; }

}  // namespace trapeze
