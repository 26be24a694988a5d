// Grading one submission for one version: the version's table and expected states from the
// reference graded binary, the submission built into its own graded binary, each graded test
// run alone in a process under limits, and every outcome turned into points and feedback.
#pragma once

#include <string>

#include "tools/grade/isolated_run.h"
#include "tools/grade/recipe.h"
#include "tools/grade/report.h"

namespace trapeze::grade {

struct GradeOptions {
    std::string version;
    std::string submission_dir;
    std::string work_dir;   // a fresh directory the grader may fill
    std::string only;       // run only the tests whose name contains this ("" = all)
    Limits test_limits;     // per graded test
};

// The reference's graded tests could not run: the grader's installation is broken, not the
// submission (the report cannot be trusted, so there is none).
class GraderError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

Report grade(const Recipe& recipe, const GradeOptions& options);

// The version's table (name, subject, what, points, visibility), from the reference.
std::vector<TestResult> graded_tests(const Recipe& recipe, const std::string& version, const std::string& work_dir);

}  // namespace trapeze::grade
