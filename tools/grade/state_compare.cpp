// Field-by-field comparison of two captured states, and its feedback.
#include "tools/grade/state_compare.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

namespace trapeze::grade {
namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

Fields fields_of(const nlohmann::ordered_json& state) {
    Fields out;
    if (!state.is_object() || !state.contains("fields") || !state["fields"].is_array()) return out;
    for (const auto& f : state["fields"])
        if (f.is_array() && f.size() == 2 && f[0].is_string() && f[1].is_string())
            out.emplace_back(f[0].get<std::string>(), f[1].get<std::string>());
    return out;
}

// Short enough for one line of feedback, quoted when it is text rather than a number.
std::string shown(const std::string& value) {
    const bool digits = !value.empty() && std::all_of(value.begin(), value.end(), ::isdigit);
    const bool number = value.starts_with("0x") || digits;
    std::string v = value.size() > 160 ? value.substr(0, 157) + "..." : value;
    return number ? v : fmt::format("\"{}\"", v);
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t end = text.find('\n', start);
        if (end == std::string::npos) {
            if (start < text.size()) lines.push_back(text.substr(start));
            break;
        }
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

std::string describe_one(const std::string& subject, const Difference& d) {
    std::string field = d.field, got = shown(d.got), expected = shown(d.expected);
    if (d.got.find('\n') != std::string::npos || d.expected.find('\n') != std::string::npos) {
        const auto a = lines_of(d.got), b = lines_of(d.expected);
        std::size_t i = 0;
        while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
        field = fmt::format("{} line {}", d.field, i + 1);
        got = i < a.size() ? shown(a[i]) : "(nothing)";
        expected = i < b.size() ? shown(b[i]) : "(nothing)";
    }
    std::string line = fmt::format("{}: {} = {}, expected {}", subject, field, got, expected);
    if (!d.why.empty()) line += fmt::format(" ({})", d.why);
    return line;
}

}  // namespace

std::vector<Difference> compare_states(const nlohmann::ordered_json& expected, const nlohmann::ordered_json& got) {
    const Fields want = fields_of(expected), have = fields_of(got);
    std::map<std::string, std::string> have_by_name(have.begin(), have.end());
    std::map<std::string, std::pair<std::size_t, std::string>> hints;  // field -> (rank, why)
    if (expected.contains("hints") && expected["hints"].is_object())
        for (const auto& [name, why] : expected["hints"].items())
            if (why.is_string()) hints[name] = {hints.size(), why.get<std::string>()};

    std::vector<Difference> vm, rest;
    std::vector<std::pair<std::size_t, Difference>> explained;
    for (const auto& [name, value] : want) {
        const auto it = have_by_name.find(name);
        const std::string actual = it == have_by_name.end() ? "(missing)" : it->second;
        if (actual == value) continue;
        const auto hint = hints.find(name);
        Difference d{name, actual, value, hint == hints.end() ? "" : hint->second.second};
        if (name == "VM") vm.push_back(d);
        else if (hint != hints.end()) explained.emplace_back(hint->second.first, d);
        else rest.push_back(d);
    }
    std::stable_sort(explained.begin(), explained.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [rank, d] : explained) vm.push_back(std::move(d));
    vm.insert(vm.end(), rest.begin(), rest.end());
    return vm;
}

std::string describe_differences(const std::string& subject, const std::vector<Difference>& differences,
                                 std::size_t max_lines) {
    std::string text;
    for (std::size_t i = 0; i < differences.size() && i < max_lines; ++i)
        text += describe_one(subject, differences[i]) + "\n";
    if (differences.size() > max_lines) {
        std::string others;
        for (std::size_t i = max_lines; i < differences.size(); ++i)
            others += fmt::format("{}{}", i == max_lines ? "" : ", ", differences[i].field);
        text += fmt::format("{} more field{} differ{}: {}\n", differences.size() - max_lines,
                            differences.size() - max_lines == 1 ? "" : "s",
                            differences.size() - max_lines == 1 ? "s" : "", others);
    }
    return text;
}

}  // namespace trapeze::grade
