// Parsing and range-checking the numbers of the settings table.
#include "vmm/settings.h"

#include <fmt/format.h>

namespace trapeze {

namespace {

// 1000000 as "1_000_000": the syntax accepts it back, and people can count the digits.
std::string grouped(std::uint64_t value) {
    const std::string digits = std::to_string(value);
    if (digits.size() <= 5) return digits;
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += '_';
        out += digits[i];
    }
    return out;
}

}  // namespace

std::string setting_range(const NumberSetting& s) {
    if (s.unit.empty()) return fmt::format("from {} to {}", grouped(s.min), grouped(s.max));
    return fmt::format("from {} to {} {}", grouped(s.min), grouped(s.max), s.unit);
}

std::uint64_t check_setting(const NumberSetting& s, std::uint64_t value) {
    if (value < s.min || value > s.max) throw SettingError(fmt::format("must be {}, not {}", setting_range(s), value));
    return value;
}

std::uint64_t parse_setting(const NumberSetting& s, std::string_view text) {
    const auto refuse = [&] {
        return SettingError(fmt::format("\"{}\" is not a number (write it in decimal, 20000, or in hex, 0x4e20)", text));
    };
    std::string_view digits = text;
    unsigned base = 10;
    if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
        base = 16;
        digits.remove_prefix(2);
    }
    if (digits.empty() || digits.front() == '_' || digits.back() == '_') throw refuse();
    std::uint64_t value = 0;
    bool overflow = false;
    char previous = 0;
    for (const char c : digits) {
        if (c == '_') {
            if (previous == '_') throw refuse();
            previous = c;
            continue;
        }
        unsigned digit = 0;
        if (c >= '0' && c <= '9') digit = static_cast<unsigned>(c - '0');
        else if (base == 16 && c >= 'a' && c <= 'f') digit = static_cast<unsigned>(c - 'a' + 10);
        else if (base == 16 && c >= 'A' && c <= 'F') digit = static_cast<unsigned>(c - 'A' + 10);
        else throw refuse();
        if (value > (~0ull - digit) / base) overflow = true;
        else value = value * base + digit;
        previous = c;
    }
    if (overflow) throw SettingError(fmt::format("must be {}, not {}", setting_range(s), text));
    return check_setting(s, value);
}

}  // namespace trapeze
