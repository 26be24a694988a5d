// Grading a submission: table, expected states, build, isolated runs, verdicts.
#include "tools/grade/grader.h"

#include <chrono>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "tools/grade/state_compare.h"
#include "tools/grade/submission_build.h"

namespace trapeze::grade {
namespace {

namespace fs = std::filesystem;

struct TableRow {
    std::string name, subject, what;
    int points = 0;
    bool hidden = false;
};

std::vector<std::string> child_environment(const Recipe& recipe) {
    // A sanitized build's graded binaries: a finding aborts (reported as a crash with the
    // sanitizer's report), and no leak check at exit.
    if (recipe.sanitized)
        return {"ASAN_OPTIONS=detect_leaks=0:abort_on_error=1", "UBSAN_OPTIONS=print_stacktrace=1:abort_on_error=1"};
    return {};
}

// The reference runs every test in one process, and is trusted: generous limits.
Limits reference_limits() {
    Limits l;
    l.cpu_seconds = 120;
    l.wall_seconds = 600;
    l.address_space = 0;
    return l;
}

nlohmann::ordered_json parse_json_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) return nullptr;
    return nlohmann::ordered_json::parse(in, nullptr, false);
}

std::vector<TableRow> read_table(const Recipe& recipe, const GradedVersionFiles& files, const std::string& work) {
    const Outcome o = run_isolated({files.reference_binary, "--list"}, work, work + "/table.json",
                                   reference_limits(), child_environment(recipe));
    const nlohmann::ordered_json j = parse_json_file(work + "/table.json");
    if (!o.ok() || j.is_discarded() || !j.contains("tests"))
        throw GraderError(fmt::format("the reference graded binary {} could not list its tests: it {}\n{}",
                                      files.reference_binary, o.describe(reference_limits()),
                                      tail(o.output, 2000)));
    std::vector<TableRow> rows;
    for (const auto& t : j["tests"])
        rows.push_back({t.at("name"), t.at("subject"), t.at("what"), t.at("points"), t.at("visibility") == "hidden"});
    return rows;
}

nlohmann::ordered_json reference_states(const Recipe& recipe, const GradedVersionFiles& files,
                                        const std::string& work) {
    const std::string out = work + "/reference.json";
    const Outcome o = run_isolated({files.reference_binary, "--run-all", "--out", out, "--guests", recipe.guests_dir},
                                   work, work + "/reference.log", reference_limits(), child_environment(recipe));
    nlohmann::ordered_json states = parse_json_file(out);
    if (!o.ok() || states.is_discarded() || !states.is_object())
        throw GraderError(fmt::format("the reference's graded tests did not run: {} {}\n{}", files.reference_binary,
                                      o.describe(reference_limits()), tail(o.output, 2000)));
    for (const auto& [name, state] : states.items())
        if (state.contains("failure"))
            throw GraderError(fmt::format("the reference fails its own graded test {}: {}", name,
                                          state["failure"].get<std::string>()));
    return states;
}

std::string trimmed(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
}

TestResult run_test(const Recipe& recipe, const Limits& limits, const std::string& binary, const TableRow& row,
                    const nlohmann::ordered_json& expected, const std::string& work) {
    TestResult t{row.name, row.subject, row.what, row.points, row.hidden, false, "", ""};
    const std::string out = fmt::format("{}/out/{}.json", work, row.name);
    const std::string log = fmt::format("{}/out/{}.log", work, row.name);
    const Outcome o = run_isolated({binary, "--run", row.name, "--out", out, "--guests", recipe.guests_dir},
                                   work + "/run", log, limits, child_environment(recipe));
    t.printed = trimmed(o.output);
    if (!o.ok()) {
        t.feedback = fmt::format("{}: the test's process {}", row.subject, o.describe(limits));
        if (o.kind == Outcome::Kind::Exited) t.feedback += " before the test finished (does a handler call exit()?)";
        t.feedback += "\n";
        return t;
    }
    const nlohmann::ordered_json got = parse_json_file(out);
    if (got.is_discarded() || !got.is_object()) {
        t.feedback = fmt::format("{}: the test's process ended without writing the state it reached\n", row.subject);
        return t;
    }
    if (got.contains("failure") && got["failure"].is_string()) {
        t.feedback = got["failure"].get<std::string>() + "\n";
        return t;
    }
    const std::vector<Difference> differences = compare_states(expected, got);
    t.passed = differences.empty();
    t.feedback = describe_differences(row.subject, differences);
    return t;
}

}  // namespace

std::vector<TestResult> graded_tests(const Recipe& recipe, const std::string& version, const std::string& work_dir) {
    const GradedVersionFiles* files = recipe.version(version);
    if (!files) throw std::invalid_argument(fmt::format("no graded version {} in this build", version));
    std::vector<TestResult> tests;
    for (const TableRow& row : read_table(recipe, *files, work_dir))
        tests.push_back({row.name, row.subject, row.what, row.points, row.hidden, false, "", ""});
    return tests;
}

Report grade(const Recipe& recipe, const GradeOptions& options) {
    using Clock = std::chrono::steady_clock;
    const auto start = Clock::now();
    const GradedVersionFiles* files = recipe.version(options.version);
    if (!files) throw std::invalid_argument(fmt::format("no graded version {} in this build", options.version));
    const std::string work = options.work_dir;
    fs::create_directories(work + "/run");
    fs::create_directories(work + "/out");

    Report report;
    report.version = options.version;
    report.submission = options.submission_dir;
    std::vector<TableRow> table = read_table(recipe, *files, work);
    if (!options.only.empty()) {
        std::erase_if(table, [&](const TableRow& r) { return r.name.find(options.only) == std::string::npos; });
        if (table.empty())
            throw std::invalid_argument(fmt::format("no graded test of {} has \"{}\" in its name (see --list)",
                                                    options.version, options.only));
    }
    const nlohmann::ordered_json expected = reference_states(recipe, *files, work);

    Limits limits = options.test_limits;
    if (recipe.sanitized) limits.address_space = 0;  // ASan reserves terabytes of shadow memory
    const SubmissionBuild build = build_submission(recipe, options.version, options.submission_dir, work + "/build");
    report.provenance = build.provenance;
    report.build_log = build.log;
    report.build_error = build.error;
    report.build_seconds = build.seconds;
    for (const TableRow& row : table) {
        if (!build.ok) {
            report.tests.push_back({row.name, row.subject, row.what, row.points, row.hidden, false,
                                    "not run: the submission did not build (" + build.error + ")\n", ""});
            continue;
        }
        if (!expected.contains(row.name))
            throw GraderError(fmt::format("the reference has no state for the graded test {}", row.name));
        report.tests.push_back(run_test(recipe, limits, build.binary, row, expected[row.name], work));
    }
    report.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return report;
}

}  // namespace trapeze::grade
