// The numbers a run is configured with: one table gives each its scenario key, its
// command-line flag, its unit and its limits, so both places accept the same syntax and
// the same range and say the same thing about a bad value.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace trapeze {

struct NumberSetting {
    std::string_view key;   // the scenario key ("quantum"); "" for a command-line-only setting
    std::string_view flag;  // the command-line option ("--quantum"); "" for a scenario-only setting
    std::string_view unit;  // "instructions", "MiB"...
    std::uint64_t min;
    std::uint64_t max;
};

namespace setting {
inline constexpr NumberSetting kQuantum{"quantum", "--quantum", "instructions", 1, 1'000'000'000'000'000};
inline constexpr NumberSetting kBudget{"budget", "--budget", "instructions", 1, 1'000'000'000'000'000};
inline constexpr NumberSetting kMemoryMib{"memory_mib", "--mem", "MiB", 1, 2048};
inline constexpr NumberSetting kVcpus{"vcpus", "", "vCPUs", 1, 8};
inline constexpr NumberSetting kPcpus{"pcpus", "--pcpus", "pCPUs", 1, 64};
inline constexpr NumberSetting kWeight{"weight", "", "", 1, 1000};
inline constexpr NumberSetting kGdbPort{"", "--gdb", "(0: any free port)", 0, 65535};
}  // namespace setting

// A value the table refuses; the message says what is accepted.
class SettingError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The number syntax of every setting: decimal digits ("20000"), or hex after 0x ("0x4e20"),
// with '_' allowed between digits ("20_000"). Throws SettingError for anything else, and
// for a value outside the setting's range.
std::uint64_t parse_setting(const NumberSetting& s, std::string_view text);
// Throws SettingError unless min <= value <= max.
std::uint64_t check_setting(const NumberSetting& s, std::uint64_t value);
// "from 1 to 2048 MiB": the accepted range, for help texts and messages.
std::string setting_range(const NumberSetting& s);

}  // namespace trapeze
