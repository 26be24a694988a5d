// Bit manipulation helpers shared by the decoder and the interpreter.
#pragma once

#include <bit>
#include <cstdint>

namespace trapeze {

constexpr std::uint64_t ones(unsigned width) { return width >= 64 ? ~0ull : (1ull << width) - 1; }

constexpr std::int64_t sign_extend(std::uint64_t value, unsigned width) {
    const unsigned shift = 64 - width;
    return static_cast<std::int64_t>(value << shift) >> shift;
}

constexpr std::uint64_t ror(std::uint64_t value, unsigned amount, unsigned width) {
    amount %= width;
    if (amount == 0) return value & ones(width);
    return ((value >> amount) | (value << (width - amount))) & ones(width);
}

// DecodeBitMasks from the Arm ARM (shared/functions/bitmasks): the "bitmask immediate"
// of the logical-immediate instructions and the wmask/tmask pair of the bitfield moves.
struct BitMasks {
    std::uint64_t wmask;
    std::uint64_t tmask;
    bool valid;
};

constexpr BitMasks decode_bit_masks(unsigned n, unsigned imms, unsigned immr, bool immediate,
                                    unsigned datasize) {
    const unsigned combined = (n << 6) | (~imms & 0x3f);
    if (combined == 0) return {0, 0, false};
    const int len = std::bit_width(combined) - 1;
    if (len < 1) return {0, 0, false};
    const unsigned levels = static_cast<unsigned>(ones(static_cast<unsigned>(len)));
    if (immediate && (imms & levels) == levels) return {0, 0, false};
    const unsigned s = imms & levels;
    const unsigned r = immr & levels;
    const unsigned diff = (s - r) & levels;
    const unsigned esize = 1u << len;
    const unsigned d = diff & levels;
    const std::uint64_t welem = ones(s + 1);
    const std::uint64_t telem = ones(d + 1);
    std::uint64_t wmask = 0, tmask = 0;
    const std::uint64_t wrot = ror(welem, r, esize);
    for (unsigned i = 0; i < datasize; i += esize) {
        wmask |= wrot << i;
        tmask |= telem << i;
    }
    return {wmask & ones(datasize), tmask & ones(datasize), true};
}

}  // namespace trapeze
