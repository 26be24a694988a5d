// Shared pieces of the instruction semantics: operand widths and register access.
#pragma once

#include <cstdint>
#include <type_traits>

#include "decoder/bits.h"
#include "emulator/cpu.h"
#include "emulator/flags.h"
#include "emulator/semantics.h"

namespace trapeze {

// The operand type of a 64-bit (sf = 1) or 32-bit (sf = 0) instruction.
template <bool Sf>
using Word = std::conditional_t<Sf, std::uint64_t, std::uint32_t>;

// Writing a W register zeroes bits 63..32: the assignment from Word<false> does exactly that.
template <typename T>
inline void write_reg(Cpu& cpu, std::uint8_t slot, T value) {
    cpu.regs.x[slot] = static_cast<std::uint64_t>(value);
}
template <typename T>
inline T read_reg(const Cpu& cpu, std::uint8_t slot) {
    return static_cast<T>(cpu.regs.x[slot]);
}

// SCTLR_EL1.SA/SA0: a load or store whose base register is SP checks SP's alignment before
// anything else and raises the SP alignment fault (EC 0x26, ISS 0). The preparers pick this
// wrapper only for SP-based forms, so every other load and store pays nothing for it.
template <ExecFn F>
const Inst* sp_checked(Cpu& cpu, const Inst* ip) {
    if (cpu.sp_misaligned()) [[unlikely]] return cpu.raise(ip, make_esr(ExceptionClass::SpAlignment, 0));
    return F(cpu, ip);
}
template <bool SpBase, ExecFn F>
constexpr ExecFn maybe_sp_checked() {
    if constexpr (SpBase) return sp_checked<F>;
    else return F;
}

// Picks the 32- or 64-bit instance of a semantics template.
#define TRAPEZE_BY_SF(sf, fn, ...) ((sf) ? &fn<true __VA_OPT__(, ) __VA_ARGS__> : &fn<false __VA_OPT__(, ) __VA_ARGS__>)

}  // namespace trapeze
