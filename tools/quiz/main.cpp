// trapeze-quiz: exercises in the manner of OSTEP's simulators. A seed picks a small random but
// valid situation of one version and asks about it; -c answers by running the reference
// handlers on that situation, with the reasoning. Same seed, same question, on every machine.
#include <charconv>
#include <cstdio>
#include <iostream>
#include <string>

#include <fmt/format.h>

#include "tools/quiz/question.h"

namespace {

using namespace trapeze::quiz;

constexpr const char* kUsage =
    "usage: trapeze-quiz --version vN --seed S [-c] [--kind K]\n"
    "       trapeze-quiz --version vN --check FIRST-LAST\n"
    "       trapeze-quiz --version vN --kinds\n"
    "  --seed S       which exercise (any number from 0 to 2^64-1); the same seed asks the same question\n"
    "  -c             also print the answer, computed by running the reference handlers, and why\n"
    "  --kind K       this kind of exercise instead of the one the seed picks (see --kinds)\n"
    "  --check A-B    for every seed from A to B and every kind, check that the reasoning's answer is the\n"
    "                 one the reference handlers give; print any disagreement\n";

[[noreturn]] void bad(const std::string& why) {
    std::fprintf(stderr, "trapeze-quiz: %s\n%s", why.c_str(), kUsage);
    std::exit(2);
}

std::uint64_t number(const std::string& flag, const std::string& text) {
    std::uint64_t v = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (error != std::errc() || end != text.data() + text.size() || text.empty())
        bad(fmt::format("{} needs a number from 0 to 18446744073709551615, not \"{}\"", flag, text));
    return v;
}

const QuizVersion* version_named(const std::string& name) {
    for (const QuizVersion* v : {&quiz_v1(), &quiz_v2()})
        if (v->version == name) return v;
    return nullptr;
}

Question make(const QuizVersion& version, std::uint64_t seed, int kind) {
    Random random(seed);
    const std::size_t chosen = random.below(version.kinds.size());
    return version.kinds[kind < 0 ? chosen : static_cast<std::size_t>(kind)].make(random);
}

std::string kind_of(const QuizVersion& version, std::uint64_t seed, int kind) {
    return std::string(version.kinds[kind < 0 ? Random(seed).below(version.kinds.size()) : kind].name);
}

// The items where the reasoning and the run disagree ("" when they agree).
std::string disagreements(const Question& q) {
    std::string text;
    for (std::size_t i = 0; i < std::max(q.answer.size(), q.derived.size()); ++i) {
        const auto& a = i < q.answer.size() ? q.answer[i] : std::pair<std::string, std::string>{"(none)", ""};
        const auto& d = i < q.derived.size() ? q.derived[i] : std::pair<std::string, std::string>{"(none)", ""};
        if (a != d)
            text += fmt::format("  {}: the reference handlers give {}, the reasoning {} = {}\n", a.first, a.second,
                                d.first, d.second);
    }
    return text;
}

int check(const QuizVersion& version, const std::string& range) {
    const std::size_t dash = range.find('-');
    if (dash == std::string::npos) bad("--check needs a range of seeds FIRST-LAST, not \"" + range + "\"");
    const std::uint64_t first = number("--check", range.substr(0, dash));
    const std::uint64_t last = number("--check", range.substr(dash + 1));
    if (last < first || last - first > 100'000) bad("--check needs FIRST <= LAST, at most 100000 seeds apart");
    unsigned questions = 0, wrong = 0;
    for (std::uint64_t seed = first; seed <= last; ++seed)
        for (std::size_t k = 0; k < version.kinds.size(); ++k) {
            const Question q = make(version, seed, static_cast<int>(k));
            ++questions;
            const std::string d = disagreements(q);
            if (d.empty()) continue;
            ++wrong;
            std::printf("%s seed %llu kind %s:\n%s", std::string(version.version).c_str(),
                        static_cast<unsigned long long>(seed), std::string(version.kinds[k].name).c_str(), d.c_str());
        }
    std::printf("%s: %u exercises (seeds %llu-%llu, %zu kinds), %u where the reasoning and the reference disagree\n",
                std::string(version.version).c_str(), questions, static_cast<unsigned long long>(first),
                static_cast<unsigned long long>(last), version.kinds.size(), wrong);
    return wrong ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::string version_name, seed_text, kind_name, check_range;
    bool answer = false, list_kinds = false;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) bad(arg + " needs a value");
            return argv[++i];
        };
        if (arg == "--version") version_name = value();
        else if (arg == "--seed" || arg == "-s") seed_text = value();
        else if (arg == "-c") answer = true;
        else if (arg == "--kind") kind_name = value();
        else if (arg == "--check") check_range = value();
        else if (arg == "--kinds") list_kinds = true;
        else if (arg == "--help" || arg == "-h") {
            std::cout << kUsage;
            return 0;
        } else bad("unknown argument " + arg);
    }
    if (version_name.empty()) bad("--version vN is required");
    const QuizVersion* version = version_named(version_name);
    if (!version) bad(fmt::format("no exercises for {} (versions with exercises: v1 v2)", version_name));
    if (list_kinds) {
        for (const QuestionKind& k : version->kinds) std::cout << k.name << '\n';
        return 0;
    }
    try {
        if (!check_range.empty()) return check(*version, check_range);
        if (seed_text.empty()) bad("--seed S is required");
        const std::uint64_t seed = number("--seed", seed_text);
        int kind = -1;
        if (!kind_name.empty()) {
            for (std::size_t k = 0; k < version->kinds.size(); ++k)
                if (version->kinds[k].name == kind_name) kind = static_cast<int>(k);
            if (kind < 0) bad(fmt::format("{} has no kind of exercise \"{}\" (see --kinds)", version_name, kind_name));
        }
        const Question q = make(*version, seed, kind);
        std::cout << fmt::format("trapeze-quiz {}, seed {} ({}): {}\n\n{}\nQ: {}\n", version_name, seed,
                                 kind_of(*version, seed, kind), q.title, q.situation, q.ask);
        if (!answer) {
            std::cout << fmt::format("\n(run with -c for the answer)\n");
            return 0;
        }
        std::size_t width = 0;
        for (const auto& [name, value] : q.answer) width = std::max(width, name.size());
        std::cout << "\nAnswer (the reference handlers, run on this situation):\n";
        for (const auto& [name, value] : q.answer) std::cout << fmt::format("  {:<{}}  {}\n", name, width, value);
        std::cout << "\nWhy:\n";
        for (const std::string& line : q.reasoning) std::cout << "  - " << line << '\n';
        if (const std::string d = disagreements(q); !d.empty()) {
            std::cerr << "trapeze-quiz: the reasoning and the reference handlers disagree:\n" << d;
            return 1;
        }
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "trapeze-quiz: %s\n", e.what());
        return 1;
    }
}
