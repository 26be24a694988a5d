// The flag helpers agree with AddWithCarry, the manual's definition, on boundary and random values.
#include <doctest/doctest.h>

#include <random>
#include <vector>

#include "emulator/flags.h"

using namespace trapeze;

namespace {
template <typename T>
void check_against_add_with_carry(T a, T b) {
    std::uint32_t expected = 0, got = 0;
    const T sum = add_with_carry<T>(a, b, false, expected);
    CHECK(add_flags<T>(a, b, got) == sum);
    CHECK(got == expected);
    const T difference = add_with_carry<T>(a, static_cast<T>(~b), true, expected);
    CHECK(sub_flags<T>(a, b, got) == difference);
    CHECK(got == expected);
}

template <typename T>
void check_type() {
    const T max = static_cast<T>(~T{0});
    const T sign = static_cast<T>(max ^ (max >> 1));
    const std::vector<T> edges = {0, 1, 2, static_cast<T>(sign - 1), sign, static_cast<T>(sign + 1),
                                  static_cast<T>(max - 1), max};
    for (T a : edges)
        for (T b : edges) check_against_add_with_carry<T>(a, b);
    std::mt19937_64 random(42);
    for (int i = 0; i < 20000; ++i) check_against_add_with_carry<T>(static_cast<T>(random()), static_cast<T>(random()));
}
}  // namespace

TEST_CASE("add_flags and sub_flags are AddWithCarry with carry-in 0 and with NOT(b) and 1") {
    check_type<std::uint32_t>();
    check_type<std::uint64_t>();
}

TEST_CASE("ConditionHolds: a few rows of the manual's table") {
    CHECK(condition_holds(kFlagZ, 0x0));                  // EQ
    CHECK_FALSE(condition_holds(kFlagZ, 0x1));            // NE
    CHECK(condition_holds(kFlagC, 0x8));                  // HI: C and not Z
    CHECK_FALSE(condition_holds(kFlagC | kFlagZ, 0x8));   // HI fails with Z
    CHECK(condition_holds(kFlagN | kFlagV, 0xA));         // GE: N == V
    CHECK(condition_holds(kFlagN, 0xB));                  // LT: N != V
    CHECK(condition_holds(0, 0xE));                       // AL
    CHECK(condition_holds(kFlagN | kFlagZ | kFlagC | kFlagV, 0xF));  // NV behaves as AL
}
