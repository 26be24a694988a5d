// Instruction words as text, for traces, the stepper and error messages: Capstone first,
// the decoder's own formatter for the encodings Capstone 4 does not know (LSE atomics...).
#pragma once

#include <cstdint>
#include <string>

#include "decoder/decoder.h"

namespace trapeze {

// One instruction as assembly text, e.g. "msr vbar_el1, x0" or "ldaddal w1, w2, [x3]".
// `pc` is the word's address, used for branch targets. A word the decoder rejects prints as
// ".inst 0x%08x // undefined" (followed by Capstone's reading of it when it has one).
std::string disassemble(std::uint32_t word, std::uint64_t pc = 0);

// The mnemonic alone ("ldaddal", "msr", ".inst").
std::string mnemonic_of(std::uint32_t word);

// The decoder's own text for a decoded instruction, without Capstone. Covers the rows
// Capstone 4.0.2 rejects; any other row prints as its table name and fields.
std::string format_decoded(const Decoded& d);

// True when format_decoded has a real formatter (not the name-and-fields form) for `op`.
bool has_formatter(Op op);

}  // namespace trapeze
