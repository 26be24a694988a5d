// The register file of the CPU at EL0: X0..X30, SP, PC, NZCV, TPIDR_EL0, and the SIMD&FP
// registers V0..V31 with FPCR and FPSR.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>

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

// One 128-bit SIMD&FP register. Its B, H, S, D and Q views are its low 8, 16, 32, 64 and 128
// bits; lane i of a vector of T is bytes [i*sizeof(T), (i+1)*sizeof(T)), as in memory.
struct alignas(16) VReg {
    std::uint64_t lo = 0, hi = 0;

    // The lane number wraps at the register's size: valid lanes are unchanged, and the compiler
    // sees that no access leaves the register.
    template <typename T>
    static constexpr unsigned offset(unsigned lane) {
        return (lane & (16 / sizeof(T) - 1)) * sizeof(T);
    }
    template <typename T>
    T get(unsigned lane) const {
        T value;
        std::memcpy(&value, reinterpret_cast<const std::uint8_t*>(this) + offset<T>(lane), sizeof(T));
        return value;
    }
    template <typename T>
    void set(unsigned lane, T value) {
        std::memcpy(reinterpret_cast<std::uint8_t*>(this) + offset<T>(lane), &value, sizeof(T));
    }
    bool operator==(const VReg&) const = default;
};
static_assert(sizeof(VReg) == 16);

// FPCR and FPSR fields (the A64 views; the AArch32-only fields are not kept).
inline constexpr std::uint32_t kFpcrAhp = 1u << 26;    // alternative half-precision format
inline constexpr std::uint32_t kFpcrDn = 1u << 25;     // default NaN
inline constexpr std::uint32_t kFpcrFz = 1u << 24;     // flush denormals to zero
inline constexpr unsigned kFpcrRModeShift = 22;        // rounding mode, 2 bits
inline constexpr std::uint32_t kFpcrWritable = kFpcrAhp | kFpcrDn | kFpcrFz | (3u << kFpcrRModeShift);
inline constexpr std::uint32_t kFpsrQc = 1u << 27;     // cumulative saturation (Advanced SIMD integer)
inline constexpr std::uint32_t kFpsrIdc = 1u << 7;     // input denormal
inline constexpr std::uint32_t kFpsrIxc = 1u << 4;     // inexact
inline constexpr std::uint32_t kFpsrUfc = 1u << 3;     // underflow
inline constexpr std::uint32_t kFpsrOfc = 1u << 2;     // overflow
inline constexpr std::uint32_t kFpsrDzc = 1u << 1;     // divide by zero
inline constexpr std::uint32_t kFpsrIoc = 1u << 0;     // invalid operation
inline constexpr std::uint32_t kFpsrWritable =
    kFpsrQc | kFpsrIdc | kFpsrIxc | kFpsrUfc | kFpsrOfc | kFpsrDzc | kFpsrIoc;

struct RegisterFile {
    std::array<std::uint64_t, kRegisterSlots> x{};  // slots as above; x[kZeroSlot] stays 0
    std::uint64_t pc = 0;
    std::uint32_t nzcv = 0;  // bits 31..28
    std::uint64_t tpidr_el0 = 0;  // EL0 thread ID: MSR/MRS execute natively (see trap_policy.h)
    std::array<VReg, 32> v{};     // V0..V31
    std::uint32_t fpcr = 0;       // only the kFpcrWritable bits are ever set
    std::uint32_t fpsr = 0;       // only the kFpsrWritable bits are ever set

    std::uint64_t& sp() { return x[kSpSlot]; }
    std::uint64_t sp() const { return x[kSpSlot]; }
    // Xn as an instruction's Rn/Rm/Rt field reads it: 31 is XZR.
    std::uint64_t read_xzr(unsigned n) const { return n == 31 ? 0 : x[n]; }
    void write_xzr(unsigned n, std::uint64_t value) {
        if (n != 31) x[n] = value;
    }
};

}  // namespace trapeze
