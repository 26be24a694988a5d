// The recipe CMake writes into a build tree (build/<preset>/grading/recipe.txt): how that
// build compiles and links, so trapeze-grade builds a submission the same way in one compile
// per handler file and one link, against the libraries already built.
#pragma once

#include <string>
#include <vector>

namespace trapeze::grade {

struct GradedVersionFiles {
    std::string name;              // "v2"
    std::string graded_library;    // the version's graded tests
    std::string reference_library; // the reference handlers, for submissions without this version
    std::string reference_binary;  // graded tests + reference handlers: the expected states
};

struct Recipe {
    std::string path;
    std::string compiler;
    std::string source_dir;
    std::string guests_dir;
    std::vector<std::string> flags;         // compile flags, also passed when linking (as CMake does)
    std::vector<std::string> defines;
    std::vector<std::string> includes;
    std::vector<std::string> link_flags;
    std::vector<std::string> objects;       // main()
    std::vector<std::string> libraries;     // harness, roadmap, the VMM and what it needs
    std::vector<GradedVersionFiles> versions;  // in lecture order
    bool sanitized = false;

    const GradedVersionFiles* version(const std::string& name) const;
    // The compile command for one handler file; the caller appends nothing.
    std::vector<std::string> compile_command(const std::string& source, const std::string& object) const;
    // The link command: the submission's objects, then the version's graded tests, the
    // reference handlers of the earlier versions it does not bring, and the libraries.
    std::vector<std::string> link_command(const std::vector<std::string>& objects,
                                          const std::vector<std::string>& archives, const std::string& output) const;
};

// Read a recipe; throws std::runtime_error naming the file and line on anything malformed.
Recipe read_recipe(const std::string& path);

}  // namespace trapeze::grade
