// The progress line of a long run, on stderr when it is a terminal: instructions retired,
// virtual time and VM exits, rewritten in place a few times a second, erased at the end.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

#include "vmm/debug_agent.h"

namespace trapeze {

class ProgressLine final : public DebugAgent {
public:
    ProgressLine(std::string target, std::FILE* out) : target_(std::move(target)), out_(out) {}
    ~ProgressLine() override { erase(); }

    std::uint64_t before_slice(Vcpu& vcpu) override;
    void after_slice(Vcpu&, const RunResult&) override {}
    bool exits_end_slices() const override { return false; }
    void erase();

private:
    std::string target_;
    std::FILE* out_;
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
    std::chrono::steady_clock::time_point next_ = start_ + std::chrono::milliseconds(500);
    bool shown_ = false;
};

}  // namespace trapeze
