// The general-purpose register file of the CPU at EL0: X0..X30, SP, PC, NZCV and TPIDR_EL0.
#pragma once

#include <array>
#include <cstdint>

namespace trapeze {

// Register slots. Encodings use 31 for both SP and XZR; the translator resolves which
// one an operand means once, at decode time, so the semantics never test for 31.
inline constexpr std::uint8_t kSpSlot = 31;    // the stack pointer (banked by the layer above)
inline constexpr std::uint8_t kZeroSlot = 32;  // reads as zero, never written
inline constexpr std::uint8_t kSinkSlot = 33;  // writes to XZR land here and are ignored
inline constexpr std::size_t kRegisterSlots = 34;

// NZCV bit positions, as in the NZCV system register and SPSR.
inline constexpr std::uint32_t kFlagN = 1u << 31;
inline constexpr std::uint32_t kFlagZ = 1u << 30;
inline constexpr std::uint32_t kFlagC = 1u << 29;
inline constexpr std::uint32_t kFlagV = 1u << 28;

struct RegisterFile {
    std::array<std::uint64_t, kRegisterSlots> x{};  // slots as above; x[kZeroSlot] stays 0
    std::uint64_t pc = 0;
    std::uint32_t nzcv = 0;  // bits 31..28
    std::uint64_t tpidr_el0 = 0;  // EL0 thread ID: MSR/MRS execute natively (see trap_policy.h)

    std::uint64_t& sp() { return x[kSpSlot]; }
    std::uint64_t sp() const { return x[kSpSlot]; }
    // Xn as an instruction's Rn/Rm/Rt field reads it: 31 is XZR.
    std::uint64_t read_xzr(unsigned n) const { return n == 31 ? 0 : x[n]; }
    void write_xzr(unsigned n, std::uint64_t value) {
        if (n != 31) x[n] = value;
    }
};

}  // namespace trapeze
