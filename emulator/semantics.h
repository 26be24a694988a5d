// How a decoded instruction becomes an executable Inst. Each instruction class has its
// own file (exec_*.cpp) that registers one preparer per Op of its rows in a64.inc.
#pragma once

#include <array>
#include <cstdint>

#include "decoder/decoder.h"
#include "emulator/inst.h"
#include "emulator/registers.h"

namespace trapeze {

// Fills `out` (exec, operands, precomputed immediates) from a decoded instruction.
// `out.raw` is already set.
using Preparer = void (*)(const Decoded&, Inst&);

struct SemanticsTable {
    std::array<Preparer, kOpCount> prepare{};
};

// Registration, one function per instruction-class file.
void add_data_processing_immediate(SemanticsTable&);
void add_data_processing_register(SemanticsTable&);
void add_branches(SemanticsTable&);
void add_loads_and_stores(SemanticsTable&);
void add_atomics(SemanticsTable&);
void add_system(SemanticsTable&);
void add_fp_loads_and_stores(SemanticsTable&);
void add_simd_structures(SemanticsTable&);
void add_fp_data_processing(SemanticsTable&);
void add_fp_conversions(SemanticsTable&);
void add_simd_three_same(SemanticsTable&);
void add_simd_three_different(SemanticsTable&);
void add_simd_two_register_misc(SemanticsTable&);
void add_simd_shift_immediate(SemanticsTable&);
void add_simd_indexed_element(SemanticsTable&);
void add_simd_copy_and_permute(SemanticsTable&);
void add_simd_across_lanes(SemanticsTable&);
void add_crypto(SemanticsTable&);

const SemanticsTable& semantics_table();

// Decode and prepare one instruction word. Words that are UNDEFINED, or whose Op has no
// semantics, become an exit with EC 0x00.
void prepare_inst(std::uint32_t word, Inst& out);

// Executes nothing: raises the UNDEFINED-instruction exception (EC 0x00).
const Inst* exec_undefined(Cpu& cpu, const Inst* ip);

// Operand slot helpers: what a 5-bit register field means for this operand.
constexpr std::uint8_t slot_zr_src(unsigned r) { return r == 31 ? kZeroSlot : static_cast<std::uint8_t>(r); }
constexpr std::uint8_t slot_zr_dst(unsigned r) { return r == 31 ? kSinkSlot : static_cast<std::uint8_t>(r); }
constexpr std::uint8_t slot_sp(unsigned r) { return static_cast<std::uint8_t>(r); }

}  // namespace trapeze
