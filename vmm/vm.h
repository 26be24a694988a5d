// A virtual machine: its guest-physical memory, its image, its devices and its vCPUs.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "emulator/elf_loader.h"
#include "emulator/exclusive_monitor.h"
#include "emulator/guest_memory.h"
#include "vmm/devices/gic.h"
#include "vmm/devices/pl011.h"
#include "vmm/vcpu.h"

namespace trapeze {

inline constexpr std::uint64_t kRamBase = 0x4000'0000;
inline constexpr std::uint64_t kDefaultRamSize = 128ull << 20;

struct VmConfig {
    std::string name = "vm0";
    std::string guest;                     // path of the guest ELF (or empty, for a kernel)
    // A real kernel, booted as QEMU's -kernel/-initrd/-append/-dtb boot it (vmm/boot/).
    std::string kernel;                    // a raw arm64 Image (with or without its header) or an ELF
    std::string initrd;                    // an initramfs, placed in RAM and named in /chosen
    std::string append;                    // the kernel's command line, /chosen/bootargs
    std::string dtb;                       // a device tree to pass instead of the one Trapeze makes
    std::uint64_t ram_size = kDefaultRamSize;
    unsigned vcpus = 1;
    std::string console_prefix;            // in front of each console line ("[vm1] " when several run)
    std::uint64_t budget = 0;              // instructions before it is stopped (0: the monitor's default)
    unsigned weight = 1;                   // its share under the weighted scheduler
    std::vector<unsigned> affinity;        // the pCPUs its vCPUs may run on (empty: any)
};

// What a VM boots: the image (with, for a kernel, its initrd and device tree as more
// segments) and the registers vCPU 0 starts with (x0 = the device tree's address, x1..x3 = 0).
struct BootImage {
    ElfImage image;
    std::array<std::uint64_t, 4> entry_registers{};
};

// Where a VM's run ended.
// Migrated: it runs on in another Trapeze process (vmm/migration.h); here it is over.
enum class VmStatus : std::uint8_t { Running, PoweredOff, Failed, Migrated };

class Vm {
public:
    Vm(unsigned id, const VmConfig& config, ElfImage image, Pl011::LineSink console);
    Vm(unsigned id, const VmConfig& config, BootImage boot, Pl011::LineSink console);

    unsigned id() const { return id_; }
    const std::string& name() const { return name_; }
    GuestMemory& memory() { return memory_; }
    // The global exclusive monitor its vCPUs share (LDXR/STXR across vCPUs).
    GlobalMonitor& exclusive_monitor() { return exclusive_monitor_; }
    const GlobalMonitor& exclusive_monitor() const { return exclusive_monitor_; }
    const ElfImage& image() const { return image_; }
    Pl011& uart() { return uart_; }
    GicDistributor& gicd() { return gicd_; }
    const GicDistributor& gicd() const { return gicd_; }
    std::vector<std::unique_ptr<Vcpu>>& vcpus() { return vcpus_; }
    Vcpu& vcpu(unsigned i) { return *vcpus_.at(i); }

    // The VM's virtual counter is the machine's counter minus this offset (CNTVOFF).
    std::uint64_t counter_offset = 0;

    // Load the image and put vCPU 0 at its entry, at EL1h with the MMU off and DAIF
    // masked, x0..x3 the boot image's, as QEMU does for -kernel; the other vCPUs wait for
    // PSCI CPU_ON.
    void reset();

