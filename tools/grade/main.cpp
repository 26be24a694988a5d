// trapeze-grade: grade a student's handlers for one version, print the table with the total,
// and optionally write Gradescope's results.json.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include <fmt/format.h>

#include "tools/grade/grader.h"

namespace {

namespace fs = std::filesystem;
using namespace trapeze::grade;

constexpr const char* kUsage =
    "usage: trapeze-grade --version vN [options] SUBMISSION_DIR\n"
    "  SUBMISSION_DIR holds versions/vN/handlers.cpp (or vN/handlers.cpp, or handlers.cpp) and, if the\n"
    "  student wrote them, the earlier versions' handlers; missing earlier ones are the reference's.\n"
    "  --json FILE      also write Gradescope's results.json to FILE\n"
    "  --only TEXT      run only the graded tests whose name contains TEXT\n"
    "  --list           print the version's graded tests and points, and exit\n"
    "  --cpu-limit S    CPU seconds each graded test may use (default 3; wall clock: 30 times that, >= 60 s)\n"
    "  --work DIR       build and run in DIR (default: a new directory in $TMPDIR, removed afterwards)\n"
    "  --keep           keep the work directory\n"
    "  --recipe FILE    the build to grade with (default: " TRAPEZE_GRADING_RECIPE ")\n"
    "exit status: 0 when the submission was graded (whatever its score), 1 when the grader itself\n"
    "could not run its reference tests, 2 for bad arguments.\n";

struct Arguments {
    GradeOptions grade;
    std::string json, recipe = TRAPEZE_GRADING_RECIPE;
    bool keep = false, list = false;
};

[[noreturn]] void bad(const std::string& why) {
    std::fprintf(stderr, "trapeze-grade: %s\n%s", why.c_str(), kUsage);
    std::exit(2);
}

// The wall clock only catches a test that sleeps or blocks: it must never fire before the CPU
// limit on a busy machine, where a test may get a tenth of a core, or the verdict would change.
unsigned wall_seconds_for(unsigned cpu_seconds) { return std::max(60u, 30 * cpu_seconds); }

Arguments parse(int argc, char** argv) {
    Arguments a;
    a.grade.test_limits.cpu_seconds = 3;
    a.grade.test_limits.wall_seconds = wall_seconds_for(3);
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) bad(arg + " needs a value");
            return argv[++i];
        };
        if (arg == "--version") a.grade.version = value();
        else if (arg == "--json") a.json = value();
        else if (arg == "--only") a.grade.only = value();
        else if (arg == "--work") a.grade.work_dir = value();
        else if (arg == "--recipe") a.recipe = value();
        else if (arg == "--keep") a.keep = true;
        else if (arg == "--list") a.list = true;
        else if (arg == "--cpu-limit") {
            const std::string v = value();
            const unsigned long s = std::strtoul(v.c_str(), nullptr, 10);
            if (s == 0 || s > 3600 || v.find_first_not_of("0123456789") != std::string::npos)
                bad("--cpu-limit needs a number of seconds from 1 to 3600, not \"" + v + "\"");
            a.grade.test_limits.cpu_seconds = static_cast<unsigned>(s);
            a.grade.test_limits.wall_seconds = wall_seconds_for(static_cast<unsigned>(s));
        } else if (arg == "--help" || arg == "-h") {
            std::cout << kUsage;
            std::exit(0);
        } else if (arg.starts_with("-")) bad("unknown option " + arg);
        else if (a.grade.submission_dir.empty()) a.grade.submission_dir = arg;
        else bad("one submission at a time (got " + a.grade.submission_dir + " and " + arg + ")");
    }
    if (a.grade.version.empty()) bad("--version vN is required");
    if (!a.list && a.grade.submission_dir.empty()) bad("no submission directory given");
    if (!a.list && !fs::is_directory(a.grade.submission_dir))
        bad("the submission " + a.grade.submission_dir + " is not a directory");
    return a;
}

std::string fresh_work_dir() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = fmt::format("{}/trapeze-grade-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(pattern.data())) throw std::runtime_error("cannot create a work directory in " + pattern);
    return pattern;
}

}  // namespace

int main(int argc, char** argv) {
    Arguments a = parse(argc, argv);
    Recipe recipe;
    try {
        recipe = read_recipe(a.recipe);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "trapeze-grade: %s\n", e.what());
        return 2;
    }
    if (!recipe.version(a.grade.version)) {
        std::string known;
        for (const auto& v : recipe.versions) known += " " + v.name;
        std::fprintf(stderr, "trapeze-grade: no graded tests for %s in this build (graded versions:%s)\n",
                     a.grade.version.c_str(), known.c_str());
        return 2;
    }
    const bool own_work_dir = a.grade.work_dir.empty();
    int status = 0;
    try {
        if (own_work_dir) a.grade.work_dir = fresh_work_dir();
        if (a.list) {
            int total = 0;
            for (const TestResult& t : graded_tests(recipe, a.grade.version, a.grade.work_dir)) {
                std::cout << fmt::format("{:<28} {:>2}  {:<7}  {}: {}\n", t.name, t.points,
                                         t.hidden ? "hidden" : "visible", t.subject, t.what);
                total += t.points;
            }
            std::cout << fmt::format("{:<28} {:>2}\n", "total", total);
        } else {
            const Report report = grade(recipe, a.grade);
            std::cout << terminal_report(report) << std::flush;
            if (!a.json.empty()) {
                std::ofstream out(a.json, std::ios::trunc);
                out << gradescope_results(report).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
                if (!out.flush()) throw std::runtime_error("cannot write " + a.json);
            }
            std::fprintf(stderr, "trapeze-grade: graded in %.1f s (building the submission: %.1f s)\n",
                         report.seconds, report.build_seconds);
        }
    } catch (const std::invalid_argument& e) {
        std::fprintf(stderr, "trapeze-grade: %s\n", e.what());
        status = 2;
    } catch (const GraderError& e) {
        std::fprintf(stderr, "trapeze-grade: the grader cannot grade: %s\n", e.what());
        status = 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "trapeze-grade: %s\n", e.what());
        status = 1;
    }
    if (own_work_dir && !a.keep && !a.grade.work_dir.empty()) {
        std::error_code ignored;
        fs::remove_all(a.grade.work_dir, ignored);
    } else if (a.keep) std::fprintf(stderr, "trapeze-grade: the work directory is %s\n", a.grade.work_dir.c_str());
    return status;
}
