// The exit fast path: a hook that handles an exit inside run() lets the CPU go on.
#include <doctest/doctest.h>

#include <vector>

#include "support/cpu_fixture.h"

using namespace trapeze;
using namespace trapeze::test;

namespace {
constexpr std::uint32_t MSR_VBAR_X0 = 0xd518c000, ADD_X0_X0_1 = 0x91000400, NOP = 0xd503201f;

struct Counting {
    unsigned calls = 0;
    bool go_on = true;
    std::uint64_t last_pc = 0;
};

bool count_and_skip(void* context, const Exit& exit) {
    auto& c = *static_cast<Counting*>(context);
    ++c.calls;
    c.last_pc = exit.pc;
    return c.go_on;
}
}  // namespace

TEST_CASE("a hook that handles the exit lets run() continue where it put the PC") {
    CpuFixture f;
    struct Context {
        unsigned calls = 0;
        Cpu* cpu = nullptr;
    } context{0, &f.cpu};
    f.cpu.set_exit_hook(
        [](void* c, const Exit& exit) {
            auto& ctx = *static_cast<Context*>(c);
            ++ctx.calls;
            ctx.cpu->regs.pc = exit.pc + 4;  // emulated: continue after it, as the VMM does
            return true;
        },
        &context);
    // Three instructions retire; the two trapped ones are emulated by the hook, not retired.
    const RunResult& r = f.run({ADD_X0_X0_1, MSR_VBAR_X0, ADD_X0_X0_1, MSR_VBAR_X0, ADD_X0_X0_1}, 3);
    CHECK(context.calls == 2);
    CHECK(f.x(0) == 3);
    CHECK(r.exit.reason == ExitReason::InstructionLimit);
    CHECK(r.retired == 3);
    CHECK(f.cpu.regs.pc == kCodeBase + 20);
    CHECK_FALSE(r.exit_handled);
}

TEST_CASE("a hook that answers false makes run() return with the exit marked handled") {
    CpuFixture f;
    Counting counting;
    counting.go_on = false;
    f.cpu.set_exit_hook(count_and_skip, &counting);
    const RunResult& r = f.run({NOP, MSR_VBAR_X0, NOP});
    CHECK(counting.calls == 1);
    CHECK(counting.last_pc == kCodeBase + 4);
    CHECK(r.exit.reason == ExitReason::Exception);
    CHECK(r.exit_handled);
    CHECK(r.retired == 1);
}

TEST_CASE("without a hook the exit is the caller's") {
    CpuFixture f;
    const RunResult& r = f.run({MSR_VBAR_X0});
    CHECK(r.exit.reason == ExitReason::Exception);
    CHECK_FALSE(r.exit_handled);
}

TEST_CASE("retired_in_run() is exact inside a hook, however far the run got past the attention checks") {
    // A loop of ADD and a trapped MSR, 2500 times (a run of 5000 instructions and more): the
    // hook sees, at each MSR, how many instructions retired before it.
    CpuFixture f;
    struct Context {
        Cpu* cpu = nullptr;
        std::vector<std::uint64_t> retired;
    } context{&f.cpu, {}};
    f.cpu.set_exit_hook(
        [](void* c, const Exit& exit) {
            auto& ctx = *static_cast<Context*>(c);
            ctx.retired.push_back(ctx.cpu->retired_in_run());
            ctx.cpu->regs.pc = exit.pc + 4;
            return true;
        },
        &context);
    constexpr std::uint32_t B_BACK_2 = 0x17fffffe;  // b .-8
    const RunResult& r = f.run({ADD_X0_X0_1, MSR_VBAR_X0, B_BACK_2}, 2 * 2500);
    CHECK(r.retired == 5000);
    CHECK(f.x(0) == 2500);
    REQUIRE(context.retired.size() == 2500);
    for (std::size_t i = 0; i < context.retired.size(); ++i) {
        CAPTURE(i);
        CHECK(context.retired[i] == 2 * i + 1);  // i ADDs and i branches, then this ADD
    }
}
