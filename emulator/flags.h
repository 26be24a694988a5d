// NZCV: the flag-setting helpers and the condition-code table (ConditionHolds).
#pragma once

#include <array>
#include <cstdint>
#include <type_traits>

#include "emulator/registers.h"

namespace trapeze {

// AddWithCarry from the Arm ARM, for 32- or 64-bit operands; returns the sum and the flags.
template <typename T>
inline T add_with_carry(T a, T b, bool carry_in, std::uint32_t& nzcv) {
    static_assert(std::is_unsigned_v<T>);
    using S = std::make_signed_t<T>;
    T partial;
    T result;
    const bool c1 = __builtin_add_overflow(a, b, &partial);
    const bool c2 = __builtin_add_overflow(partial, static_cast<T>(carry_in), &result);
    const bool overflow = ((~(a ^ b) & (a ^ result)) >> (sizeof(T) * 8 - 1)) & 1;
    nzcv = (static_cast<S>(result) < 0 ? kFlagN : 0) | (result == 0 ? kFlagZ : 0) | (c1 || c2 ? kFlagC : 0) |
           (overflow ? kFlagV : 0);
    return result;
}

// N and Z of a result.
template <typename T>
inline std::uint32_t nz_flags(T result) {
    return (static_cast<std::uint32_t>(result >> (sizeof(T) * 8 - 1)) << 31) | (result == 0 ? kFlagZ : 0);
}

// AddWithCarry(a, b, 0) and AddWithCarry(a, NOT(b), 1), the flag-setting ADD and SUB (and so
// CMN and CMP), in fewer steps than the general form: for a subtraction, C is "no borrow".
template <typename T>
inline T add_flags(T a, T b, std::uint32_t& nzcv) {
    using S = std::make_signed_t<T>;
    T result;
    S signed_result;
    const bool carry = __builtin_add_overflow(a, b, &result);
    const bool overflow = __builtin_add_overflow(static_cast<S>(a), static_cast<S>(b), &signed_result);
    nzcv = nz_flags(result) | (carry ? kFlagC : 0) | (overflow ? kFlagV : 0);
    return result;
}
template <typename T>
inline T sub_flags(T a, T b, std::uint32_t& nzcv) {
    using S = std::make_signed_t<T>;
    const T result = static_cast<T>(a - b);
    S signed_result;
    const bool overflow = __builtin_sub_overflow(static_cast<S>(a), static_cast<S>(b), &signed_result);
    nzcv = nz_flags(result) | (a >= b ? kFlagC : 0) | (overflow ? kFlagV : 0);
    return result;
}

// Flags of a logical operation (ANDS, BICS, TST): N and Z from the result, C and V clear.
template <typename T>
inline std::uint32_t logical_flags(T result) {
    using S = std::make_signed_t<T>;
    return (static_cast<S>(result) < 0 ? kFlagN : 0) | (result == 0 ? kFlagZ : 0);
}

// ConditionHolds(cond) for every NZCV value: bit `nzcv` of kConditionTable[cond].
inline constexpr std::array<std::uint16_t, 16> kConditionTable = [] {
    std::array<std::uint16_t, 16> table{};
    for (unsigned cond = 0; cond < 16; ++cond) {
        for (unsigned flags = 0; flags < 16; ++flags) {
            const bool n = flags & 8, z = flags & 4, c = flags & 2, v = flags & 1;
            bool result = false;
            switch (cond >> 1) {
                case 0: result = z; break;             // EQ / NE
                case 1: result = c; break;             // CS / CC
                case 2: result = n; break;             // MI / PL
                case 3: result = v; break;             // VS / VC
                case 4: result = c && !z; break;       // HI / LS
                case 5: result = n == v; break;        // GE / LT
                case 6: result = n == v && !z; break;  // GT / LE
                case 7: result = true; break;          // AL / NV
            }
            if ((cond & 1) && cond != 15) result = !result;
            if (result) table[cond] |= static_cast<std::uint16_t>(1u << flags);
        }
    }
    return table;
}();

inline bool condition_holds(std::uint32_t nzcv, unsigned cond) {
    return (kConditionTable[cond] >> (nzcv >> 28)) & 1;
}

}  // namespace trapeze
