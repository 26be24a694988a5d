// A graded submission's report: the terminal table with its total, and Gradescope's
// results.json (score, max_score, execution_time, output, tests[] with name, number, score,
// max_score, status, output, visibility; hidden tests are "after_published").
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace trapeze::grade {

struct TestResult {
    std::string name;
    std::string subject;
    std::string what;
    int points = 0;
    bool hidden = false;
    bool passed = false;
    std::string feedback;  // why it failed ("" when it passed)
    std::string printed;   // what the test's process printed (a student's debugging output)
};

struct Report {
    std::string version;
    std::string submission;
    std::vector<std::string> provenance;  // which handler files were built, and from where
    std::string build_error;              // "" when it built
    std::string build_log;
    std::vector<TestResult> tests;
    double seconds = 0;        // the whole grading
    double build_seconds = 0;  // of which building the submission

    int score() const;
    int max_score() const;
};

std::string terminal_report(const Report& report);
nlohmann::ordered_json gradescope_results(const Report& report);

}  // namespace trapeze::grade
