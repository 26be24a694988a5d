// The A64 decoder: a 32-bit instruction word -> which encoding it is and its fields.
// Pure functions over the table in a64.inc; no CPU state.
#pragma once

#include <cstdint>
#include <string_view>

namespace trapeze {

enum class Op : std::uint16_t {
#define INST(op, name, pattern) op,
#include "decoder/a64.inc"
#undef INST
    UNDEFINED,
};

inline constexpr std::size_t kOpCount = static_cast<std::size_t>(Op::UNDEFINED) + 1;

// One row of the encoding table, compiled: the word matches when (word & mask) == value.
struct Encoding {
    Op op;
    std::string_view name;     // the manual's name for it, e.g. "ADD (immediate)"
    std::string_view pattern;  // 32 characters, bit 31 first
    std::uint32_t mask;
    std::uint32_t value;
};

// A decoded instruction: its encoding row and the raw word, with the row's named fields.
struct Decoded {
    Op op = Op::UNDEFINED;
    std::uint32_t raw = 0;
    const Encoding* encoding = nullptr;  // null for UNDEFINED

    // The bits named by `letter` in the row's pattern, most significant first.
    std::uint32_t field(char letter) const;
    // The same bits, sign-extended from their width.
    std::int64_t signed_field(char letter) const;
    bool undefined() const { return op == Op::UNDEFINED; }
};

Decoded decode(std::uint32_t word);

std::string_view op_name(Op op);  // the enum's name, e.g. "ADD_imm"
const Encoding& encoding_of(Op op);

// The encoding table as compiled, for tests and listings.
struct EncodingTable {
    const Encoding* rows;
    std::size_t size;
};
EncodingTable encoding_table();

}  // namespace trapeze
