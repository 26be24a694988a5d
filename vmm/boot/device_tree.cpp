// Making Trapeze's device tree with libfdt's sequential writer, node by node in the order
// of QEMU virt's, and checking and amending a tree given on the command line.
#include "vmm/boot/device_tree.h"

#include <array>
#include <utility>

#include <fmt/format.h>
#include <libfdt.h>

#include "vmm/boot/boot_error.h"
#include "vmm/devices/gic.h"
#include "vmm/devices/pl011.h"
#include "vmm/vcpu.h"

namespace trapeze {
namespace {

// The GIC binding's interrupt specifier: <type number flags>.
constexpr std::uint32_t kIrqTypeSpi = 0, kIrqTypePpi = 1;
constexpr std::uint32_t kIrqLevelHigh = 4;  // as QEMU virt gives every GICv3 PPI and SPI
constexpr std::uint32_t kUartSpi = 1;       // the PL011's SPI, INTID 32 + 1, as QEMU virt
constexpr std::uint32_t kUartClockHz = 24'000'000;
// The architected timer's PPIs in the binding's order (PPI n is INTID 16 + n).
constexpr std::array<std::uint32_t, 4> kTimerPpis = {
    13,  // secure EL1 physical timer, INTID 29
    14,  // non-secure EL1 physical timer, INTID 30
    11,  // virtual timer, INTID 27
    10,  // EL2 physical timer, INTID 26
};
constexpr std::uint32_t kGicPhandle = 1, kClockPhandle = 2;
constexpr std::uint64_t kAffinityFields = 0xff'00ff'ffffull;  // MPIDR Aff3 [39:32], Aff2..Aff0 [23:0]
constexpr int kTreeRoom = 64 * 1024;

// libfdt's sequential writer, with every call checked: a failure is a bug here, named.
class TreeWriter {
public:
    explicit TreeWriter(int size) : blob_(static_cast<std::size_t>(size)) {
        check(fdt_create(blob_.data(), size), "fdt_create");
        check(fdt_finish_reservemap(blob_.data()), "fdt_finish_reservemap");
    }
    void begin(const std::string& node) { check(fdt_begin_node(blob_.data(), node.c_str()), node.c_str()); }
    void end() { check(fdt_end_node(blob_.data()), "fdt_end_node"); }
    void u32(const char* name, std::uint32_t value) { check(fdt_property_u32(blob_.data(), name, value), name); }
    void u64(const char* name, std::uint64_t value) { check(fdt_property_u64(blob_.data(), name, value), name); }
    void empty(const char* name) { check(fdt_property(blob_.data(), name, nullptr, 0), name); }
    void string(const char* name, const std::string& value) {
        check(fdt_property_string(blob_.data(), name, value.c_str()), name);
    }
    // A string list: "a\0b\0".
    void strings(const char* name, std::initializer_list<const char*> values) {
        std::string joined;
        for (const char* v : values) joined.append(v).push_back('\0');
        check(fdt_property(blob_.data(), name, joined.data(), static_cast<int>(joined.size())), name);
    }
    // Cells, each a big-endian 32-bit word.
    void cells(const char* name, std::initializer_list<std::uint32_t> values) { cells(name, std::vector(values)); }
    void cells(const char* name, const std::vector<std::uint32_t>& values) {
        std::vector<fdt32_t> be;
        for (std::uint32_t v : values) be.push_back(cpu_to_fdt32(v));
        check(fdt_property(blob_.data(), name, be.data(), static_cast<int>(be.size() * sizeof(fdt32_t))), name);
    }
    std::vector<std::uint8_t> finish() {
        check(fdt_finish(blob_.data()), "fdt_finish");
        blob_.resize(fdt_totalsize(blob_.data()));
        return std::move(blob_);
    }

private:
    static void check(int err, const char* what) {
        if (err < 0) throw BootError(fmt::format("making the device tree failed at {}: {}", what, fdt_strerror(err)));
    }
    std::vector<std::uint8_t> blob_;
};

// <address-hi address-lo size-hi size-lo> under #address-cells = #size-cells = 2.
std::vector<std::uint32_t> reg64(std::initializer_list<std::pair<std::uint64_t, std::uint64_t>> regions) {
    std::vector<std::uint32_t> out;
    for (auto [address, size] : regions)
        for (std::uint64_t v : {address, size}) {
            out.push_back(static_cast<std::uint32_t>(v >> 32));
            out.push_back(static_cast<std::uint32_t>(v));
        }
    return out;
}

std::string uart_path() { return fmt::format("/pl011@{:x}", kPl011Base); }

}  // namespace

std::vector<std::uint8_t> make_device_tree(const DeviceTreeSpec& spec) {
    TreeWriter t(kTreeRoom);
    t.begin("");
    t.u32("interrupt-parent", kGicPhandle);
    t.u32("#size-cells", 2);
    t.u32("#address-cells", 2);
    t.string("compatible", "linux,dummy-virt");
    t.string("model", "Trapeze virt (GICv3)");

    t.begin("psci");
    t.strings("compatible", {"arm,psci-1.0", "arm,psci-0.2"});
    t.string("method", "hvc");
    t.end();

    t.begin(fmt::format("memory@{:x}", spec.ram_base));
    t.cells("reg", reg64({{spec.ram_base, spec.ram_size}}));
    t.string("device_type", "memory");
    t.end();

    // The UART's clock: Linux's AMBA bus wants "apb_pclk", the PL011 driver the first clock.
    t.begin("apb-pclk");
    t.string("compatible", "fixed-clock");
    t.u32("#clock-cells", 0);
    t.u32("clock-frequency", kUartClockHz);
    t.string("clock-output-names", "clk24mhz");
    t.u32("phandle", kClockPhandle);
    t.end();

    t.begin(uart_path().substr(1));
    t.strings("compatible", {"arm,pl011", "arm,primecell"});
    t.cells("reg", reg64({{kPl011Base, kPl011Size}}));
    t.cells("interrupts", {kIrqTypeSpi, kUartSpi, kIrqLevelHigh});
    t.cells("clocks", {kClockPhandle, kClockPhandle});
    t.strings("clock-names", {"uartclk", "apb_pclk"});
    t.end();

    t.begin(fmt::format("intc@{:x}", kGicDistributorBase));
    t.string("compatible", "arm,gic-v3");
    t.u32("#interrupt-cells", 3);
    t.empty("interrupt-controller");
    t.u32("#redistributor-regions", 1);
    t.u32("#address-cells", 2);  // as QEMU virt's, for children such as an ITS (none here)
    t.u32("#size-cells", 2);
    t.empty("ranges");
    t.cells("reg", reg64({{kGicDistributorBase, kGicDistributorSize},
                          {kGicRedistributorBase, kGicRedistributorStride * spec.vcpus}}));
    t.u32("phandle", kGicPhandle);
    t.end();

    t.begin("timer");
    t.string("compatible", "arm,armv8-timer");
    std::vector<std::uint32_t> timer_interrupts;
    for (std::uint32_t ppi : kTimerPpis) timer_interrupts.insert(timer_interrupts.end(), {kIrqTypePpi, ppi, kIrqLevelHigh});
    t.cells("interrupts", timer_interrupts);
    t.empty("always-on");
    t.end();

    // MPIDR Aff3 is 0 for every vCPU, so one cell holds a CPU's reg (as QEMU virt decides).
    t.begin("cpus");
    t.u32("#address-cells", 1);
    t.u32("#size-cells", 0);
    for (unsigned i = 0; i < spec.vcpus; ++i) {
        const std::uint64_t affinity = Vcpu::mpidr(i) & kAffinityFields;
        t.begin(fmt::format("cpu@{:x}", affinity));
        t.string("device_type", "cpu");
        t.string("compatible", "arm,cortex-a57");
        t.u32("reg", static_cast<std::uint32_t>(affinity));
        t.string("enable-method", "psci");
        t.end();
    }
    t.end();

    t.begin("chosen");
    if (!spec.bootargs.empty()) t.string("bootargs", spec.bootargs);
    t.string("stdout-path", uart_path());
    if (spec.initrd_start) {
        t.u64("linux,initrd-start", *spec.initrd_start);
        t.u64("linux,initrd-end", *spec.initrd_end);
    }
    t.end();

    t.end();
    return t.finish();
}

std::vector<std::uint8_t> amend_device_tree(std::span<const std::uint8_t> blob, const std::string& name,
                                            const DeviceTreeSpec& spec) {
    if (blob.size() < sizeof(fdt_header))
        throw BootError(fmt::format("{}: not a device tree blob ({} bytes, shorter than its header)", name, blob.size()));
    if (int err = fdt_check_header(blob.data()); err < 0)
        throw BootError(fmt::format("{}: not a valid device tree blob: {}", name, fdt_strerror(err)));
    if (fdt_totalsize(blob.data()) > blob.size())
        throw BootError(fmt::format("{}: truncated device tree: its header says {} bytes, the file has {}", name,
                                    fdt_totalsize(blob.data()), blob.size()));
    if (int err = fdt_check_full(blob.data(), blob.size()); err < 0)
        throw BootError(fmt::format("{}: malformed device tree: {}", name, fdt_strerror(err)));
    int next = 0;
    if (fdt_next_tag(blob.data(), 0, &next) != FDT_BEGIN_NODE)
        throw BootError(fmt::format("{}: malformed device tree: it has no root node", name));

    std::vector<std::uint8_t> tree(blob.size() + 4096 + spec.bootargs.size());
    auto check = [&](int err, const char* what) {
        if (err < 0) throw BootError(fmt::format("{}: cannot set {} in the device tree: {}", name, what, fdt_strerror(err)));
        return err;
    };
    check(fdt_open_into(blob.data(), tree.data(), static_cast<int>(tree.size())), "its size");
    int chosen = fdt_path_offset(tree.data(), "/chosen");
    if (chosen == -FDT_ERR_NOTFOUND) chosen = fdt_add_subnode(tree.data(), 0, "chosen");
    check(chosen, "/chosen");
    if (!spec.bootargs.empty()) check(fdt_setprop_string(tree.data(), chosen, "bootargs", spec.bootargs.c_str()), "bootargs");
    if (spec.initrd_start) {
        check(fdt_setprop_u64(tree.data(), chosen, "linux,initrd-start", *spec.initrd_start), "linux,initrd-start");
        check(fdt_setprop_u64(tree.data(), chosen, "linux,initrd-end", *spec.initrd_end), "linux,initrd-end");
    }
    check(fdt_pack(tree.data()), "its size");
    tree.resize(fdt_totalsize(tree.data()));
    if (tree.size() > kMaxDeviceTreeSize)
        throw BootError(fmt::format("{}: the device tree is {} bytes; Linux maps at most {}", name, tree.size(),
                                    kMaxDeviceTreeSize));
    return tree;
}

}  // namespace trapeze
