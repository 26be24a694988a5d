// The interpreter across host threads: the global exclusive monitor (a store by another vCPU
// clears a mark), exclusives and LSE atomics from two threads at once, kicks, and decoded
// code dropped at another thread's request.
#include <doctest/doctest.h>

#include <array>
#include <chrono>
#include <condition_variable>
#include <mutex>
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
constexpr std::uint32_t WFE = 0xd503205f;
constexpr std::uint32_t SEV = 0xd503209f;
constexpr std::uint32_t SEVL = 0xd50320bf;
constexpr std::uint32_t B_NEXT = 0x14000001;      // b .+4: ends a straight-line stretch

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

TEST_CASE("the event register: WFE completes when it is set (clearing it), and exits when it is clear") {
    constexpr std::uint64_t kWaits = kCodeBase, kSev = kCodeBase + 0x100, kMarkAndStore = kCodeBase + 0x200;
    constexpr std::uint32_t kWfeEsr = (0x01u << 26) | (1u << 25) | (1u << 24) | (0xeu << 20) | 1u;  // EC 0x01, IL, CV, COND AL, TI WFE
    TwoVcpus m;
    m.code(kWaits, {SEVL, WFE, WFE, HVC});
    m.code(kSev, {SEV, HVC});
    m.code(kMarkAndStore, {LDXR, HVC, STR_NEXT, HVC, STR, HVC});
    m.a.regs.x[0] = m.b.regs.x[0] = kDataBase;
    RunResult r = TwoVcpus::on_thread(m.a, kWaits, 100);
    // SEVL set it, the first WFE cleared it and went on, the second exits.
    CHECK(r.exit.reason == ExitReason::Exception);
    CHECK(r.exit.pc == kWaits + 8);
    CHECK(r.exit.esr == kWfeEsr);
    CHECK(r.retired == 2);
    CHECK_FALSE(m.monitor.event_pending(0));
    CHECK_FALSE(m.monitor.event_pending(1));

    SUBCASE("SEVL is for this vCPU only") {
        TwoVcpus::on_thread(m.a, kWaits, 1);
        CHECK(m.monitor.event_pending(0));
        CHECK_FALSE(m.monitor.event_pending(1));
    }
    SUBCASE("SEV by B sets every register: A's WFE completes") {
        TwoVcpus::on_thread(m.b, kSev, 100);
        CHECK(m.monitor.event_pending(0));
        CHECK(m.monitor.event_pending(1));
        r = TwoVcpus::on_thread(m.a, kWaits + 4, 100);
        CHECK(r.exit.pc == kWaits + 8);
        CHECK(r.retired == 1);
    }
    SUBCASE("B's store that clears A's mark sets A's register; a store to the next granule does not") {
        TwoVcpus::on_thread(m.b, kMarkAndStore + 8, 1);  // B stores once: the page is in its write cache
        TwoVcpus::on_thread(m.a, kMarkAndStore, 1);       // ldxr
        TwoVcpus::on_thread(m.b, kMarkAndStore + 8, 1);  // str [x0, #64]
        CHECK(m.monitor.holds(0, kDataBase));
        CHECK_FALSE(m.monitor.event_pending(0));
        TwoVcpus::on_thread(m.b, kMarkAndStore + 16, 1);  // str [x0]
        CHECK_FALSE(m.monitor.holds(0, kDataBase));
        CHECK(m.monitor.event_pending(0));
        CHECK_FALSE(m.monitor.event_pending(1));
        r = TwoVcpus::on_thread(m.a, kWaits + 4, 100);
        CHECK(r.retired == 1);
    }
    SUBCASE("A's own store to its marked granule is no event") {
        TwoVcpus::on_thread(m.a, kMarkAndStore, 1);
        TwoVcpus::on_thread(m.a, kMarkAndStore + 16, 1);
        CHECK_FALSE(m.monitor.event_pending(0));
    }
}

TEST_CASE("a mark made while another interpreter runs: its stores through the write cache owe an event, and send it") {
    // B stores to the page (it enters B's write cache), then, inside B's next run, A's LDXR
    // marks a granule there (from B's exit hook: deterministic, one thread). B's STR after it
    // goes through the write cache, which looks for no mark: when B drops the page (at its
    // next attention check, here the run's end) it sends A the event that store owed.
    constexpr std::uint64_t kMark = kCodeBase, kStores = kCodeBase + 0x100, kNoStore = kCodeBase + 0x200;
    TwoVcpus m;
    m.code(kMark, {LDXR, HVC});
    m.code(kStores, {STR, HVC, STR, B_NEXT, STR_NEXT, HVC});
    m.code(kNoStore, {HVC, B_NEXT});
    m.a.regs.x[0] = m.b.regs.x[0] = kDataBase;
    TwoVcpus::on_thread(m.b, kStores, 1);  // B stores once: the page is in its write cache
    struct MarkOnHvc {
        TwoVcpus* m;
        int hvcs = 0;
    } hook{&m};
    const auto mark_by_a = [](void* context, const Exit& exit) {
        auto& h = *static_cast<MarkOnHvc*>(context);
        if (++h.hvcs == 1) {
            h.m->a.regs.pc = kMark;
            h.m->a.run(1);  // A's ldxr
        }
        h.m->b.regs.pc = exit.pc + 4;
        return true;
    };
    m.b.set_exit_hook(mark_by_a, &hook);

    SUBCASE("B stores there after the mark, in the same run: A's register is set, its mark stays") {
        const RunResult r = [&] {
            m.b.regs.pc = kStores + 4;
            return m.b.run(3);  // hvc (A marks), str [x0] through the cache, b .+4
        }();
        CHECK(r.retired == 3);
        CHECK(m.monitor.holds(0, kDataBase));  // the store looked for no mark...
        CHECK(m.monitor.event_pending(0));     // ...and the event came when B dropped the page
        CHECK_FALSE(m.monitor.event_pending(1));
        // The page is out of B's write cache now: B's next store there clears the mark.
        m.b.set_exit_hook(nullptr, nullptr);
        CHECK(m.monitor.take_event(0));
        TwoVcpus::on_thread(m.b, kStores, 1);
        CHECK_FALSE(m.monitor.holds(0, kDataBase));
        CHECK(m.monitor.event_pending(0));
    }
    SUBCASE("the mark came before B's run: B drops the page first and owes nothing") {
        m.b.set_exit_hook(nullptr, nullptr);
        TwoVcpus::on_thread(m.a, kMark, 1);  // ldxr, while B is off its pCPU
        m.b.regs.pc = kStores + 16;
        m.b.run(1);  // str [x0, #64]: the next granule, no clear and no event
        CHECK(m.monitor.holds(0, kDataBase));
        CHECK_FALSE(m.monitor.event_pending(0));
    }
    SUBCASE("B's write cache does not hold A's page: no event") {
        m.b.flush_tlb();  // empties every fast cache, the write cache with them
        m.b.regs.pc = kNoStore;
        m.b.run(2);  // hvc: A marks; b .+4
        CHECK(m.monitor.holds(0, kDataBase));
        CHECK_FALSE(m.monitor.event_pending(0));
    }
}

