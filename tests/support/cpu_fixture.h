// A CPU with a little RAM for unit tests: put instruction words at kCodeBase, run them.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <vector>

#include "emulator/cpu.h"

namespace trapeze::test {

inline constexpr std::uint64_t kRamBase = 0x4000'0000;
inline constexpr std::uint64_t kRamSize = 1 << 20;
inline constexpr std::uint64_t kCodeBase = kRamBase;
inline constexpr std::uint64_t kDataBase = kRamBase + 0x8'0000;  // a data area tests may use

struct CpuFixture {
    GuestMemory memory{kRamBase, kRamSize};
    Cpu cpu{memory};

    CpuFixture() {
        cpu.set_strict_alignment(false);  // Normal memory unless a test says otherwise
        cpu.regs.pc = kCodeBase;
    }

    // Place the words at kCodeBase (after any code already there is forgotten) and run
    // them: at most one instruction per word unless `budget` says otherwise.
    RunResult run(std::initializer_list<std::uint32_t> words, std::uint64_t budget = 0) {
        std::vector<std::uint32_t> code(words);
        memory.write(kCodeBase, code.data(), code.size() * 4);
        cpu.invalidate_code(kCodeBase, code.size() * 4);
        cpu.regs.pc = kCodeBase;
        return cpu.run(budget ? budget : code.size());
    }

    std::uint64_t& x(unsigned n) { return cpu.regs.x[n]; }
    template <typename T>
    void put(std::uint64_t pa, T value) {
        memory.write(pa, &value, sizeof(T));
    }
    template <typename T>
    T get(std::uint64_t pa) {
        T value;
        memory.read(pa, &value, sizeof(T));
        return value;
    }
    std::uint32_t nzcv() const { return cpu.regs.nzcv; }
};

}  // namespace trapeze::test
