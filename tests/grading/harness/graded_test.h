// A graded test: one row of a version's table (name, points, visibility) and the code that
// drives the student's handlers into a state the grader compares with the reference's.
#pragma once

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

#include "harness/snapshot.h"
#include "vmm/exit_handlers.h"

namespace trapeze::grading {

// Gradescope's visibility: Visible tests show at once; Hidden ones after the grades are
// published ("after_published"), so students cannot tune their code to them.
enum class Visibility : std::uint8_t { Visible, Hidden };

using Install = void (*)(VersionHooks&);

// What a test needs from outside: the version's install() as the submission wrote it, and
// where the example guests are.
struct TestContext {
    Install install = nullptr;
    std::string guests_dir;
};

struct GradedTest {
    std::string_view name;     // "v2.virq.el1h": unique, stable, sorts by topic
    std::string_view subject;  // what the feedback names first: "deliver_irq", "handle_sysreg"
    int points;
    Visibility visibility;
    void (*run)(const TestContext& context, Snapshot& state);
    std::string_view what;     // one line: the behaviour the test checks
};

// One version's graded tests: the table in tests/grading/vN/graded_tests.cpp.
struct GradedVersion {
    std::string_view version;  // "v2"
    Install install;           // vN::install
    std::span<const GradedTest> tests;
};

// A test that cannot go on because of what the handlers did (the guest ran away from its
// script, say): the test fails with this message.
class TestStopped : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Defined once per graded binary, by the version's table.
const GradedVersion& graded_version();

}  // namespace trapeze::grading
