// Copying, compiling and linking a submission.
#include "tools/grade/submission_build.h"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include <fmt/format.h>

#include "tools/grade/isolated_run.h"

namespace trapeze::grade {
namespace {

namespace fs = std::filesystem;

// A compiler gets more room than a test: templates take time, and it is ours, not theirs.
Limits compiler_limits() {
    Limits l;
    l.cpu_seconds = 120;
    l.wall_seconds = 300;
    l.address_space = 0;
    return l;
}

// The handler file and the headers beside it (a student may split helpers into a header).
void copy_handler_tree(const fs::path& handlers, const fs::path& into) {
    fs::create_directories(into);
    fs::copy_file(handlers, into / "handlers.cpp", fs::copy_options::overwrite_existing);
    for (const auto& entry : fs::directory_iterator(handlers.parent_path())) {
        const std::string ext = entry.path().extension().string();
        if (entry.is_regular_file() && (ext == ".h" || ext == ".hpp" || ext == ".inc"))
            fs::copy_file(entry.path(), into / entry.path().filename(), fs::copy_options::overwrite_existing);
    }
}

std::string relative_to(const fs::path& file, const fs::path& dir) {
    std::error_code ec;
    const fs::path rel = fs::relative(file, dir, ec);
    return ec ? file.string() : rel.string();
}

}  // namespace

std::string find_handlers(const std::string& submission_dir, const std::string& version, bool graded_version) {
    const fs::path dir(submission_dir);
    std::vector<fs::path> candidates{dir / "versions" / version / "handlers.cpp", dir / version / "handlers.cpp"};
    if (graded_version) candidates.push_back(dir / "handlers.cpp");
    for (const fs::path& p : candidates)
        if (fs::is_regular_file(p)) return p.string();
    return "";
}

SubmissionBuild build_submission(const Recipe& recipe, const std::string& version, const std::string& submission_dir,
                                 const std::string& work_dir) {
    using Clock = std::chrono::steady_clock;
    const auto start = Clock::now();
    SubmissionBuild build;
    const fs::path work(work_dir);
    fs::create_directories(work / "obj");

    std::vector<std::string> objects, archives;
    for (const GradedVersionFiles& v : recipe.versions) {
        const bool graded = v.name == version;
        const std::string found = find_handlers(submission_dir, v.name, graded);
        if (found.empty()) {
            if (graded) {
                build.error = fmt::format(
                    "the submission has no {0}/handlers.cpp (looked for versions/{0}/handlers.cpp, {0}/handlers.cpp "
                    "and handlers.cpp)",
                    v.name);
                return build;
            }
            archives.push_back(v.reference_library);
            build.provenance.push_back(fmt::format("{}: the reference handlers", v.name));
        } else {
            const fs::path copy = work / "src" / "versions" / v.name;
            copy_handler_tree(found, copy);
            const std::string object = (work / "obj" / (v.name + ".o")).string();
            // Compiled from the copy's root by its relative name: messages, debug information and
            // sanitizer reports say versions/vN/handlers.cpp, the same on every run.
            const std::string name = fmt::format("versions/{}/handlers.cpp", v.name);
            const Outcome compiled = run_isolated(recipe.compile_command(name, object), (work / "src").string(),
                                                  (work / "obj" / (v.name + ".log")).string(), compiler_limits());
            build.log += compiled.output;
            build.provenance.push_back(fmt::format("{}: {}", v.name, relative_to(found, submission_dir)));
            if (!compiled.ok()) {
                build.seconds = std::chrono::duration<double>(Clock::now() - start).count();
                build.error = fmt::format("{} does not compile (the compiler {})", name,
                                          compiled.describe(compiler_limits()));
                return build;
            }
            objects.push_back(object);
        }
        if (graded) {
            archives.insert(archives.begin(), v.graded_library);
            break;
        }
    }
    build.binary = (work / "graded").string();
    const Outcome linked = run_isolated(recipe.link_command(objects, archives, build.binary), work.string(),
                                        (work / "obj" / "link.log").string(), compiler_limits());
    build.log += linked.output;
    build.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (!linked.ok()) {
        build.error = fmt::format("the submission does not link (the linker {}): a handler declared in handlers.h "
                                  "may be missing",
                                  linked.describe(compiler_limits()));
        return build;
    }
    build.ok = true;
    return build;
}

}  // namespace trapeze::grade
