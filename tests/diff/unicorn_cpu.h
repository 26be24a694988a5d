// A thin owner of a Unicorn 2.0.1 AArch64 engine: the reference CPU of the differential tests.
#pragma once

#include <unicorn/unicorn.h>

#include <cstdint>
#include <memory>
#include <optional>
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

    // Synchronous exceptions (aborts, UNDEFINED...). Unicorn 2.0.1 does not take them: a hook
    // gets QEMU's exception number and the run stops at the instruction that raised it, with
    // ESR_EL1 and FAR_EL1 untouched. The syndrome and the faulting address it computed stay
    // in the CPU state that uc_context_save copies (saved when the hook runs); calibrate()
    // finds where.
    void catch_exceptions();
    struct Exception {
        int number = -1;          // QEMU's EXCP_*: 1 UDEF, 3 prefetch abort, 4 data abort...
        std::uint32_t esr = 0;    // as Unicorn computed it for EL1 (found by calibrate())
        std::uint64_t far = 0;
    };
    // The exception of the last run(), if it raised one.
    std::optional<Exception> exception();
    // After a run that raised a fault with this ESR and FAR: find them in the saved context.
    // False if they are not there (another Unicorn version), and exception() reports no ESR.
    bool calibrate(std::uint32_t esr, std::uint64_t far);
    static constexpr int kPrefetchAbort = 3;
    static constexpr int kDataAbort = 4;

private:
    static void on_interrupt(uc_engine* uc, std::uint32_t number, void* self);

    uc_engine* uc_ = nullptr;
    std::vector<std::unique_ptr<std::uint8_t, void (*)(void*)>> buffers_;
    int exception_number_ = -1;
    uc_context* context_ = nullptr;
    std::size_t esr_offset_ = 0;  // 0: not calibrated
};

}  // namespace trapeze::diff
