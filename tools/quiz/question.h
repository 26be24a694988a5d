// An exercise of trapeze-quiz: a small random but valid situation of one version, the question
// asked about it, the answer the reference handlers give when the situation is run, and the
// reasoning, derived from the architecture's rules on its own. The two must agree (--check).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace trapeze {
class Vm;
}

namespace trapeze::quiz {

// SplitMix64: the same numbers from the same seed on every machine and compiler (the
// standard library's distributions are not specified bit for bit).
class Random {
public:
    explicit Random(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    std::uint64_t below(std::uint64_t n) { return next() % n; }
    bool chance(unsigned percent) { return below(100) < percent; }
    template <typename T>
    const T& pick(std::span<const T> items) {
        return items[below(items.size())];
    }

private:
    std::uint64_t state_;
};

using Items = std::vector<std::pair<std::string, std::string>>;  // "ELR_EL1" -> "0x40080124"

struct Question {
    std::string title;      // "a vIRQ arrives"
    std::string situation;  // what the machine looks like, and what happens
    std::string ask;        // the question
    Items answer;           // from running the reference handlers on the situation
    Items derived;          // from the rules, as the reasoning computes them
    std::vector<std::string> reasoning;
};

struct QuestionKind {
    std::string_view name;  // "virq"
    Question (*make)(Random& random);
};

struct QuizVersion {
    std::string_view version;
    std::span<const QuestionKind> kinds;
};

const QuizVersion& quiz_v1();
const QuizVersion& quiz_v2();

// Shared wording.
std::string vm_outcome(const Vm& vm);        // "goes on", "powered off", "stopped: not virtualized here, v2 adds it"
std::string hex(std::uint64_t value);
std::string daif_text(std::uint32_t daif);       // "D A F masked", "none masked"
std::string nzcv_text(std::uint32_t nzcv);       // "N=1 Z=0 C=1 V=0"
std::string mode_text(std::uint32_t spsr);       // "EL1h (EL1, SP_EL1)"
std::string pstate_text(std::uint32_t spsr);     // mode, DAIF and flags

}  // namespace trapeze::quiz
