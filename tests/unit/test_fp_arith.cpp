// The FP pseudocode's fiddly corners, checked against the manual's own cases: NaN propagation
// order, FPCR.DN, flush-to-zero of inputs and outputs, each rounding mode (and round to odd),
// FPToFixed at the integer bounds, FPMax/FPMin with signed zeros and NaNs, the estimates.
#include <doctest/doctest.h>

#include <bit>
#include <cstdint>

#include "emulator/fp.h"

using namespace trapeze;

namespace {

std::uint32_t s(float f) { return std::bit_cast<std::uint32_t>(f); }
std::uint64_t d(double f) { return std::bit_cast<std::uint64_t>(f); }

constexpr std::uint32_t kQNaN1 = 0x7fc0'0001, kQNaN2 = 0x7fc0'0002;
constexpr std::uint32_t kSNaN1 = 0x7f80'0001, kSNaN2 = 0xff80'0002;  // the second one negative
constexpr std::uint32_t kDefaultNaN = 0x7fc0'0000;
constexpr std::uint32_t kMinDenormal = 0x0000'0001, kMinNormal = 0x0080'0000;
constexpr std::uint32_t kInf = 0x7f80'0000, kNegZero = 0x8000'0000;

FpEnv env_with(std::uint32_t fpcr = 0) { return FpEnv{fpcr, 0}; }
std::uint32_t mode(Rounding r) { return static_cast<std::uint32_t>(r) << kFpcrRModeShift; }

}  // namespace

