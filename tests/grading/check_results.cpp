// Checks a results.json against the shape Gradescope documents for autograder output
// (gradescope-autograders.readthedocs.io, "Autograder Specifications"): the top-level score,
// execution_time and output, and tests[] with name, number, score, max_score, status, output
// and visibility; no key Gradescope does not know; totals that add up.
//   usage: check_results results.json        exit 0 if it conforms, 1 with the problems listed
#include <cstdio>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace {

std::vector<std::string> problems;

void problem(std::string what) { problems.push_back(std::move(what)); }

void only_known_keys(const nlohmann::json& object, const std::set<std::string>& known, const std::string& where) {
    for (const auto& [key, value] : object.items())
        if (!known.contains(key)) problem(where + ": unknown key \"" + key + "\"");
}

bool is_visibility(const nlohmann::json& v) {
    static const std::set<std::string> kinds = {"hidden", "after_due_date", "after_published", "visible"};
    return v.is_string() && kinds.contains(v.get<std::string>());
}

void check_test(const nlohmann::json& t, std::size_t i, double& score, double& max_score, std::set<std::string>& names,
                std::set<std::string>& numbers) {
    const std::string where = "tests[" + std::to_string(i) + "]";
    if (!t.is_object()) return problem(where + " is not an object");
    only_known_keys(t,
                    {"score", "max_score", "status", "name", "name_format", "number", "output", "output_format",
                     "tags", "visibility", "extra_data"},
                    where);
    for (const char* key : {"name", "number", "output", "status", "visibility"})
        if (!t.contains(key) || !t[key].is_string()) problem(where + ": \"" + key + "\" must be a string");
    for (const char* key : {"score", "max_score"})
        if (!t.contains(key) || !t[key].is_number()) problem(where + ": \"" + key + "\" must be a number");
    if (!problems.empty()) return;
    const double s = t["score"], m = t["max_score"];
    if (s < 0 || s > m) problem(where + ": score " + std::to_string(s) + " is outside 0.." + std::to_string(m));
    const std::string status = t["status"];
    if (status != "passed" && status != "failed") problem(where + ": status must be \"passed\" or \"failed\"");
    if ((status == "passed") != (s == m)) problem(where + ": status \"" + status + "\" disagrees with its score");
    if (!is_visibility(t["visibility"])) problem(where + ": visibility is not one Gradescope knows");
    if (t["name"].get<std::string>().empty()) problem(where + ": empty name");
    if (!names.insert(t["name"]).second) problem(where + ": name repeated");
    if (!numbers.insert(t["number"]).second) problem(where + ": number repeated");
    score += s;
    max_score += m;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s results.json\n", argv[0]);
        return 2;
    }
    std::ifstream in(argv[1]);
    const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        std::fprintf(stderr, "%s: not a JSON object\n", argv[1]);
        return 1;
    }
    only_known_keys(j,
                    {"score", "max_score", "execution_time", "output", "output_format", "test_output_format",
                     "test_name_format", "visibility", "stdout_visibility", "extra_data", "tests", "leaderboard"},
                    "top level");
    if (!j.contains("score") || !j["score"].is_number()) problem("top level: \"score\" must be a number");
    if (!j.contains("execution_time") || !j["execution_time"].is_number() || j["execution_time"] < 0)
        problem("top level: \"execution_time\" must be a number of seconds");
    if (!j.contains("output") || !j["output"].is_string()) problem("top level: \"output\" must be a string");
    if (!j.contains("tests") || !j["tests"].is_array()) problem("top level: \"tests\" must be an array");
    if (problems.empty()) {
        double score = 0, max_score = 0;
        std::set<std::string> names, numbers;
        for (std::size_t i = 0; i < j["tests"].size(); ++i)
            check_test(j["tests"][i], i, score, max_score, names, numbers);
        if (problems.empty() && j["score"] != score) problem("top level: score is not the sum of the tests' scores");
        if (problems.empty() && j.contains("max_score") && j["max_score"] != max_score)
            problem("top level: max_score is not the sum of the tests' max_score");
    }
    for (const std::string& p : problems) std::fprintf(stderr, "%s: %s\n", argv[1], p.c_str());
    return problems.empty() ? 0 : 1;
}
