// Building a submission into a graded binary: find the student's handler files, copy them
// into a clean tree, compile each with the build's own compiler and flags, and link them with
// the version's graded tests and the libraries the build already has.
#pragma once

#include <string>
#include <vector>

#include "tools/grade/recipe.h"

namespace trapeze::grade {

struct SubmissionBuild {
    bool ok = false;
    std::string binary;                 // the graded binary, when ok
    std::vector<std::string> provenance;  // "v1: the reference handlers", "v2: versions/v2/handlers.cpp"
    std::string log;                    // the compiler's and linker's messages (warnings too)
    std::string error;                  // why there is no binary: one line
    double seconds = 0;
};

// The student's handlers.cpp for `version`, or "" if the submission has none. Looked for as
// versions/vN/handlers.cpp, vN/handlers.cpp and (for the graded version) handlers.cpp.
std::string find_handlers(const std::string& submission_dir, const std::string& version, bool graded_version);

SubmissionBuild build_submission(const Recipe& recipe, const std::string& version, const std::string& submission_dir,
                                 const std::string& work_dir);

}  // namespace trapeze::grade
