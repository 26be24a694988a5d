// The number syntax and limits shared by the command line and the scenario files.
#include <doctest/doctest.h>

#include <string>

#include "vmm/settings.h"

using namespace trapeze;

namespace {
std::string error_of(const NumberSetting& s, std::string_view text) {
    try {
        parse_setting(s, text);
    } catch (const SettingError& e) {
        return e.what();
    }
    return "(no error)";
}
}  // namespace

TEST_CASE("numbers are decimal or 0x hex, with '_' between digits") {
    CHECK(parse_setting(setting::kQuantum, "20000") == 20000);
    CHECK(parse_setting(setting::kQuantum, "20_000") == 20000);
    CHECK(parse_setting(setting::kQuantum, "0x4e20") == 20000);
    CHECK(parse_setting(setting::kQuantum, "0X4E20") == 20000);
    CHECK(parse_setting(setting::kQuantum, "0x4e_20") == 20000);
    CHECK(parse_setting(setting::kBudget, "1_000_000_000_000_000") == 1'000'000'000'000'000);
    CHECK(parse_setting(setting::kGdbPort, "0") == 0);
    CHECK(parse_setting(setting::kGdbPort, "65535") == 65535);
}

TEST_CASE("anything else is refused with the syntax; values out of range with the range") {
    const std::string syntax = " is not a number (write it in decimal, 20000, or in hex, 0x4e20)";
    for (const char* bad : {"", "-1", "+5", "1e6", "12abc", "0x", "0xg", "_1", "1_", "1__0", " 5", "5 ", "1.0", "ten"})
        CHECK(error_of(setting::kQuantum, bad) == "\"" + std::string(bad) + "\"" + syntax);
    CHECK(error_of(setting::kQuantum, "0") == "must be from 1 to 1_000_000_000_000_000 instructions, not 0");
    CHECK(error_of(setting::kMemoryMib, "2049") == "must be from 1 to 2048 MiB, not 2049");
    CHECK(error_of(setting::kMemoryMib, "100000") == "must be from 1 to 2048 MiB, not 100000");
    CHECK(error_of(setting::kGdbPort, "65536") == "must be from 0 to 65535 (0: any free port), not 65536");
    // Past 2^64: still a range error, never a silent wrap-around.
    CHECK(error_of(setting::kBudget, "99999999999999999999999") ==
          "must be from 1 to 1_000_000_000_000_000 instructions, not 99999999999999999999999");
    CHECK(error_of(setting::kBudget, "0x10000000000000000") ==
          "must be from 1 to 1_000_000_000_000_000 instructions, not 0x10000000000000000");
    CHECK(parse_setting(setting::kMemoryMib, "2048") == 2048);
    CHECK(parse_setting(setting::kMemoryMib, "1") == 1);
}
