// The command line of a graded binary (the version's graded tests linked with a submission's
// handlers, or with the reference's): list the table, or run tests and write their states.
//   --list                         the table as JSON: name, subject, what, points, visibility
//   --run NAME --out FILE          run one test, write its state (the grader runs each alone)
//   --run-all --out FILE           run every test in this process (the reference's states)
//   --guests DIR                   where the example guests are
#include <cxxabi.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <typeinfo>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "harness/graded_test.h"

namespace trapeze::grading {
namespace {

std::string demangled(const char* name) {
    int status = 0;
    std::unique_ptr<char, void (*)(void*)> d(abi::__cxa_demangle(name, nullptr, nullptr, &status), std::free);
    return status == 0 && d ? d.get() : name;
}

// What escaped the test: the monitor turns a handler's std::exception into a stopped VM, so
// anything here was thrown past it (a string, a number) or by a handler the test called itself.
std::string describe_current_exception() {
    const std::type_info* type = abi::__cxa_current_exception_type();
    const std::string type_name = type ? demangled(type->name()) : "unknown type";
    try {
        throw;
    } catch (const std::exception& e) {
        return fmt::format("threw {} (\"{}\")", type_name, e.what());
    } catch (const char* text) {
        return fmt::format("threw a {} (\"{}\") instead of returning an Action; only a std::exception "
                           "stops the VM cleanly",
                           type_name, text);
    } catch (const std::string& text) {
        return fmt::format("threw a std::string (\"{}\"); only a std::exception stops the VM cleanly", text);
    } catch (...) {
        return fmt::format("threw a {}; only a std::exception stops the VM cleanly", type_name);
    }
}

Snapshot run_one(const GradedTest& test, const TestContext& context) {
    Snapshot state;
    try {
        test.run(context, state);
    } catch (const TestStopped& e) {
        state.fail(fmt::format("{}: {}", test.subject, e.what()));
    } catch (...) {
        state.fail(fmt::format("{} {}", test.subject, describe_current_exception()));
    }
    return state;
}

void write_file(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) throw std::runtime_error("cannot write " + path);
}

int usage(const char* argv0) {
    std::fprintf(stderr, "usage: %s --list | --run NAME --out FILE | --run-all --out FILE [--guests DIR]\n", argv0);
    return 2;
}

}  // namespace
}  // namespace trapeze::grading

int main(int argc, char** argv) {
    using namespace trapeze::grading;
    const GradedVersion& version = graded_version();
    std::string run, out, guests = ".";
    bool list = false, run_all = false;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const bool has_value = i + 1 < argc;
        if (arg == "--list") list = true;
        else if (arg == "--run-all") run_all = true;
        else if (arg == "--run" && has_value) run = argv[++i];
        else if (arg == "--out" && has_value) out = argv[++i];
        else if (arg == "--guests" && has_value) guests = argv[++i];
        else return usage(argv[0]);
    }
    try {
        if (list) {
            nlohmann::ordered_json table = nlohmann::ordered_json::array();
            for (const GradedTest& t : version.tests)
                table.push_back({{"name", t.name},
                                 {"subject", t.subject},
                                 {"what", t.what},
                                 {"points", t.points},
                                 {"visibility", t.visibility == Visibility::Hidden ? "hidden" : "visible"}});
            std::cout << nlohmann::ordered_json{{"version", version.version}, {"tests", table}}.dump(1) << '\n';
            return 0;
        }
        if (out.empty() || (run.empty() && !run_all)) return usage(argv[0]);
        const TestContext context{version.install, guests};
        if (run_all) {
            std::string all = "{";
            for (const GradedTest& t : version.tests)
                all += fmt::format("{}\"{}\":{}", all.size() > 1 ? "," : "", t.name, run_one(t, context).json());
            write_file(out, all + "}\n");
            return 0;
        }
        for (const GradedTest& t : version.tests)
            if (t.name == run) {
                write_file(out, run_one(t, context).json() + "\n");
                return 0;
            }
        std::fprintf(stderr, "%s: no graded test named %s in %s\n", argv[0], run.c_str(),
                     std::string(version.version).c_str());
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s\n", argv[0], e.what());
        return 1;
    }
}