TEST_CASE("an event for a vCPU that waits in WFE is noted for the VMM, and kicks the sender") {
    TwoVcpus m;
    m.code(kCodeBase, {SEV, B_NEXT, 0xd503201f, HVC});  // sev; b .+4; nop; hvc
    SUBCASE("nobody waits: no kick, nothing noted") {
        const RunResult r = TwoVcpus::on_thread(m.b, kCodeBase, 100);
        CHECK(r.exit.reason == ExitReason::Exception);
        CHECK(r.retired == 3);
        CHECK(m.monitor.take_woken() == 0);
    }
    SUBCASE("A waits: B's run stops right after its SEV, and A is noted") {
        CHECK(m.monitor.begin_wait(0));
        const RunResult r = TwoVcpus::on_thread(m.b, kCodeBase, 100);
        CHECK(r.exit.reason == ExitReason::Kick);
        CHECK(r.retired == 1);
        CHECK(r.exit.pc == kCodeBase + 4);
        CHECK(m.monitor.take_woken() == 0b01);
        CHECK(m.monitor.take_woken() == 0);
        CHECK(m.monitor.event_pending(0));
    }
    SUBCASE("an event already registered: the vCPU does not begin to wait") {
        m.monitor.send_event(0, GlobalMonitor::kMaxVcpus);
        CHECK_FALSE(m.monitor.begin_wait(0));
        CHECK_FALSE(m.monitor.waiting(0));
        CHECK(m.monitor.take_woken() == 0);
    }
}

TEST_CASE("events from one host thread to a waiter on another: none lost in 10^5 hand-overs") {
    // Two vCPUs hand a turn back and forth; each waits for its turn in WFE. The host side does
    // what the VMM does with a trapped WFE: begin_wait(), then sleep until take_woken() or an
    // event says so. A lost event leaves both asleep: the test would hang (and time out).
    constexpr std::uint64_t kRounds = 100'000;
    constexpr std::uint64_t kTurn = kDataBase;
    // x0 = &turn, w1 = my turn (0 or 1), x2 = rounds left:
    // 1: ldaxr w3, [x0]; cmp w3, w1; b.eq 2f; wfe; b 1b
    // 2: eor w3, w3, #1; stlr w3, [x0]; sev; subs x2, x2, #1; b.ne 1b; hvc #0
    const std::vector<std::uint32_t> loop = {0x885ffc03, 0x6b01007f, 0x54000060, WFE, 0x17fffffc,
                                             0x52000063, 0x889ffc03, SEV, 0xf1000442, 0x54fffee1, HVC};
    TwoVcpus m;
    m.memory.write(kCodeBase, loop.data(), loop.size() * 4);
    std::mutex lock;
    std::condition_variable woken;
    std::uint64_t waits = 0;
    auto vcpu = [&](Cpu& cpu, unsigned index) {
        cpu.regs.x[0] = kTurn;
        cpu.regs.x[1] = index;
        cpu.regs.x[2] = kRounds;
        cpu.regs.pc = kCodeBase;
        for (;;) {
            const RunResult r = cpu.run(1ull << 40);
            {
                // As the VMM after a slice: wake the waiters an event reached.
                const std::lock_guard hold(lock);
                if (m.monitor.take_woken()) woken.notify_all();
            }
            if (r.exit.reason != ExitReason::Exception) continue;
            if (r.exit.ec() == ExceptionClass::Hvc64) return;
            REQUIRE(r.exit.ec() == ExceptionClass::WfiWfe);
            cpu.regs.pc = r.exit.pc + 4;
            std::unique_lock hold(lock);
            ++waits;
            if (!m.monitor.begin_wait(index)) continue;  // an event came meanwhile: the WFE completes
            woken.wait(hold, [&] { return m.monitor.event_pending(index); });
            m.monitor.end_wait(index);
        }
    };
    std::thread ta([&] { vcpu(m.a, 0); });
    std::thread tb([&] { vcpu(m.b, 1); });
    ta.join();
    tb.join();
    std::uint32_t turn = 2;
    m.memory.read(kTurn, &turn, 4);
    CHECK(turn == 0);  // 2 * 10^5 hand-overs
    CHECK(waits > 0);
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
    // It runs the decoded loop once the page is marked as code (and the store must stop it).
    while (!m.memory.decoded_code().holds_code(kLoop >> kPageBits)) std::this_thread::yield();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
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