    // Emulate an MMIO access by `vcpu`; false if no device is there. `note` receives what the
    // trace should say beside it (a RAZ/WI register touched for the first time), if anything.
    bool mmio_read(Vcpu& vcpu, std::uint64_t pa, unsigned size, std::uint64_t& value, std::string_view* note = nullptr);
    bool mmio_write(Vcpu& vcpu, std::uint64_t pa, unsigned size, std::uint64_t value, std::string_view* note = nullptr);
    // The shutdown request (vmm/control/lifecycle.h): the power button's SPI goes high, and
    // stays high until the VM is reset; a guest that enabled it takes the interrupt.
    void press_power_button(unsigned intid);
    // Host input for the PL011's RX FIFO (as much as fits; returns how much went in).
    std::size_t receive_console(std::string_view bytes);
    // "at pc=0x40080010 main+0x10": where in the guest something happened, for messages.
    std::string location(std::uint64_t pc) const;
    // The name of the device at `pa`, or "" (for traces and messages).
    std::string_view device_at(std::uint64_t pa) const;

    // ---- scheduling: its budget, weight and placement (see MonitorOptions, VmConfig)
    std::uint64_t budget = 0;
    std::uint64_t budget_left = 0;
    unsigned weight = 1;
    const std::vector<unsigned>& affinity() const { return affinity_; }
    bool may_run_on(unsigned pcpu) const;
    // The vCPU a directed yield last went to: the next one looks from the one after it, so
    // the VM's preempted vCPUs take turns (KVM's last_boosted_vcpu).
    unsigned last_boosted_vcpu = 0;

    // ---- decoded code: it belongs to the VM (its memory's DecodedCode, a cache per pCPU that
    // runs it, kept across switches). Dropping some: the interpreter of the vCPU that asks
    // (`own`) drops it at once; the others, which may be running on other host threads or
    // other VMs, drop it at their next check.
    void invalidate_code(std::uint64_t pa, std::uint64_t len, Cpu* own = nullptr);
    void invalidate_all_code(Cpu* own = nullptr);

    // ---- the dirty log (live migration): which RAM pages were written since the last fetch.
    // Starting and fetching empty the write cache of every interpreter running the VM, so
    // that each page's next write is recorded again (vmm/migration.h).
    void start_dirty_log();
    std::vector<std::uint64_t> fetch_dirty_pages();  // page indices from the RAM's base
    void stop_dirty_log();

    // ---- requests from one vCPU to another (an SGI, PSCI CPU_ON): the monitor delivers them
    // after the handler that made them, waking the target if it waits.
    void request_wake(Vcpu& target) { wakeups_.push_back(&target); }
    std::vector<Vcpu*> take_wakeups() { return std::exchange(wakeups_, {}); }
    // The vCPU whose MPIDR_EL1 affinity fields are `affinity` (Aff3.Aff2.Aff1.Aff0), or nullptr.
    Vcpu* vcpu_by_affinity(std::uint64_t affinity);

    VmStatus status = VmStatus::Running;
    std::string stop_reason;  // why it stopped, for the summary and the exit status
    void stop(VmStatus how, std::string reason);
    // Paused (by the control socket): not stopped, but none of its vCPUs may run.
    bool paused = false;
    bool running() const { return status == VmStatus::Running && !paused; }

private:
    friend class SnapshotAccess;  // vmm/snapshot.cpp saves and restores memory and devices
    // Which device answers at a guest-physical address, and the offset into its registers.
    struct DeviceHit {
        enum Device : std::uint8_t { None, Uart, Gicd, Gicr } device;
        std::uint64_t offset;
        unsigned index;  // the redistributor's vCPU
    };
    DeviceHit device_hit(std::uint64_t pa) const;
    // The PL011's interrupt line into its SPI; the vCPUs hear of it only when it changes.
    void sync_uart_line();
    void flush_write_caches();  // every interpreter that runs or ran one of its vCPUs

    unsigned id_;
    std::string name_;
    GuestMemory memory_;
    GlobalMonitor exclusive_monitor_;
    ElfImage image_;
    std::array<std::uint64_t, 4> entry_registers_{};
    Pl011 uart_;
    GicDistributor gicd_;
    std::vector<std::unique_ptr<Vcpu>> vcpus_;
    std::vector<unsigned> affinity_;
    std::vector<Vcpu*> wakeups_;
    bool uart_line_ = false;
};

}  // namespace trapeze
