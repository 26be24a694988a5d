// The guest-physical address space of one VM.
#include "emulator/guest_memory.h"

#include <cstring>
#include <new>
#include <stdexcept>

#include <fmt/format.h>

namespace trapeze {

// calloc, not new[](): a large zeroed block comes straight from the kernel's zero pages, so
// a guest pays only for the RAM it touches.
GuestMemory::GuestMemory(std::uint64_t ram_base, std::uint64_t ram_size)
    : ram_base_(ram_base),
      ram_size_(ram_size),
      ram_(static_cast<std::uint8_t*>(std::calloc(ram_size, 1))),
      dirty_log_(ram_base, ram_size),
      decoded_code_(std::make_shared<DecodedCode>(ram_base, ram_size)) {
    if (!ram_) throw std::bad_alloc();
}

void GuestMemory::add_mmio(std::uint64_t base, std::uint64_t size, std::string name) {
    mmio_.push_back({base, size, std::move(name)});
}

const MmioWindow* GuestMemory::mmio_at(std::uint64_t pa) const {
    for (const MmioWindow& w : mmio_)
        if (w.contains(pa)) return &w;
    return nullptr;
}

void GuestMemory::write(std::uint64_t pa, const void* data, std::uint64_t len) {
    std::uint8_t* dst = host(pa, len);
    if (!dst)
        throw std::out_of_range(fmt::format("guest-physical range {:#x}..{:#x} is outside RAM {:#x}..{:#x}", pa,
                                            pa + len, ram_base_, ram_base_ + ram_size_));
    dirty_log_.record(pa, len);
    std::memcpy(dst, data, len);
}

void GuestMemory::read(std::uint64_t pa, void* data, std::uint64_t len) const {
    if (!in_ram(pa, len))
        throw std::out_of_range(fmt::format("guest-physical range {:#x}..{:#x} is outside RAM {:#x}..{:#x}", pa,
                                            pa + len, ram_base_, ram_base_ + ram_size_));
    std::memcpy(data, ram_.get() + (pa - ram_base_), len);
}

}  // namespace trapeze
