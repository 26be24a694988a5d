// The virtual PSTATE as SPSR_EL1 holds it: NZCV, DAIF and M[3:0] (the EL and SP selected).
#pragma once

#include <cstdint>

namespace trapeze::pstate {

inline constexpr std::uint32_t kIL = 1u << 20;  // illegal execution state
inline constexpr std::uint32_t kD = 1u << 9;
inline constexpr std::uint32_t kA = 1u << 8;
inline constexpr std::uint32_t kI = 1u << 7;  // the lecture's irq_bit
inline constexpr std::uint32_t kF = 1u << 6;
inline constexpr std::uint32_t kDaifMask = kD | kA | kI | kF;
inline constexpr std::uint32_t kNzcvMask = 0xF000'0000;

// M[3:0] for AArch64: EL in bits 3..2, SPSel in bit 0.
inline constexpr std::uint32_t kModeMask = 0xF;
inline constexpr std::uint32_t kEL0t = 0b0000;
inline constexpr std::uint32_t kEL1t = 0b0100;
inline constexpr std::uint32_t kEL1h = 0b0101;
inline constexpr std::uint32_t kM4 = 1u << 4;  // M[4]: 1 for AArch32 modes

constexpr unsigned el_of(std::uint32_t spsr) { return (spsr >> 2) & 3; }
constexpr bool sp_sel_of(std::uint32_t spsr) { return spsr & 1; }
constexpr std::uint32_t mode(unsigned el, bool sp_sel) { return (el << 2) | (sp_sel ? 1u : 0u); }

// MSR DAIFSet/DAIFClr #imm4: imm4 bit 3 is D ... bit 0 is F, i.e. DAIF bits 9..6.
constexpr std::uint32_t daif_from_imm4(unsigned imm4) { return (imm4 & 0xF) << 6; }

}  // namespace trapeze::pstate