TEST_CASE("NaN propagation: signalling NaNs first, then quiet ones, each in operand order") {
    FpEnv env = env_with();
    CHECK(fp_add(kQNaN1, kQNaN2, env) == kQNaN1);
    CHECK(env.fpsr == 0);  // quiet NaNs raise nothing
    CHECK(fp_add(kQNaN1, kSNaN2, env) == (kSNaN2 | 0x0040'0000));  // the SNaN wins, made quiet, sign kept
    CHECK(env.fpsr == kFpsrIoc);
    env = env_with();
    CHECK(fp_mul(kSNaN1, kSNaN2, env) == (kSNaN1 | 0x0040'0000));
    CHECK(fp_sub(s(1.0f), kQNaN2, env) == kQNaN2);  // FPSub does not negate a NaN operand
    // FPMulAdd checks the addend first.
    env = env_with();
    CHECK(fp_mul_add(kQNaN1, kSNaN2, s(1.0f), env) == (kSNaN2 | 0x0040'0000));
    CHECK(fp_mul_add(kQNaN1, kQNaN2, s(1.0f), env) == kQNaN1);
    CHECK(fp_mul_add(s(1.0f), kQNaN2, kQNaN1, env) == kQNaN2);
    // ... but a quiet NaN addend does not hide infinity times zero: the default NaN and Invalid.
    env = env_with();
    CHECK(fp_mul_add(kQNaN1, kInf, s(0.0f), env) == kDefaultNaN);
    CHECK(env.fpsr == kFpsrIoc);
}

TEST_CASE("FPCR.DN: every NaN result is the default NaN") {
    FpEnv env = env_with(kFpcrDn);
    CHECK(fp_add(kQNaN1, s(1.0f), env) == kDefaultNaN);
    CHECK(env.fpsr == 0);
    CHECK(fp_sqrt(kSNaN2, env) == kDefaultNaN);
    CHECK(env.fpsr == kFpsrIoc);
    CHECK(fp_convert<std::uint64_t>(kQNaN1, Rounding::TieEven, env) == 0x7ff8'0000'0000'0000);
}

TEST_CASE("invalid operations give the default NaN") {
    FpEnv env = env_with();
    CHECK(fp_add(kInf, kInf | kNegZero, env) == kDefaultNaN);
    CHECK(fp_mul(kInf, s(0.0f), env) == kDefaultNaN);
    CHECK(fp_div(s(0.0f), kNegZero, env) == kDefaultNaN);
    CHECK(fp_sqrt(s(-1.0f), env) == kDefaultNaN);
    CHECK(env.fpsr == kFpsrIoc);
    env = env_with();
    CHECK(fp_sqrt(kNegZero, env) == kNegZero);  // sqrt(-0) = -0, no exception
    CHECK(fp_div(s(1.0f), kNegZero, env) == (kInf | kNegZero));
    CHECK(env.fpsr == kFpsrDzc);
    // FMULX: infinity times zero is two, signed.
    CHECK(fp_mulx(kInf, kNegZero, env) == s(-2.0f));
}

TEST_CASE("FZ flushes denormal inputs (Input Denormal) and tiny results (Underflow, not Inexact)") {
    FpEnv env = env_with();
    CHECK(fp_add(kMinDenormal, s(0.0f), env) == kMinDenormal);
    CHECK(env.fpsr == 0);
    env = env_with(kFpcrFz);
    CHECK(fp_add(kMinDenormal, s(0.0f), env) == 0);
    CHECK(env.fpsr == kFpsrIdc);
    env = env_with(kFpcrFz);
    CHECK(fp_add(kMinDenormal | kNegZero, kNegZero, env) == kNegZero);  // -0 + -0
    // A product below the normal range: denormal and inexact without FZ, +0 with FZ.
    env = env_with();
    CHECK(fp_mul(kMinNormal, s(0.75f), env) == 0x0060'0000);
    CHECK(env.fpsr == 0);  // exact denormal: no Underflow
    CHECK(fp_mul(kMinNormal, s(0.7f), env) == 0x0059'999a);
    CHECK(env.fpsr == (kFpsrUfc | kFpsrIxc));
    env = env_with(kFpcrFz);
    CHECK(fp_mul(kMinNormal, s(0.75f), env) == 0);
    CHECK(env.fpsr == kFpsrUfc);
    // Tininess is detected before rounding: a value just below the normal range that rounds
    // up to it still raises Underflow.
    env = env_with();
    CHECK(fp_mul(std::uint32_t{0x007f'ffff}, s(1.0f + 0x1p-23f), env) == kMinNormal);
    CHECK(env.fpsr == (kFpsrUfc | kFpsrIxc));
    // Half precision has no flush-to-zero without FEAT_FP16: a half denormal converts exactly.
    env = env_with(kFpcrFz);
    CHECK(fp_convert<std::uint32_t>(std::uint16_t{0x0001}, Rounding::TieEven, env) == s(0x1p-24f));
    CHECK(env.fpsr == 0);
}

TEST_CASE("each rounding mode, on 1 + 3/2 ulp and its negation") {
    // 1.0f + 1.5 * 2^-23 lies between 1+ulp and 1+2ulp, above the tie.
    const std::uint64_t value = d(1.0 + 1.5 * 0x1p-23), negative = d(-(1.0 + 1.5 * 0x1p-23));
    const struct {
        Rounding rounding;
        std::uint32_t up, down;
    } cases[] = {
        {Rounding::TieEven, s(1.0f + 0x1p-22f), s(-(1.0f + 0x1p-22f))},  // a tie: to the even one
        {Rounding::PosInf, s(1.0f + 0x1p-22f), s(-(1.0f + 0x1p-23f))},
        {Rounding::NegInf, s(1.0f + 0x1p-23f), s(-(1.0f + 0x1p-22f))},
        {Rounding::Zero, s(1.0f + 0x1p-23f), s(-(1.0f + 0x1p-23f))},
        {Rounding::Odd, s(1.0f + 0x1p-23f), s(-(1.0f + 0x1p-23f))},
    };
    for (const auto& c : cases) {
        CAPTURE(static_cast<int>(c.rounding));
        FpEnv env = env_with();
        CHECK(fp_convert<std::uint32_t>(value, c.rounding, env) == c.up);
        CHECK(fp_convert<std::uint32_t>(negative, c.rounding, env) == c.down);
        CHECK(env.fpsr == kFpsrIxc);
    }
    // Round to odd keeps the result odd where the others would round to even.
    FpEnv env = env_with();
    CHECK(fp_convert<std::uint32_t>(d(1.0 + 0.5 * 0x1p-23), Rounding::Odd, env) == s(1.0f + 0x1p-23f));
    CHECK(fp_convert<std::uint32_t>(d(1.0 + 0.5 * 0x1p-23), Rounding::TieEven, env) == s(1.0f));
    // FPCR.RMode drives the arithmetic; an exact zero sum is -0 only when rounding to -inf.
    env = env_with(mode(Rounding::NegInf));
    CHECK(fp_add(s(1.0f), s(-1.0f), env) == kNegZero);
    env = env_with(mode(Rounding::PosInf));
    CHECK(fp_add(s(1.0f), s(-1.0f), env) == 0);
    CHECK(fp_add(s(1.0f), s(0x1p-30f), env) == s(1.0f + 0x1p-23f));
    // Overflow: to infinity, or to the largest normal when the mode rounds towards zero.
    env = env_with(mode(Rounding::Zero));
    CHECK(fp_mul(s(0x1p100f), s(0x1p100f), env) == 0x7f7f'ffff);
    CHECK(env.fpsr == (kFpsrOfc | kFpsrIxc));
    env = env_with(mode(Rounding::NegInf));
    CHECK(fp_mul(s(0x1p100f), s(0x1p100f), env) == 0x7f7f'ffff);
    CHECK(fp_mul(s(-0x1p100f), s(0x1p100f), env) == (kInf | kNegZero));
}

TEST_CASE("FPRoundInt: each rounding, the sign of a zero result, Inexact only for FRINTX") {
    FpEnv env = env_with();
    CHECK(fp_round_int(s(2.5f), Rounding::TieEven, false, env) == s(2.0f));
    CHECK(fp_round_int(s(2.5f), Rounding::TieAway, false, env) == s(3.0f));
    CHECK(fp_round_int(s(-2.5f), Rounding::TieAway, false, env) == s(-3.0f));
    CHECK(fp_round_int(s(-2.5f), Rounding::PosInf, false, env) == s(-2.0f));
    CHECK(fp_round_int(s(-2.5f), Rounding::NegInf, false, env) == s(-3.0f));
    CHECK(fp_round_int(s(-2.5f), Rounding::Zero, false, env) == s(-2.0f));
    CHECK(fp_round_int(s(-0.3f), Rounding::Zero, false, env) == kNegZero);
    CHECK(fp_round_int(s(-0.3f), Rounding::PosInf, false, env) == kNegZero);
    CHECK(env.fpsr == 0);
    CHECK(fp_round_int(s(0.3f), Rounding::TieEven, true, env) == 0);
    CHECK(env.fpsr == kFpsrIxc);
}

TEST_CASE("FPToFixed at the bounds of 32- and 64-bit integers") {
    FpEnv env = env_with();
    auto zs32 = [&](double v) { return fp_to_fixed(d(v), 0, false, 32, Rounding::Zero, env); };
    CHECK(zs32(2147483647.0) == 0x7fff'ffff);
    CHECK(zs32(2147483647.9) == 0x7fff'ffff);
    CHECK(env.fpsr == kFpsrIxc);
    env = env_with();
    CHECK(zs32(-2147483648.0) == 0x8000'0000);
    CHECK(zs32(-2147483648.9) == 0x8000'0000);  // truncates to -2^31: in range
    CHECK(env.fpsr == kFpsrIxc);
    env = env_with();
    CHECK(zs32(2147483648.0) == 0x7fff'ffff);  // saturates: Invalid, not Inexact
    CHECK(zs32(-2147483649.0) == 0x8000'0000);
    CHECK(env.fpsr == kFpsrIoc);
    env = env_with();
    CHECK(fp_to_fixed(d(-0.5), 0, true, 32, Rounding::Zero, env) == 0);  // rounds to 0: only Inexact
    CHECK(env.fpsr == kFpsrIxc);
    env = env_with();
    CHECK(fp_to_fixed(d(-1.0), 0, true, 32, Rounding::Zero, env) == 0);
    CHECK(fp_to_fixed(kQNaN1, 0, false, 64, Rounding::Zero, env) == 0);
    CHECK(fp_to_fixed(kInf | kNegZero, 0, false, 64, Rounding::Zero, env) == 0x8000'0000'0000'0000);
    CHECK(env.fpsr == kFpsrIoc);
    env = env_with();
    CHECK(fp_to_fixed(d(0x1p63), 0, true, 64, Rounding::Zero, env) == 0x8000'0000'0000'0000);
    CHECK(fp_to_fixed(d(-0x1p63), 0, false, 64, Rounding::Zero, env) == 0x8000'0000'0000'0000);
    CHECK(env.fpsr == 0);
    CHECK(fp_to_fixed(d(0x1p63), 0, false, 64, Rounding::Zero, env) == 0x7fff'ffff'ffff'ffff);
    CHECK(env.fpsr == kFpsrIoc);
    // Rounding to nearest, ties away and to even, and fraction bits.
    env = env_with();
    CHECK(fp_to_fixed(d(2.5), 0, false, 32, Rounding::TieEven, env) == 2);
    CHECK(fp_to_fixed(d(2.5), 0, false, 32, Rounding::TieAway, env) == 3);
    CHECK(fp_to_fixed(d(-2.5), 0, false, 32, Rounding::TieAway, env) == 0xffff'fffd);
    CHECK(fp_to_fixed(d(1.75), 2, false, 32, Rounding::Zero, env) == 7);
    CHECK(fixed_to_fp<std::uint64_t>(7, 2, false, 32, Rounding::TieEven, env) == d(1.75));
    CHECK(fixed_to_fp<std::uint32_t>(0x8000'0000, 0, false, 32, Rounding::TieEven, env) == s(-2147483648.0f));
    CHECK(fixed_to_fp<std::uint32_t>(0xffff'ffff, 0, true, 32, Rounding::Zero, env) == s(4294967040.0f));
}

TEST_CASE("FPMax and FPMin with signed zeros and NaNs; the Num forms ignore one quiet NaN") {
    FpEnv env = env_with();
    CHECK(fp_max(s(0.0f), kNegZero, env) == 0);
    CHECK(fp_max(kNegZero, s(0.0f), env) == 0);
    CHECK(fp_min(s(0.0f), kNegZero, env) == kNegZero);
    CHECK(fp_min(kNegZero, s(0.0f), env) == kNegZero);
    CHECK(fp_max(kQNaN1, s(1.0f), env) == kQNaN1);
    CHECK(fp_max_num(kQNaN1, s(1.0f), env) == s(1.0f));
    CHECK(fp_min_num(s(-1.0f), kQNaN2, env) == s(-1.0f));
    CHECK(fp_max_num(kQNaN1, kQNaN2, env) == kQNaN1);
    CHECK(env.fpsr == 0);
    CHECK(fp_max_num(kSNaN1, s(1.0f), env) == (kSNaN1 | 0x0040'0000));  // signalling: not ignored
    CHECK(env.fpsr == kFpsrIoc);
    // With FZ a denormal is a zero: the maximum of it and -0 is +0 or -0 by the zeros' signs.
    env = env_with(kFpcrFz);
    CHECK(fp_max(kMinDenormal, kNegZero, env) == 0);
    CHECK(fp_min(kMinDenormal, kNegZero, env) == kNegZero);
    CHECK(env.fpsr == kFpsrIdc);
}

TEST_CASE("FPCompare: unordered is 0011; FCMPE and the ordered vector compares signal on any NaN") {
    FpEnv env = env_with();
    CHECK(fp_compare(s(1.0f), s(2.0f), false, env) == kFlagN);
    CHECK(fp_compare(s(2.0f), s(1.0f), false, env) == kFlagC);
    CHECK(fp_compare(s(0.0f), kNegZero, false, env) == (kFlagZ | kFlagC));
    CHECK(fp_compare(kQNaN1, s(1.0f), false, env) == (kFlagC | kFlagV));
    CHECK(env.fpsr == 0);
    CHECK(fp_compare(kQNaN1, s(1.0f), true, env) == (kFlagC | kFlagV));
    CHECK(env.fpsr == kFpsrIoc);
    env = env_with();
    CHECK(!fp_compare_eq(kQNaN1, kQNaN1, env));
    CHECK(env.fpsr == 0);
    CHECK(!fp_compare_ge(kQNaN1, s(1.0f), env));
    CHECK(env.fpsr == kFpsrIoc);
}

TEST_CASE("FPConvert: NaN payloads, the alternative half-precision format, round to odd") {
    FpEnv env = env_with();
    // A single NaN's payload moves to the top of a double's, and back.
    CHECK(fp_convert<std::uint64_t>(std::uint32_t{0x7fc1'2345}, Rounding::TieEven, env) == 0x7ff8'2468'a000'0000);
    CHECK(fp_convert<std::uint32_t>(std::uint64_t{0xfff8'2468'a000'0001}, Rounding::TieEven, env) == 0xffc1'2345);
    CHECK(fp_convert<std::uint16_t>(std::uint32_t{0x7f80'0001}, Rounding::TieEven, env) == 0x7e00);
    CHECK(env.fpsr == kFpsrIoc);
    // AHP: no infinities or NaNs; exponent 31 is a number; overflow saturates with Invalid.
    env = env_with(kFpcrAhp);
    CHECK(fp_convert<std::uint32_t>(std::uint16_t{0x7c00}, Rounding::TieEven, env) == s(65536.0f));
    CHECK(fp_convert<std::uint16_t>(s(1e10f), Rounding::TieEven, env) == 0x7fff);
    CHECK(env.fpsr == kFpsrIoc);
    env = env_with(kFpcrAhp);
    CHECK(fp_convert<std::uint16_t>(kQNaN1, Rounding::TieEven, env) == 0);
    CHECK(env.fpsr == kFpsrIoc);
    env = env_with();
    CHECK(fp_convert<std::uint16_t>(s(1e10f), Rounding::TieEven, env) == 0x7c00);
    CHECK(env.fpsr == (kFpsrOfc | kFpsrIxc));
}

TEST_CASE("FMOV (immediate) expansion and the estimates' tables") {
    CHECK(fp_expand_imm<std::uint32_t>(0x70) == s(1.0f));
    CHECK(fp_expand_imm<std::uint64_t>(0x00) == d(2.0));
    CHECK(fp_expand_imm<std::uint64_t>(0xf0) == d(-1.0));
    CHECK(fp_expand_imm<std::uint32_t>(0x7f) == s(1.9375f));
    FpEnv env = env_with();
    CHECK(fp_recip_estimate(s(2.0f), env) == s(0.4990234375f));
    CHECK(fp_rsqrt_estimate(s(4.0f), env) == s(0.4990234375f));
    CHECK(fp_recip_estimate(s(0.0f), env) == kInf);
    CHECK(env.fpsr == kFpsrDzc);
    CHECK(fp_recpx(s(3.0f), env) == s(1.0f));  // NOT(exponent): 2^1 -> 2^0
    CHECK(fp_recpx(s(0x1p-130f), env) == s(0x1p127f));  // denormals: the largest exponent
    CHECK(unsigned_recip_estimate(0x8000'0000) == 0xff80'0000);
    CHECK(unsigned_rsqrt_estimate(0x3fff'ffff) == 0xffff'ffff);
    CHECK(fp_recip_step(s(2.0f), s(0.5f), env) == s(1.0f));
    CHECK(fp_rsqrt_step(s(1.0f), s(1.0f), env) == s(1.0f));
}

TEST_CASE("the host FPU shortcut gives the pseudocode's bits, and leaves tiny results to it") {
    // With FPSR.IXC set and rounding to nearest, normal results come from the host FPU; with IXC
    // clear every operation takes the pseudocode's path. Both must agree on every result.
    std::uint64_t state = 0x9e37'79b9'7f4a'7c15;
    auto next = [&] {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return state;
    };
    unsigned host_paths = 0;
    for (int i = 0; i < 200000; ++i) {
        // Doubles with exponents near 1.0, or anywhere.
        std::uint64_t a = next(), b = next(), c = next();
        if (i & 1) {
            a = (a & 0x800f'ffff'ffff'ffff) | (std::uint64_t{0x3f0 + (next() % 32)} << 52);
            b = (b & 0x800f'ffff'ffff'ffff) | (std::uint64_t{0x3f0 + (next() % 32)} << 52);
            c = (c & 0x800f'ffff'ffff'ffff) | (std::uint64_t{0x3f0 + (next() % 32)} << 52);
        }
        FpEnv fast{0, kFpsrIxc}, slow{0, 0};
        CHECK(fp_add(a, b, fast) == fp_add(a, b, slow));
        CHECK(fp_sub(a, b, fast) == fp_sub(a, b, slow));
        CHECK(fp_mul(a, b, fast) == fp_mul(a, b, slow));
        CHECK(fp_div(a, b, fast) == fp_div(a, b, slow));
        CHECK(fp_sqrt(a, fast) == fp_sqrt(a, slow));
        CHECK(fp_mul_add(c, a, b, fast) == fp_mul_add(c, a, b, slow));
        const auto sa = static_cast<std::uint32_t>(a), sb = static_cast<std::uint32_t>(b);
        CHECK(fp_mul(sa, sb, fast) == fp_mul(sa, sb, slow));
        CHECK(fp_compare(a, b, false, fast) == fp_compare(a, b, false, slow));
        // The flags differ only where the slow path found the first inexact result.
        CHECK((fast.fpsr | kFpsrIxc) == (slow.fpsr | kFpsrIxc));
        host_paths += (slow.fpsr & ~kFpsrIxc) == 0;
    }
    CHECK(host_paths > 50000);
    // Normal operands whose product lies just below the normal range and rounds up to the
    // smallest normal: Underflow is raised (tininess before rounding) even with IXC set.
    const std::uint32_t a = s(1.5f * 0x1p-64f), target = s(0x1p-126f / (1.5f * 0x1p-64f));
    unsigned rounded_up = 0;
    for (std::uint32_t b = target - 8; b <= target + 8; ++b) {
        FpEnv slow{0, 0}, fast{0, kFpsrIxc};
        const std::uint32_t expected = fp_mul(a, b, slow);
        if (expected != kMinNormal || !(slow.fpsr & kFpsrUfc)) continue;
        ++rounded_up;
        CHECK(fp_mul(a, b, fast) == kMinNormal);
        CHECK(fast.fpsr == (kFpsrIxc | kFpsrUfc));
    }
    CHECK(rounded_up > 0);
}
