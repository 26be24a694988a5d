// The interpreter across host threads: the global exclusive monitor (a store by another vCPU
// clears a mark), exclusives and LSE atomics from two threads at once, kicks, and decoded
// code dropped at another thread's request.
#include <doctest/doctest.h>

#include <array>
#include <chrono>
#include <thread>

#include "emulator/exception_class.h"
#include "support/cpu_fixture.h"

using namespace trapeze;
using namespace trapeze::test;

namespace {

constexpr std::uint32_t LDXR = 0xc85f7c02;        // ldxr x2, [x0]
constexpr std::uint32_t STXR = 0xc8037c02;        // stxr w3, x2, [x0]
constexpr std::uint32_t STR = 0xf9000002;         // str x2, [x0]
constexpr std::uint32_t STR_NEXT = 0xf9002002;    // str x2, [x0, #64]: the next granule
constexpr std::uint32_t HVC = 0xd4000002;         // hvc #0

// Two vCPUs of one VM: one memory, one global monitor, an interpreter each.
struct TwoVcpus {
    GuestMemory memory{kRamBase, kRamSize};
    GlobalMonitor monitor;
    Cpu a, b;

    TwoVcpus() {
        a.attach(memory, monitor, 0);
        b.attach(memory, monitor, 1);
        a.set_strict_alignment(false);
        b.set_strict_alignment(false);
    }
    void code(std::uint64_t pa, std::initializer_list<std::uint32_t> words) {
        std::vector<std::uint32_t> w(words);
        memory.write(pa, w.data(), w.size() * 4);
    }
    // Run `cpu` from `pc` for `n` instructions on a thread of its own.
    static RunResult on_thread(Cpu& cpu, std::uint64_t pc, std::uint64_t n) {
        RunResult result;
        std::thread t([&] {
            cpu.regs.pc = pc;
            result = cpu.run(n);
        });
        t.join();
        return result;
    }
};

}  // namespace

TEST_CASE("global monitor: a store by vCPU B on another thread clears vCPU A's mark, even of the same value") {
    TwoVcpus m;
    m.code(kCodeBase, {LDXR, STXR, STR, STR_NEXT});
    std::uint64_t value = 5;
    m.memory.write(kDataBase, &value, 8);
    m.a.regs.x[0] = m.b.regs.x[0] = kDataBase;
    m.b.regs.x[2] = 5;
    TwoVcpus::on_thread(m.b, kCodeBase + 8, 1);  // B stores there once: the page is in its write cache

    SUBCASE("B stores the value A read: A's STXR fails") {
        TwoVcpus::on_thread(m.a, kCodeBase, 1);  // ldxr
        CHECK(m.monitor.holds(0, kDataBase));
        TwoVcpus::on_thread(m.b, kCodeBase + 8, 1);  // str (the same 5)
        CHECK_FALSE(m.monitor.holds(0, kDataBase));
        m.a.regs.x[2] = 6;
        TwoVcpus::on_thread(m.a, kCodeBase + 4, 1);  // stxr
        CHECK(m.a.regs.x[3] == 1);
        m.memory.read(kDataBase, &value, 8);
        CHECK(value == 5);
    }
    SUBCASE("B stores to the next granule: A's STXR succeeds") {
        TwoVcpus::on_thread(m.a, kCodeBase, 1);
        TwoVcpus::on_thread(m.b, kCodeBase + 12, 1);  // str [x0, #64]
        CHECK(m.monitor.holds(0, kDataBase));
        m.a.regs.x[2] = 6;
        TwoVcpus::on_thread(m.a, kCodeBase + 4, 1);
        CHECK(m.a.regs.x[3] == 0);
        m.memory.read(kDataBase, &value, 8);
        CHECK(value == 6);
    }
    SUBCASE("B's own exclusive store clears A's mark") {
        TwoVcpus::on_thread(m.a, kCodeBase, 1);
        TwoVcpus::on_thread(m.b, kCodeBase, 2);  // B: ldxr, stxr (succeeds)
        CHECK(m.b.regs.x[3] == 0);
        TwoVcpus::on_thread(m.a, kCodeBase + 4, 1);
        CHECK(m.a.regs.x[3] == 1);
    }
}

