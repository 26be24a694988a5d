// The guest-physical address space of one VM: host-backed RAM and MMIO windows.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "emulator/dirty_log.h"
#include "emulator/decoded_code.h"

namespace trapeze {

struct MmioWindow {
    std::uint64_t base;
    std::uint64_t size;
    std::string name;
    bool contains(std::uint64_t pa) const { return pa - base < size; }
};

class GuestMemory {
public:
    GuestMemory(std::uint64_t ram_base, std::uint64_t ram_size);

    std::uint64_t ram_base() const { return ram_base_; }
    std::uint64_t ram_size() const { return ram_size_; }
    bool in_ram(std::uint64_t pa, std::uint64_t len) const {
        return pa >= ram_base_ && len <= ram_size_ && pa - ram_base_ <= ram_size_ - len;
    }
    // Host address of guest-physical RAM [pa, pa+len), or nullptr if that is not all RAM.
    std::uint8_t* host(std::uint64_t pa, std::uint64_t len = 1) {
        return in_ram(pa, len) ? ram_.get() + (pa - ram_base_) : nullptr;
    }

    // Accesses to an MMIO window leave the CPU as data aborts for the layer above to emulate.
    void add_mmio(std::uint64_t base, std::uint64_t size, std::string name);
    const MmioWindow* mmio_at(std::uint64_t pa) const;

    // Copy bytes in or out of RAM; throws std::out_of_range naming the address if not RAM.
    void write(std::uint64_t pa, const void* data, std::uint64_t len);
    void read(std::uint64_t pa, void* data, std::uint64_t len) const;

    // Which pages have been written while logging is on (live migration). write() records
    // its own writes; whoever writes through host() records them here.
    DirtyLog& dirty_log() { return dirty_log_; }
    // The code decoded from this memory, by the interpreters that run it (emulator/decoded_code.h).
    // The VMM writing code itself tells it: decoded_code().invalidate(pa, len, nullptr).
    DecodedCode& decoded_code() { return *decoded_code_; }
    // Shared: an interpreter keeps it alive as long as it may touch its cache there.
    std::shared_ptr<DecodedCode> share_decoded_code() { return decoded_code_; }

private:
    std::uint64_t ram_base_;
    std::uint64_t ram_size_;
    struct FreeRam {
        void operator()(std::uint8_t* p) const { std::free(p); }
    };
    std::unique_ptr<std::uint8_t, FreeRam> ram_;
    std::vector<MmioWindow> mmio_;
    DirtyLog dirty_log_;
    std::shared_ptr<DecodedCode> decoded_code_;
};

}  // namespace trapeze
