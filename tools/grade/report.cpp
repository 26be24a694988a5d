// Rendering a report for a terminal and for Gradescope.
#include "tools/grade/report.h"

#include <cmath>

#include <fmt/format.h>

#include "tools/grade/isolated_run.h"

namespace trapeze::grade {
namespace {

std::string indented(const std::string& text, std::string_view prefix) {
    std::string out;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        out += fmt::format("{}{}\n", prefix, text.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

std::string build_summary(const Report& r) {
    std::string text;
    for (const std::string& p : r.provenance) text += fmt::format("{}{}", text.empty() ? "" : "; ", p);
    return text.empty() ? "nothing" : text;
}

// What a test's box says: what it checks, then why it failed and what it printed.
std::string test_output(const TestResult& t) {
    std::string text = fmt::format("{}: {}\n", t.subject, t.what);
    if (t.passed) return text + "passed\n";
    text += t.feedback;
    if (!t.printed.empty()) text += "\nthe test printed:\n" + tail(t.printed, 2000);
    return text;
}

}  // namespace

int Report::score() const {
    int s = 0;
    for (const TestResult& t : tests) s += t.passed ? t.points : 0;
    return s;
}

int Report::max_score() const {
    int s = 0;
    for (const TestResult& t : tests) s += t.points;
    return s;
}

std::string terminal_report(const Report& r) {
    std::size_t width = 5;
    for (const TestResult& t : r.tests) width = std::max(width, t.name.size());
    std::string out = fmt::format("trapeze-grade {}: {}\nbuilt: {}\n", r.version, r.submission, build_summary(r));
    if (!r.build_error.empty()) {
        out += fmt::format("\nthe submission did not build: {}\n", r.build_error);
        if (!r.build_log.empty()) out += indented(tail(r.build_log, 6000), "  ");
    }
    out += fmt::format("\n  {:<{}}  {:>6}  result\n", "test", width, "points");
    for (const TestResult& t : r.tests)
        out += fmt::format("  {:<{}}  {:>6}  {}{}\n", t.name, width,
                           fmt::format("{}/{}", t.passed ? t.points : 0, t.points), t.passed ? "passed" : "FAILED",
                           t.hidden ? " (hidden)" : "");
    out += fmt::format("  {:<{}}  {:>6}\n", "total", width, fmt::format("{}/{}", r.score(), r.max_score()));
    bool first = true;
    for (const TestResult& t : r.tests) {
        if (t.passed || !r.build_error.empty()) continue;
        if (first) out += "\nwhat went wrong:\n";
        first = false;
        out += fmt::format("\n{} ({})\n", t.name, t.what);
        out += indented(t.feedback, "  ");
        if (!t.printed.empty()) out += "  the test printed:\n" + indented(tail(t.printed, 2000), "    ");
    }
    return out;
}

nlohmann::ordered_json gradescope_results(const Report& r) {
    nlohmann::ordered_json j;
    j["score"] = r.score();
    j["max_score"] = r.max_score();
    j["execution_time"] = static_cast<int>(std::ceil(r.seconds));
    std::string output = fmt::format("trapeze-grade {}: {}/{}\nbuilt: {}\n", r.version, r.score(), r.max_score(),
                                     build_summary(r));
    if (!r.build_error.empty())
        output += fmt::format("\nThe submission did not build: {}\n\n{}", r.build_error, tail(r.build_log, 8000));
    j["output"] = output;
    j["tests"] = nlohmann::ordered_json::array();
    const std::string major = r.version.size() > 1 ? r.version.substr(1) : r.version;
    for (std::size_t i = 0; i < r.tests.size(); ++i) {
        const TestResult& t = r.tests[i];
        j["tests"].push_back({{"name", t.name},
                              {"number", fmt::format("{}.{}", major, i + 1)},
                              {"score", t.passed ? t.points : 0},
                              {"max_score", t.points},
                              {"status", t.passed ? "passed" : "failed"},
                              {"output", test_output(t)},
                              {"visibility", t.hidden ? "after_published" : "visible"}});
    }
    return j;
}

}  // namespace trapeze::grade
