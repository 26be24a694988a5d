// The A64 decoder: compiles the pattern table once and matches words against it.
#include "decoder/decoder.h"

#include <algorithm>
#include <array>
#include <bit>
#include <stdexcept>
#include <string>
#include <vector>

#include "decoder/bits.h"
#include "decoder/reserved_fp_simd.h"

namespace trapeze {
namespace {

struct Row {
    Op op;
    std::string_view enum_name;
    std::string_view name;
    std::string_view pattern;
};

constexpr Row kRows[] = {
#define INST(op, name, pattern) {Op::op, #op, name, pattern},
#include "decoder/a64.inc"
#undef INST
};

Encoding compile(const Row& row) {
    if (row.pattern.size() != 32)
        throw std::logic_error("decoder: pattern of " + std::string(row.enum_name) + " is not 32 bits");
    std::uint32_t mask = 0, value = 0;
    for (std::size_t i = 0; i < 32; ++i) {
        const std::uint32_t bit = 1u << (31 - i);
        const char c = row.pattern[i];
        if (c == '0' || c == '1') {
            mask |= bit;
            if (c == '1') value |= bit;
        }
    }
    return {row.op, row.name, row.pattern, mask, value};
}

// Rows are looked up by the word's top byte: each bucket lists, most fixed bits first, the
// rows whose pattern admits that byte.
constexpr unsigned kBucketShift = 24;
constexpr std::size_t kBuckets = 256;

struct CompiledTable {
    std::array<Encoding, std::size(kRows)> by_op;  // indexed by Op
    std::vector<const Encoding*> by_priority;      // most fixed bits first
    std::array<std::vector<const Encoding*>, kBuckets> buckets;
};

const CompiledTable& table() {
    static const CompiledTable compiled = [] {
        CompiledTable t{};
        for (const Row& row : kRows) t.by_op[static_cast<std::size_t>(row.op)] = compile(row);
        for (const Encoding& e : t.by_op) t.by_priority.push_back(&e);
        std::stable_sort(t.by_priority.begin(), t.by_priority.end(), [](const Encoding* a, const Encoding* b) {
            return std::popcount(a->mask) > std::popcount(b->mask);
        });
        for (std::uint32_t top = 0; top < kBuckets; ++top) {
            for (const Encoding* e : t.by_priority) {
                const std::uint32_t mask = e->mask >> kBucketShift, value = e->value >> kBucketShift;
                if ((top & mask) == value) t.buckets[top].push_back(e);
            }
        }
        return t;
    }();
    return compiled;
}

// Field combinations that a row's pattern admits but the manual leaves unallocated
// (or calls UNDEFINED). One entry per rule, next to the encodings it narrows.
using ReservedRule = bool (*)(const Decoded&);

bool sf_is_0(const Decoded& d) { return d.field('z') == 0; }
bool shift_reserved(const Decoded& d) { return d.field('k') == 3 || (sf_is_0(d) && d.field('y') >= 32); }
bool logical_shift_reserved(const Decoded& d) { return sf_is_0(d) && d.field('y') >= 32; }
bool extend_reserved(const Decoded& d) { return d.field('i') > 4; }
bool logical_imm_reserved(const Decoded& d) {
    if (sf_is_0(d) && d.field('N') == 1) return true;
    return !decode_bit_masks(d.field('N'), d.field('S'), d.field('r'), true, sf_is_0(d) ? 32 : 64).valid;
}
bool bitfield_reserved(const Decoded& d) {
    if (d.field('N') != d.field('z')) return true;
    return sf_is_0(d) && (d.field('r') >= 32 || d.field('S') >= 32);
}
bool extr_reserved(const Decoded& d) {
    if (d.field('N') != d.field('z')) return true;
    return sf_is_0(d) && d.field('S') >= 32;
}
bool move_wide_reserved(const Decoded& d) { return sf_is_0(d) && d.field('h') >= 2; }
bool signed_to_x_reserved(const Decoded& d) { return d.field('x') == 3; }
bool signed_to_w_reserved(const Decoded& d) { return d.field('x') >= 2; }
bool register_offset_reserved(const Decoded& d) { return (d.field('o') & 2) == 0; }
bool signed_to_x_reg_reserved(const Decoded& d) { return signed_to_x_reserved(d) || register_offset_reserved(d); }
bool signed_to_w_reg_reserved(const Decoded& d) { return signed_to_w_reserved(d) || register_offset_reserved(d); }
bool crc_reserved(const Decoded& d) { return (d.field('x') == 3) != (d.field('z') == 1); }
bool casp_reserved(const Decoded& d) { return (d.field('s') & 1) || (d.field('t') & 1); }

struct ReservedEntry {
    Op op;
    ReservedRule reserved;
};

constexpr ReservedEntry kReserved[] = {
    {Op::AND_imm, logical_imm_reserved},   {Op::ORR_imm, logical_imm_reserved},
    {Op::EOR_imm, logical_imm_reserved},   {Op::ANDS_imm, logical_imm_reserved},
    {Op::MOVN, move_wide_reserved},        {Op::MOVZ, move_wide_reserved},
    {Op::MOVK, move_wide_reserved},        {Op::SBFM, bitfield_reserved},
    {Op::BFM, bitfield_reserved},          {Op::UBFM, bitfield_reserved},
    {Op::EXTR, extr_reserved},             {Op::CASP, casp_reserved},
    {Op::LDURS_x, signed_to_x_reserved},   {Op::LDURS_w, signed_to_w_reserved},
    {Op::LDRS_x_post, signed_to_x_reserved}, {Op::LDRS_w_post, signed_to_w_reserved},
    {Op::LDTRS_x, signed_to_x_reserved},   {Op::LDTRS_w, signed_to_w_reserved},
    {Op::LDRS_x_pre, signed_to_x_reserved}, {Op::LDRS_w_pre, signed_to_w_reserved},
    {Op::LDRS_x_imm, signed_to_x_reserved}, {Op::LDRS_w_imm, signed_to_w_reserved},
    {Op::STR_reg, register_offset_reserved}, {Op::LDR_reg, register_offset_reserved},
    {Op::LDRS_x_reg, signed_to_x_reg_reserved}, {Op::LDRS_w_reg, signed_to_w_reg_reserved},
    {Op::PRFM_reg, register_offset_reserved},
    {Op::CRC32, crc_reserved},             {Op::CRC32C, crc_reserved},
    {Op::AND_reg, logical_shift_reserved}, {Op::BIC_reg, logical_shift_reserved},
    {Op::ORR_reg, logical_shift_reserved}, {Op::ORN_reg, logical_shift_reserved},
    {Op::EOR_reg, logical_shift_reserved}, {Op::EON_reg, logical_shift_reserved},
    {Op::ANDS_reg, logical_shift_reserved}, {Op::BICS_reg, logical_shift_reserved},
    {Op::ADD_shift, shift_reserved},       {Op::ADDS_shift, shift_reserved},
    {Op::SUB_shift, shift_reserved},       {Op::SUBS_shift, shift_reserved},
    {Op::ADD_ext, extend_reserved},        {Op::ADDS_ext, extend_reserved},
    {Op::SUB_ext, extend_reserved},        {Op::SUBS_ext, extend_reserved},
};

const std::array<ReservedRule, kOpCount>& reserved_rules() {
    static const auto rules = [] {
        std::array<ReservedRule, kOpCount> r{};
        for (const ReservedEntry& e : kReserved) r[static_cast<std::size_t>(e.op)] = e.reserved;
        for (const FpSimdReserved& e : fp_simd_reserved()) r[static_cast<std::size_t>(e.op)] = e.reserved;
        return r;
    }();
    return rules;
}

}  // namespace

std::uint32_t Decoded::field(char letter) const {
    if (!encoding) return 0;
    std::uint32_t value = 0;
    for (std::size_t i = 0; i < 32; ++i) {
        if (encoding->pattern[i] == letter) value = (value << 1) | ((raw >> (31 - i)) & 1);
    }
    return value;
}

std::int64_t Decoded::signed_field(char letter) const {
    if (!encoding) return 0;
    const auto width = static_cast<unsigned>(std::count(encoding->pattern.begin(), encoding->pattern.end(), letter));
    return width == 0 ? 0 : sign_extend(field(letter), width);
}

Decoded decode(std::uint32_t word) {
    for (const Encoding* e : table().buckets[word >> kBucketShift]) {
        if ((word & e->mask) != e->value) continue;
        Decoded d{e->op, word, e};
        // A reserved field value rules this row out; a broader row may still claim the word (the
        // modified-immediate rows are the shift-by-immediate rows' immh = 0000).
        const ReservedRule reserved = reserved_rules()[static_cast<std::size_t>(e->op)];
        if (reserved && reserved(d)) continue;
        return d;
    }
    return Decoded{Op::UNDEFINED, word, nullptr};
}

std::string_view op_name(Op op) {
    if (op == Op::UNDEFINED) return "UNDEFINED";
    return kRows[static_cast<std::size_t>(op)].enum_name;
}

const Encoding& encoding_of(Op op) { return table().by_op.at(static_cast<std::size_t>(op)); }

EncodingTable encoding_table() { return {table().by_op.data(), table().by_op.size()}; }

}  // namespace trapeze
