// Reading the build recipe and turning it into compile and link commands.
#include "tools/grade/recipe.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

namespace trapeze::grade {
namespace {

bool inside(const std::string& dir, const std::string& root) {
    return dir == root || dir.starts_with(root + "/");
}

}  // namespace

const GradedVersionFiles* Recipe::version(const std::string& name) const {
    for (const GradedVersionFiles& v : versions)
        if (v.name == name) return &v;
    return nullptr;
}

std::vector<std::string> Recipe::compile_command(const std::string& source, const std::string& object) const {
    std::vector<std::string> cmd{compiler};
    cmd.insert(cmd.end(), flags.begin(), flags.end());
    cmd.push_back("-fdiagnostics-color=never");
    for (const std::string& d : defines) cmd.push_back("-D" + d);
    std::vector<std::string> seen;
    for (const std::string& dir : includes) {
        // The compiler's own system directories must stay where it has them (#include_next).
        const bool system_dir = dir == "/usr/include" || dir == "/usr/local/include";
        if (system_dir || std::find(seen.begin(), seen.end(), dir) != seen.end()) continue;
        seen.push_back(dir);
        if (inside(dir, source_dir)) cmd.insert(cmd.end(), {"-I", dir});
        else cmd.insert(cmd.end(), {"-isystem", dir});
    }
    cmd.insert(cmd.end(), {"-c", source, "-o", object});
    return cmd;
}

std::vector<std::string> Recipe::link_command(const std::vector<std::string>& submission_objects,
                                              const std::vector<std::string>& archives,
                                              const std::string& output) const {
    std::vector<std::string> cmd{compiler};
    cmd.insert(cmd.end(), flags.begin(), flags.end());
    cmd.insert(cmd.end(), link_flags.begin(), link_flags.end());
    cmd.insert(cmd.end(), objects.begin(), objects.end());
    cmd.insert(cmd.end(), submission_objects.begin(), submission_objects.end());
    // Archives in one group: their order does not matter, shared libraries come after.
    cmd.push_back("-Wl,--start-group");
    cmd.insert(cmd.end(), archives.begin(), archives.end());
    std::vector<std::string> shared;
    for (const std::string& lib : libraries) {
        if (lib.ends_with(".a")) cmd.push_back(lib);
        else shared.push_back(lib);
    }
    cmd.push_back("-Wl,--end-group");
    cmd.insert(cmd.end(), shared.begin(), shared.end());
    cmd.insert(cmd.end(), {"-o", output});
    return cmd;
}

Recipe read_recipe(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error(fmt::format("cannot read the build recipe {} (build the project first)", path));
    Recipe r;
    r.path = path;
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
        if (line.empty() || line[0] == '#') continue;
        const std::size_t space = line.find(' ');
        const std::string key = line.substr(0, space);
        const std::string value = space == std::string::npos ? "" : line.substr(space + 1);
        if (key == "compiler") r.compiler = value;
        else if (key == "source_dir") r.source_dir = value;
        else if (key == "guests") r.guests_dir = value;
        else if (key == "flag") r.flags.push_back(value);
        else if (key == "define") r.defines.push_back(value);
        else if (key == "include") r.includes.push_back(value);
        else if (key == "link_flag") r.link_flags.push_back(value);
        else if (key == "object") r.objects.push_back(value);
        else if (key == "link") r.libraries.push_back(value);
        else if (key == "sanitized") r.sanitized = value == "1";
        else if (key == "version") {
            std::istringstream fields(value);
            GradedVersionFiles v;
            if (!(fields >> v.name >> v.graded_library >> v.reference_library >> v.reference_binary))
                throw std::runtime_error(fmt::format("{}:{}: a version line needs four fields", path, number));
            r.versions.push_back(v);
        } else throw std::runtime_error(fmt::format("{}:{}: unknown key \"{}\"", path, number, key));
    }
    if (r.compiler.empty() || r.versions.empty())
        throw std::runtime_error(fmt::format("{}: no compiler or no graded version in the recipe", path));
    return r;
}

}  // namespace trapeze::grade
