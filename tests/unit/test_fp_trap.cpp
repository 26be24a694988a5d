// The FP/SIMD access trap (CPACR_EL1.FPEN, EC 0x07) as the interpreter raises it, and FPCR/FPSR
// through MRS/MSR, which run natively at EL0 and trap with FP.
#include <doctest/doctest.h>

#include "emulator/exception_class.h"
#include "support/cpu_fixture.h"

using namespace trapeze;
using namespace trapeze::test;

namespace {

constexpr std::uint32_t kFpAccessEsr = (0x07u << 26) | (1u << 25) | (1u << 24) | (0xeu << 20);

}  // namespace

TEST_CASE("with FP disabled every FP/SIMD instruction traps with EC 0x07 and does not retire") {
    const struct {
        std::uint32_t word;
        const char* text;
    } cases[] = {
        {0x1e632841, "fadd d1, d2, d3"},
        {0x3dc00441, "ldr q1, [x2, #16]"},
        {0x4cdf2000, "ld1 {v0.16b-v3.16b}, [x0], #64"},
        {0x9e6600c5, "fmov x5, d6"},
        {0xd53b4401, "mrs x1, fpcr"},
        {0xd51b4424, "msr fpsr, x4"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.text);
        CpuFixture f;
        f.x(0) = f.x(2) = kDataBase;
        f.cpu.regs.v[2].lo = 0x4000'0000'0000'0000;  // 2.0
        f.cpu.set_fp_enabled(false);
        const RunResult r = f.run({c.word});
        CHECK(r.exit.reason == ExitReason::Exception);
        CHECK(r.exit.esr == kFpAccessEsr);
        CHECK(r.exit.ec() == ExceptionClass::FpAccess);
        CHECK(r.exit.pc == kCodeBase);
        CHECK(r.exit.instruction == c.word);
        CHECK(r.retired == 0);
        CHECK(f.cpu.regs.pc == kCodeBase);
        CHECK(f.x(0) == kDataBase);  // no writeback
        CHECK(f.x(1) == 0);
        CHECK(f.cpu.regs.v[1].lo == 0);
    }
}

TEST_CASE("the trap costs integer code nothing: it runs with FP disabled; enabling FP resumes") {
    CpuFixture f;
    f.cpu.set_fp_enabled(false);
    f.cpu.regs.v[2].lo = 0x4000'0000'0000'0000;  // 2.0
    f.cpu.regs.v[3].lo = 0x3ff0'0000'0000'0000;  // 1.0
    RunResult r = f.run({0x91000400,    // add x0, x0, #1
                         0x1e632841,    // fadd d1, d2, d3
                         0x91000400});  // add x0, x0, #1
    CHECK(r.retired == 1);
    CHECK(f.x(0) == 1);
    CHECK(r.exit.esr == kFpAccessEsr);
    CHECK(r.exit.pc == kCodeBase + 4);
    // The lazy switch: the layer above enables FP (after loading the FP state) and retries.
    f.cpu.set_fp_enabled(true);
    f.cpu.regs.pc = r.exit.pc;
    r = f.cpu.run(2);
    CHECK(r.retired == 2);
    CHECK(f.cpu.regs.v[1].lo == 0x4008'0000'0000'0000);  // 3.0
    CHECK(f.x(0) == 2);
}

TEST_CASE("MRS/MSR FPCR and FPSR run natively; unimplemented bits read as zero") {
    CpuFixture f;
    f.x(2) = ~0ull;
    f.x(4) = ~0ull;
    const RunResult r = f.run({0xd51b4402,    // msr fpcr, x2
                               0xd53b4401,    // mrs x1, fpcr
                               0xd51b4424,    // msr fpsr, x4
                               0xd53b4423});  // mrs x3, fpsr
    CHECK(r.retired == 4);
    CHECK(f.x(1) == 0x07c0'0000);  // AHP, DN, FZ, RMode
    CHECK(f.x(3) == 0x0800'009f);  // QC, IDC, IXC, UFC, OFC, DZC, IOC
    CHECK(f.cpu.regs.fpcr == 0x07c0'0000);
    CHECK(f.cpu.regs.fpsr == 0x0800'009f);
}

TEST_CASE("FPCR's rounding mode and FPSR's cumulative flags through the instructions") {
    CpuFixture f;
    f.cpu.regs.v[2].lo = 0x3ff0'0000'0000'0000;  // 1.0
    f.cpu.regs.v[3].lo = 0x3ca0'0000'0000'0001;  // just above half an ulp of 1.0
    f.x(2) = 2ull << 22;                          // RMode = 10: towards minus infinity
    const RunResult r = f.run({0x1e632841,    // fadd d1, d2, d3   (round to nearest: 1 + ulp)
                               0xd51b4402,    // msr fpcr, x2
                               0x1e632840,    // fadd d0, d2, d3   (towards -inf: 1.0)
                               0xd53b4423});  // mrs x3, fpsr
    CHECK(r.retired == 4);
    CHECK(f.cpu.regs.v[1].lo == 0x3ff0'0000'0000'0001);
    CHECK(f.cpu.regs.v[0].lo == 0x3ff0'0000'0000'0000);
    CHECK(f.x(3) == kFpsrIxc);
}
