// A virtual machine: reset and the MMIO map of the virtual platform.
#include "vmm/vm.h"

#include <algorithm>

#include <fmt/format.h>

namespace trapeze {

Vm::Vm(unsigned id, const VmConfig& config, ElfImage image, Pl011::LineSink console)
    : Vm(id, config, BootImage{std::move(image), {}}, std::move(console)) {}

Vm::Vm(unsigned id, const VmConfig& config, BootImage boot, Pl011::LineSink console)
    : id_(id),
      name_(config.name),
      memory_(kRamBase, config.ram_size),
      image_(std::move(boot.image)),
      entry_registers_(boot.entry_registers),
      uart_(config.console_prefix, std::move(console)),
      affinity_(config.affinity) {
    budget = config.budget;
    weight = config.weight;
    memory_.add_mmio(kGicDistributorBase, kGicDistributorSize, "gicd");
    memory_.add_mmio(kGicRedistributorBase, kGicRedistributorStride * config.vcpus, "gicr");
    memory_.add_mmio(kPl011Base, kPl011Size, "pl011");
    for (unsigned i = 0; i < config.vcpus; ++i) vcpus_.push_back(std::make_unique<Vcpu>(*this, i));
    reset();
}

void Vm::reset() {
    image_.load(memory_);
    for (auto& v : vcpus_) v->reset();
    invalidate_all_code();
    Vcpu& boot = *vcpus_.front();
    boot.set_pc(image_.entry());
    for (unsigned i = 0; i < entry_registers_.size(); ++i) boot.set_x(i, entry_registers_[i]);
    boot.state = VcpuState::Runnable;
    gicd_.reset();
    uart_line_ = false;
}

Vcpu* Vm::vcpu_by_affinity(std::uint64_t affinity) {
    constexpr std::uint64_t kAffinityFields = 0xff'00ff'ffffull;  // Aff3 [39:32], Aff2..Aff0 [23:0]
    for (auto& v : vcpus_)
        if ((v->sysreg(SysregId::MPIDR_EL1) & kAffinityFields) == (affinity & kAffinityFields)) return v.get();
    return nullptr;
}

bool Vm::may_run_on(unsigned pcpu) const {
    return affinity_.empty() || std::find(affinity_.begin(), affinity_.end(), pcpu) != affinity_.end();
}

void Vm::invalidate_code(std::uint64_t pa, std::uint64_t len, Cpu* own) {
    if (own) own->invalidate_code(pa, len);
    else memory_.decoded_code().invalidate(pa, len, nullptr);
}

void Vm::invalidate_all_code(Cpu* own) {
    if (own) own->invalidate_all_code();
    else memory_.decoded_code().invalidate_all(nullptr);
}

void Vm::start_dirty_log() {
    memory_.dirty_log().start();
    flush_write_caches();
}

std::vector<std::uint64_t> Vm::fetch_dirty_pages() {
    std::vector<std::uint64_t> dirty = memory_.dirty_log().fetch_and_clear();
    flush_write_caches();
    return dirty;
}

void Vm::flush_write_caches() {
    // The interpreters running a vCPU now hear it through the global monitor (from any host
    // thread). One that ran a vCPU before and idles empties its write cache when it loads a
    // vCPU again (PhysicalCpu::load attaches it to the VM's monitor anew).
    exclusive_monitor_.flush_all_write_caches();
}

void Vm::stop_dirty_log() { memory_.dirty_log().stop(); }

void Vm::stop(VmStatus how, std::string reason) {
    if (status != VmStatus::Running) return;
    status = how;
    stop_reason = std::move(reason);
    // A migrated VM's partial line is finished and printed by the destination.
    if (how != VmStatus::Migrated) uart_.flush();
    for (auto& v : vcpus_) v->state = VcpuState::Stopped;
}

std::size_t Vm::receive_console(std::string_view bytes) {
    const std::size_t taken = uart_.receive(bytes);
    sync_uart_line();
    return taken;
}

void Vm::press_power_button(unsigned intid) {
    gicd_.set_spi_line(intid, true);
    for (auto& v : vcpus_) v->make_request(kRequestInterrupts);
}

void Vm::sync_uart_line() {
    const bool high = uart_.irq_line();
    if (high == uart_line_) return;
    uart_line_ = high;
    gicd_.set_spi_line(kPl011Intid, high);
    for (auto& v : vcpus_) v->make_request(kRequestInterrupts);
}

std::string Vm::location(std::uint64_t pc) const {
    const std::string symbol = image_.describe(pc);
    return symbol.empty() ? fmt::format("at pc={:#x}", pc) : fmt::format("at pc={:#x} {}", pc, symbol);
}

std::string_view Vm::device_at(std::uint64_t pa) const {
    const MmioWindow* w = memory_.mmio_at(pa);
    return w ? std::string_view(w->name) : std::string_view();
}

Vm::DeviceHit Vm::device_hit(std::uint64_t pa) const {
    if (pa - kPl011Base < kPl011Size) return {DeviceHit::Uart, pa - kPl011Base, 0};
    if (pa - kGicDistributorBase < kGicDistributorSize) return {DeviceHit::Gicd, pa - kGicDistributorBase, 0};
    if (pa - kGicRedistributorBase < kGicRedistributorStride * vcpus_.size()) {
        const std::uint64_t offset = pa - kGicRedistributorBase;
        return {DeviceHit::Gicr, offset % kGicRedistributorStride,
                static_cast<unsigned>(offset / kGicRedistributorStride)};
    }
    return {DeviceHit::None, 0, 0};
}

bool Vm::mmio_read(Vcpu&, std::uint64_t pa, unsigned size, std::uint64_t& value, std::string_view* note) {
    const DeviceHit hit = device_hit(pa);
    const auto count = static_cast<unsigned>(vcpus_.size());
    switch (hit.device) {
        case DeviceHit::Uart:
            value = uart_.read(hit.offset, size);  // reading the data register may lower the line
            sync_uart_line();
            return true;
        case DeviceHit::Gicd: value = gicd_.read(hit.offset, size, count, note); return true;
        case DeviceHit::Gicr:
            value = vcpus_[hit.index]->gic.read_redistributor(hit.offset, size, hit.index, hit.index + 1 == count, note);
            return true;
        case DeviceHit::None: return false;
    }
    return false;
}

bool Vm::mmio_write(Vcpu&, std::uint64_t pa, unsigned size, std::uint64_t value, std::string_view* note) {
    const DeviceHit hit = device_hit(pa);
    switch (hit.device) {
        case DeviceHit::Uart:
            uart_.write(hit.offset, size, value);
            sync_uart_line();
            return true;
        case DeviceHit::Gicd:
            gicd_.write(hit.offset, size, value, note);
            for (auto& v : vcpus_) v->make_request(kRequestInterrupts);
            return true;
        case DeviceHit::Gicr:
            vcpus_[hit.index]->gic.write_redistributor(hit.offset, size, value, note);
            vcpus_[hit.index]->make_request(kRequestInterrupts);
            return true;
        case DeviceHit::None: return false;
    }
    return false;
}

}  // namespace trapeze