TEST_CASE("exclusives and LSE atomics from two host threads at once: 10^6 increments each, none lost") {
    constexpr std::uint64_t kIncrements = 1'000'000;
    constexpr std::uint64_t kExclusiveLoop = kCodeBase, kLdaddLoop = kCodeBase + 0x1000;
    TwoVcpus m;
    m.code(kExclusiveLoop, {LDXR,
                            0x91000442,   // add x2, x2, #1
                            STXR,
                            0x35ffffa3,   // cbnz w3, 1b
                            0xf1000421,   // subs x1, x1, #1
                            0x54ffff61,   // b.ne 1b
                            HVC});
    m.code(kLdaddLoop, {0xd2800024,       // mov x4, #1
                        0xf8240005,       // 1: ldadd x4, x5, [x0]
                        0xf1000421,       // subs x1, x1, #1
                        0x54ffffc1,       // b.ne 1b
                        HVC});
    struct Case {
        const char* name;
        std::uint64_t a_loop, b_loop;
    };
    for (const Case c : {Case{"LDXR/STXR on both", kExclusiveLoop, kExclusiveLoop},
                         Case{"LDADD on both", kLdaddLoop, kLdaddLoop},
                         Case{"LDXR/STXR against LDADD", kExclusiveLoop, kLdaddLoop}}) {
        CAPTURE(c.name);
        const std::uint64_t zero = 0;
        m.memory.write(kDataBase, &zero, 8);
        auto run = [&](Cpu& cpu, std::uint64_t pc) {
            cpu.regs.x[0] = kDataBase;
            cpu.regs.x[1] = kIncrements;
            cpu.regs.pc = pc;
            RunResult r;
            do r = cpu.run(1ull << 40);  // the stragglers of a kick-free run: none expected
            while (r.exit.reason != ExitReason::Exception);
            CHECK(r.exit.ec() == ExceptionClass::Hvc64);
        };
        std::thread ta([&] { run(m.a, c.a_loop); });
        std::thread tb([&] { run(m.b, c.b_loop); });
        ta.join();
        tb.join();
        std::uint64_t counter = 0;
        m.memory.read(kDataBase, &counter, 8);
        CHECK(counter == 2 * kIncrements);
    }
}

TEST_CASE("a kick before run() returns at once; a kick from another thread stops a run at a boundary") {
    CpuFixture f;
    f.memory.write(kCodeBase, std::array<std::uint32_t, 2>{0x91000421, 0x17ffffff}.data(), 8);  // 1: add x1, x1, #1; b 1b
    f.cpu.regs.pc = kCodeBase;
    f.cpu.kick();
    RunResult r = f.cpu.run(1000);
    CHECK(r.exit.reason == ExitReason::Kick);
    CHECK(r.retired == 0);
    CHECK(f.cpu.regs.pc == kCodeBase);
    // The kick is used up: the next run goes on.
    r = f.cpu.run(10);
    CHECK(r.exit.reason == ExitReason::InstructionLimit);
    CHECK(f.x(1) == 5);

    f.x(1) = 0;
    f.cpu.regs.pc = kCodeBase;
    std::thread kicker([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        f.cpu.kick();
    });
    r = f.cpu.run(1ull << 50);
    kicker.join();
    CHECK(r.exit.reason == ExitReason::Kick);
    // It stopped between two instructions: every add it retired is in x1, and the PC is
    // where the next one starts.
    const bool after_add = f.cpu.regs.pc == kCodeBase + 4;
    CHECK((f.cpu.regs.pc == kCodeBase || after_add));
    CHECK(r.retired == 2 * f.x(1) - (after_add ? 1 : 0));
    CHECK(r.retired > 0);
}

TEST_CASE("decoded code is dropped at another thread's request, at the next boundary") {
    CpuFixture f;
    f.memory.write(kCodeBase, std::array<std::uint32_t, 2>{0xd2800020, 0x17ffffff}.data(), 8);  // 1: mov x0, #1; b 1b
    f.cpu.regs.pc = kCodeBase;
    f.cpu.run(2);
    CHECK(f.x(0) == 1);
    const std::uint32_t mov42 = 0xd2800540;  // mov x0, #42
    std::thread writer([&] {
        f.memory.write(kCodeBase, &mov42, 4);  // as the VMM writes code for another vCPU
        f.memory.decoded_code().invalidate(kCodeBase, 4, nullptr);
    });
    writer.join();
    f.cpu.run(2);
    CHECK(f.x(0) == 42);
}

TEST_CASE("decoded code: a store by a vCPU on another thread stops the loop a vCPU runs there, without IC") {
    TwoVcpus m;
    constexpr std::uint64_t kLoop = kCodeBase + 0x1000;
    constexpr std::uint32_t B_SELF = 0x14000000;  // 1: b 1b
    m.code(kLoop, {B_SELF});
    m.code(kCodeBase, {0xb9000041, HVC});  // str w1, [x2]; hvc #0
    RunResult looped;
    std::thread looper([&] {
        m.b.regs.pc = kLoop;
        looped = m.b.run(4'000'000'000ull);  // many seconds, unless the store reaches it
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // it runs the decoded loop by now
    m.a.regs.x[1] = HVC;
    m.a.regs.x[2] = kLoop;
    m.a.regs.pc = kCodeBase;
    CHECK(m.a.run(2).exit.reason == ExitReason::Exception);  // the store, then its own HVC
    looper.join();
    CHECK(looped.exit.reason == ExitReason::Exception);
    CHECK(looped.exit.ec() == ExceptionClass::Hvc64);
    CHECK(looped.exit.pc == kLoop);
    CHECK(looped.retired < 4'000'000'000ull);
}
