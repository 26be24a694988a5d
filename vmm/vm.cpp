// A virtual machine: reset and the MMIO map of the virtual platform.
#include "vmm/vm.h"

#include <fmt/format.h>

namespace trapeze {

Vm::Vm(unsigned id, const VmConfig& config, ElfImage image, Pl011::LineSink console)
    : id_(id),
      name_(config.name),
      memory_(kRamBase, config.ram_size),
      image_(std::move(image)),
      uart_(config.console_prefix, std::move(console)) {
    memory_.add_mmio(kGicDistributorBase, kGicDistributorSize, "gicd");
    memory_.add_mmio(kGicRedistributorBase, kGicRedistributorStride * config.vcpus, "gicr");
    memory_.add_mmio(kPl011Base, kPl011Size, "pl011");
    for (unsigned i = 0; i < config.vcpus; ++i) vcpus_.push_back(std::make_unique<Vcpu>(*this, i));
    reset();
}

void Vm::reset() {
    image_.load(memory_);
    for (auto& v : vcpus_) {
        v->reset();
        v->cpu.invalidate_all_code();
    }
    Vcpu& boot = *vcpus_.front();
    boot.set_pc(image_.entry());
    boot.state = VcpuState::Runnable;
    gicd_ = GicDistributor{};
}

void Vm::stop(VmStatus how, std::string reason) {
    if (status != VmStatus::Running) return;
    status = how;
    stop_reason = std::move(reason);
    uart_.flush();
    for (auto& v : vcpus_) v->state = VcpuState::Stopped;
}

std::string Vm::location(std::uint64_t pc) const {
    const std::string symbol = image_.describe(pc);
    return symbol.empty() ? fmt::format("at pc={:#x}", pc) : fmt::format("at pc={:#x} {}", pc, symbol);
}

std::string_view Vm::device_at(std::uint64_t pa) const {
    const MmioWindow* w = memory_.mmio_at(pa);
    return w ? std::string_view(w->name) : std::string_view();
}

bool Vm::mmio_read(Vcpu& vcpu, std::uint64_t pa, unsigned size, std::uint64_t& value) {
    if (pa - kPl011Base < kPl011Size) {
        value = uart_.read(pa - kPl011Base, size);
        return true;
    }
    if (pa - kGicDistributorBase < kGicDistributorSize) {
        value = gicd_.read(pa - kGicDistributorBase, size, static_cast<unsigned>(vcpus_.size()));
        return true;
    }
    if (pa - kGicRedistributorBase < kGicRedistributorStride * vcpus_.size()) {
        const auto index = static_cast<unsigned>((pa - kGicRedistributorBase) / kGicRedistributorStride);
        value = vcpus_[index]->gic.read_redistributor((pa - kGicRedistributorBase) % kGicRedistributorStride, size,
                                                      index, index + 1 == vcpus_.size());
        return true;
    }
    return false;
}

bool Vm::mmio_write(Vcpu& vcpu, std::uint64_t pa, unsigned size, std::uint64_t value) {
    if (pa - kPl011Base < kPl011Size) {
        uart_.write(pa - kPl011Base, size, value);
        return true;
    }
    if (pa - kGicDistributorBase < kGicDistributorSize) {
        gicd_.write(pa - kGicDistributorBase, size, value);
        return true;
    }
    if (pa - kGicRedistributorBase < kGicRedistributorStride * vcpus_.size()) {
        const auto index = static_cast<unsigned>((pa - kGicRedistributorBase) / kGicRedistributorStride);
        vcpus_[index]->gic.write_redistributor((pa - kGicRedistributorBase) % kGicRedistributorStride, size, value);
        return true;
    }
    return false;
}

}  // namespace trapeze
