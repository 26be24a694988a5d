// The dirty log (live migration): the interpreter's stores and the VMM's own writes are
// recorded, each page once per fetch, and a page in the write cache does not hide its next
// write after a fetch has emptied the caches.
#include <doctest/doctest.h>

#include <vector>

#include "support/cpu_fixture.h"

using namespace trapeze;
using namespace trapeze::test;

namespace {

constexpr std::uint64_t D = kDataBase;
constexpr std::uint64_t kDataPage = (kDataBase - kRamBase) >> 12;  // its index in the log

using Pages = std::vector<std::uint64_t>;

struct LoggedCpu : CpuFixture {
    GlobalMonitor monitor;  // the VM's: it reaches every interpreter's write cache
    LoggedCpu() {
        cpu.attach(memory, monitor, 0);
        x(1) = D;
        x(2) = D + 3 * kPageSize;
        x(6) = 0x1234;
        // str x6, [x1]; str x6, [x2]; str x6, [x1, #8]: two pages, one of them twice
        run({0xf9000026, 0xf9000046, 0xf9000426});
    }
    Pages again() {  // the same stores, from the code already in place (no write to the code page)
        cpu.regs.pc = kCodeBase;
        cpu.run(3);
        return memory.dirty_log().fetch_and_clear();
    }
    Pages start() {
        memory.dirty_log().start();
        monitor.flush_all_write_caches();
        return {};
    }
    Pages fetch() {
        Pages dirty = memory.dirty_log().fetch_and_clear();
        monitor.flush_all_write_caches();
        return dirty;
    }
};

}  // namespace

TEST_CASE("dirty log: off, nothing is recorded") {
    LoggedCpu f;
    CHECK_FALSE(f.memory.dirty_log().on());
    CHECK(f.again().empty());
}

TEST_CASE("dirty log: each page the guest writes, once, from the slow path and through the write cache") {
    LoggedCpu f;  // its first run filled the write cache with both pages
    f.start();
    f.cpu.regs.pc = kCodeBase;
    f.cpu.run(3);
    CHECK(f.fetch() == Pages{kDataPage, kDataPage + 3});
    // The fetch emptied the write cache: the next round sees the same pages again.
    f.cpu.regs.pc = kCodeBase;
    f.cpu.run(3);
    CHECK(f.fetch() == Pages{kDataPage, kDataPage + 3});
    CHECK(f.fetch().empty());  // nothing written since
}

TEST_CASE("dirty log: the VMM's writes, across a page boundary, and nothing after it stops") {
    LoggedCpu f;
    f.start();
    const std::uint8_t bytes[16] = {1};
    f.memory.write(D + 5 * kPageSize - 8, bytes, sizeof bytes);  // the last 8 bytes of one page, 8 of the next
    CHECK(f.fetch() == Pages{kDataPage + 4, kDataPage + 5});
    f.memory.dirty_log().stop();
    f.memory.write(D, bytes, sizeof bytes);
    f.cpu.regs.pc = kCodeBase;
    f.cpu.run(3);
    CHECK(f.memory.dirty_log().fetch_and_clear().empty());
}
