// The pre-decoded instruction the interpreter executes: a semantics function and its
// operands, prepared once per instruction word and kept with the page it came from.
#pragma once

#include <cstdint>

namespace trapeze {

class Cpu;
struct Inst;

// Executes one instruction and returns the next one to run. Returning nullptr leaves the
// fast path: the CPU then either stops (an exit was raised) or looks up regs.pc.
using ExecFn = const Inst* (*)(Cpu&, const Inst*);

struct Inst {
    ExecFn exec;
    std::uint8_t d, n, m, a;      // register slots (see registers.h), resolved for SP/XZR
    std::uint8_t b0, b1, b2, b3;  // small operation-specific fields (shift, cond, size...)
    std::uint32_t raw;            // the instruction word, for syndromes and display
    std::uint32_t w;              // an operation-specific 32-bit field
    std::uint64_t imm;            // an operation-specific immediate, precomputed
};
static_assert(sizeof(Inst) == 32, "two instructions per cache line");

}  // namespace trapeze
