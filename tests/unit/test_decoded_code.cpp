// Decoded code belongs to the VM: a store by one vCPU makes the code every other vCPU decoded
// from that page stale, and a CPU keeps a VM's decoded code while it runs another VM.
#include <doctest/doctest.h>

#include <initializer_list>
#include <vector>

#include "emulator/exception_class.h"
#include "support/cpu_fixture.h"

using namespace trapeze;
using namespace trapeze::test;

namespace {

constexpr std::uint32_t MOV1 = 0xd2800020;   // movz x0, #1
constexpr std::uint32_t MOV42 = 0xd2800540;  // movz x0, #42
constexpr std::uint32_t STR = 0xb9000041;    // str w1, [x2]
constexpr std::uint64_t kCodePage = kCodeBase + 0x1000;  // the code the tests rewrite
constexpr std::uint64_t kStorer = kCodeBase;             // the store that rewrites it

// Two vCPUs of one VM (one memory and global monitor, an interpreter each), as two pCPUs run
// them in lock-step.
struct TwoVcpus {
    GuestMemory memory{kRamBase, kRamSize};
    GlobalMonitor monitor;
    Cpu a, b;

    TwoVcpus() {
        a.attach(memory, monitor, 0);
        b.attach(memory, monitor, 1);
        a.set_strict_alignment(false);
        b.set_strict_alignment(false);
        write(kStorer, {STR});
        write(kCodePage, {MOV1});
    }
    void write(std::uint64_t pa, std::initializer_list<std::uint32_t> words) {
        std::vector<std::uint32_t> w(words);
        memory.write(pa, w.data(), w.size() * 4);
        memory.decoded_code().invalidate(pa, w.size() * 4, nullptr);  // as the VMM writes code
    }
    static RunResult run(Cpu& cpu, std::uint64_t pc, std::uint64_t n) {
        cpu.regs.pc = pc;
        return cpu.run(n);
    }
    // `cpu` stores `word` at `pa` with its STR.
    static void store(Cpu& cpu, std::uint64_t pa, std::uint32_t word) {
        cpu.regs.x[1] = word;
        cpu.regs.x[2] = pa;
        CHECK(run(cpu, kStorer, 1).retired == 1);
    }
};

}  // namespace

TEST_CASE("decoded code: a store by one vCPU makes the code another vCPU decoded there stale") {
    TwoVcpus m;
    TwoVcpus::run(m.b, kCodePage, 1);
    CHECK(m.b.regs.x[0] == 1);
    TwoVcpus::store(m.a, kCodePage, MOV42);  // no IC IVAU: the store alone
    TwoVcpus::run(m.b, kCodePage, 1);
    CHECK(m.b.regs.x[0] == 42);
    // Decoded again by B, rewritten again by A.
    TwoVcpus::store(m.a, kCodePage, MOV1);
    TwoVcpus::run(m.b, kCodePage, 1);
    CHECK(m.b.regs.x[0] == 1);
}

TEST_CASE("decoded code: a page in a vCPU's write cache that another vCPU runs as code leaves that cache") {
    TwoVcpus m;
    TwoVcpus::store(m.a, kCodePage + 8, 0);  // data for A: the page is in A's write cache
    TwoVcpus::run(m.b, kCodePage, 1);        // B decodes code from it
    CHECK(m.b.regs.x[0] == 1);
    TwoVcpus::store(m.a, kCodePage, MOV42);  // A's store must not take its write cache
    TwoVcpus::run(m.b, kCodePage, 1);
    CHECK(m.b.regs.x[0] == 42);
}

TEST_CASE("decoded code: a CPU keeps a VM's decoded code while it runs another VM") {
    TwoVcpus m;
    GuestMemory other{kRamBase, kRamSize};
    GlobalMonitor other_monitor;
    const std::uint32_t mov7 = 0xd28000e0;  // movz x0, #7
    other.write(kCodePage, &mov7, 4);

    TwoVcpus::run(m.a, kCodePage, 1);
    CHECK(m.a.regs.x[0] == 1);
    m.a.attach(other, other_monitor, 0);  // a VM switch
    TwoVcpus::run(m.a, kCodePage, 1);
    CHECK(m.a.regs.x[0] == 7);
    m.a.attach(m.memory, m.monitor, 0);  // and back
    // RAM changes behind the interpreter's back (no store, no invalidation): the kept decoded
    // instruction runs, which shows that the switch dropped nothing.
    m.memory.write(kCodePage, &MOV42, 4);
    TwoVcpus::run(m.a, kCodePage, 1);
    CHECK(m.a.regs.x[0] == 1);
    // The other VM's decoded code was kept too.
    m.a.attach(other, other_monitor, 0);
    const std::uint32_t mov9 = 0xd2800120;  // movz x0, #9
    other.write(kCodePage, &mov9, 4);
    TwoVcpus::run(m.a, kCodePage, 1);
    CHECK(m.a.regs.x[0] == 7);
}

TEST_CASE("decoded code: what went stale while a CPU ran another VM is dropped when it comes back") {
    TwoVcpus m;
    GuestMemory other{kRamBase, kRamSize};
    GlobalMonitor other_monitor;
    TwoVcpus::run(m.a, kCodePage, 1);
    CHECK(m.a.regs.x[0] == 1);

    SUBCASE("a store by another vCPU") {
        m.a.attach(other, other_monitor, 0);
        TwoVcpus::store(m.b, kCodePage, MOV42);
    }
    SUBCASE("the VMM writing code") {
        m.a.attach(other, other_monitor, 0);
        m.write(kCodePage, {MOV42});
    }
    SUBCASE("IC IALLU by another vCPU") {
        m.a.attach(other, other_monitor, 0);
        m.memory.write(kCodePage, &MOV42, 4);
        m.b.invalidate_all_code();
    }
    m.a.attach(m.memory, m.monitor, 0);
    TwoVcpus::run(m.a, kCodePage, 1);
    CHECK(m.a.regs.x[0] == 42);
}

TEST_CASE("decoded code: IC IVAU by one vCPU drops the line's page on the others, and only that page") {
    TwoVcpus m;
    m.write(kCodePage + 0x1000, {MOV1});
    TwoVcpus::run(m.b, kCodePage, 1);
    TwoVcpus::run(m.b, kCodePage + 0x1000, 1);
    m.memory.write(kCodePage, &MOV42, 4);  // both pages change behind the interpreters' backs
    m.memory.write(kCodePage + 0x1000, &MOV42, 4);
    m.a.invalidate_code(kCodePage, 4);  // the guest's IC IVAU on A, for the first only
    TwoVcpus::run(m.b, kCodePage, 1);
    CHECK(m.b.regs.x[0] == 42);
    TwoVcpus::run(m.b, kCodePage + 0x1000, 1);
    CHECK(m.b.regs.x[0] == 1);
}
