// A thin owner of a Unicorn 2.0.1 AArch64 engine: the reference CPU of the differential tests.
#pragma once

#include <unicorn/unicorn.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/diff/generator.h"

namespace trapeze::diff {

class UnicornError : public std::runtime_error {
public:
    UnicornError(const std::string& what, uc_err err);
};

class UnicornCpu {
public:
    // An ARM64 engine with the "max" CPU model: the only one of 2.0.1 that runs the LSE
    // atomics. It starts at EL1 with the MMU off, as our guests do.
    UnicornCpu();
    ~UnicornCpu();
    UnicornCpu(const UnicornCpu&) = delete;
    UnicornCpu& operator=(const UnicornCpu&) = delete;

    // Map [base, base+size) as RAM backed by a page-aligned buffer this object owns; the
    // returned pointer reads and writes it directly (no uc_mem_read copy to compare).
    std::uint8_t* map_ram(std::uint64_t base, std::uint64_t size);

    void set_state(const State& s);
    State state() const;

    // Run from `begin` until PC reaches `until` or `count` instructions ran (0: no limit).
    uc_err run(std::uint64_t begin, std::uint64_t until, std::size_t count = 0);
    // New code was written in [begin, end): drop the translations made from the old.
    void forget_code(std::uint64_t begin, std::uint64_t end);

    uc_engine* engine() { return uc_; }

private:
    uc_engine* uc_ = nullptr;
    std::vector<std::unique_ptr<std::uint8_t, void (*)(void*)>> buffers_;
};

}  // namespace trapeze::diff
