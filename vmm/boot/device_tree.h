// The device tree a kernel is handed in x0: the one Trapeze makes for its platform (libfdt),
// or one from a file, checked and given /chosen as QEMU gives a -dtb its command line.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace trapeze {

// What the tree describes beyond the fixed platform (vmm/devices/ holds the addresses).
struct DeviceTreeSpec {
    std::uint64_t ram_base = 0;
    std::uint64_t ram_size = 0;
    unsigned vcpus = 1;
    std::string bootargs;                 // /chosen/bootargs (left out when empty)
    std::optional<std::uint64_t> initrd_start, initrd_end;  // /chosen/linux,initrd-start/end
};

// The largest tree Linux maps at boot (Documentation/arch/arm64/booting.rst).
inline constexpr std::uint64_t kMaxDeviceTreeSize = 2u << 20;

// Trapeze's platform as a flattened device tree: memory, /cpus (reg = each vCPU's MPIDR
// affinity), psci, the PL011 and its clock, the GICv3, the architected timer, /chosen.
std::vector<std::uint8_t> make_device_tree(const DeviceTreeSpec& spec);

// A tree read from `name`: checked (a malformed one is a BootError naming the problem), then
// its /chosen given the spec's bootargs (if any) and initrd (if any).
std::vector<std::uint8_t> amend_device_tree(std::span<const std::uint8_t> blob, const std::string& name,
                                            const DeviceTreeSpec& spec);

}  // namespace trapeze
