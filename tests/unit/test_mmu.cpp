// The guest's stage-1 MMU: walks from every start level, blocks, every fault at every level,
// permissions at EL0 and EL1, the hierarchical controls, alignment by memory type, the SP
// alignment check, unprivileged accesses, instruction fetch, stage-2 exits, and the TLB's
// life: stale until the matching TLBI, tagged by ASID, one fast-cache bank per EL.
//
// Descriptors and syndromes are spelled out here from the manual, not taken from the
// implementation's constants, so a wrong constant there shows up as a failure here.
#include <doctest/doctest.h>

#include <string>

#include "emulator/exception_class.h"
#include "support/cpu_fixture.h"

using namespace trapeze;
using namespace trapeze::test;

namespace {

// ---- VMSAv8-64 stage-1 descriptors, 4 KiB granule (D5.3).
namespace desc {
constexpr std::uint64_t kTable = 0b11;  // levels 0..2
constexpr std::uint64_t kPage = 0b11;   // level 3
constexpr std::uint64_t kBlock = 0b01;  // levels 1, 2
constexpr std::uint64_t kAF = 1ull << 10;
constexpr std::uint64_t kNG = 1ull << 11;
constexpr std::uint64_t kPXN = 1ull << 53;
constexpr std::uint64_t kUXN = 1ull << 54;
constexpr std::uint64_t kPXNTable = 1ull << 59;
constexpr std::uint64_t kUXNTable = 1ull << 60;
constexpr std::uint64_t kAPTableNoEl0 = 1ull << 61;
constexpr std::uint64_t kAPTableReadOnly = 1ull << 62;
constexpr std::uint64_t ap(unsigned ap21) { return std::uint64_t{ap21} << 6; }
constexpr std::uint64_t kNormal = 0u << 2;    // AttrIndx 0
constexpr std::uint64_t kDevice = 1u << 2;    // AttrIndx 1
constexpr std::uint64_t kNormalNc = 2u << 2;  // AttrIndx 2
constexpr std::uint64_t kInnerShareable = 3u << 8;
constexpr std::uint64_t kAddress = 0x0000'ffff'ffff'f000;
}  // namespace desc

// MAIR_EL1: Attr0 Normal write-back, Attr1 Device-nGnRnE, Attr2 Normal non-cacheable.
constexpr std::uint64_t kMair = 0x44'00ff;
// SCTLR_EL1 at reset (RES1 bits, nTWI, nTWE) and its bits.
constexpr std::uint64_t kSctlrReset = 0x30D0'0800;
constexpr std::uint64_t kSctlrM = 1u << 0, kSctlrA = 1u << 1, kSctlrSA = 1u << 3, kSctlrSA0 = 1u << 4,
                        kSctlrWXN = 1u << 19;
// TCR_EL1: TG1 = 0b10 (4 KiB) so both halves walk 4 KiB tables; EPD0/EPD1; A1; AS.
constexpr std::uint64_t kTcrTg1_4k = 0b10ull << 30, kTcrEPD0 = 1ull << 7, kTcrEPD1 = 1ull << 23,
                        kTcrA1 = 1ull << 22, kTcrAS = 1ull << 36;

// Leaf attributes: AF set, Normal, inner shareable, and AP[2:1].
constexpr std::uint64_t kEl1ReadWrite = desc::kAF | desc::kNormal | desc::kInnerShareable | desc::ap(0b00);
constexpr std::uint64_t kReadWrite = desc::kAF | desc::kNormal | desc::kInnerShareable | desc::ap(0b01);
constexpr std::uint64_t kEl1ReadOnly = desc::kAF | desc::kNormal | desc::kInnerShareable | desc::ap(0b10);
constexpr std::uint64_t kReadOnly = desc::kAF | desc::kNormal | desc::kInnerShareable | desc::ap(0b11);
constexpr std::uint64_t kCode = kReadOnly;  // read-only at both ELs: executable at both
constexpr std::uint64_t kDeviceReadWrite = desc::kAF | desc::kDevice | desc::kInnerShareable | desc::ap(0b00);

// ESR values: EC, IL = 1, ISS.
constexpr std::uint32_t kDataAbort = 0x9200'0000;         // EC 0x24
constexpr std::uint32_t kInstructionAbort = 0x8200'0000;  // EC 0x20
constexpr std::uint32_t kSpAlignmentFault = 0x9A00'0000;  // EC 0x26, ISS 0
constexpr std::uint32_t kWnR = 1u << 6;

// The physical pages the tests map: the code page, data pages, a pool for tables.
constexpr std::uint64_t kTablePool = kRamBase + 0xC'0000;  // 64 pages up to the end of RAM
constexpr std::uint64_t P1 = kDataBase, P2 = kDataBase + 0x1000, P3 = kDataBase + 0x2000;
constexpr std::uint64_t kNotRam = 0x8000'0000;  // inside the 32-bit PA space, outside RAM and MMIO
constexpr std::uint64_t kUart = 0x0900'0000;

// Instructions.
constexpr std::uint32_t LDR_X0_X1 = 0xf9400020;   // ldr x0, [x1]
constexpr std::uint32_t STR_X2_X1 = 0xf9000022;   // str x2, [x1]
constexpr std::uint32_t STR_W2_X1 = 0xb9000022;   // str w2, [x1]
constexpr std::uint32_t LDR_X0_SP = 0xf94003e0;   // ldr x0, [sp]
constexpr std::uint32_t LDTR_X0_X1 = 0xf8400820;  // ldtr x0, [x1]
constexpr std::uint32_t STTR_X2_X1 = 0xf8000822;  // sttr x2, [x1]
constexpr std::uint32_t BR_X3 = 0xd61f0060;       // br x3
constexpr std::uint32_t MOV_X5_1 = 0xd2800025;    // mov x5, #1
constexpr std::uint32_t NOP = 0xd503201f;

// A CPU whose guest has the MMU on: TTBR0 and TTBR1 tables in RAM, the code page mapped
// read-only (so executable at EL0 and EL1), at virtual EL1 unless a test says otherwise.
struct MmuFixture : CpuFixture {
    TranslationRegime regime;
    std::uint64_t next_table = kTablePool;
    std::uint64_t code_va = kCodeBase;

    // `va_bits` of virtual address in each half: 48 (walks start at level 0), 39 (level 1)
    // or 30 (level 2; the code then runs at VA 0x1000_0000, below 1 GiB).
    explicit MmuFixture(unsigned va_bits = 39) {
        cpu.set_strict_alignment(true);  // as the VMM does: the MMU decides, not the fixture
        regime.el = 1;
        regime.sctlr = kSctlrReset | kSctlrM;
        regime.tcr = (64 - va_bits) | (std::uint64_t{64 - va_bits} << 16) | kTcrTg1_4k;
        regime.mair = kMair;
        regime.ttbr0 = new_table();
        regime.ttbr1 = new_table();
        if (va_bits < 31) code_va = 0x1000'0000;
        map_page(code_va, kCodeBase, kCode);
        apply();
    }

    void apply() { cpu.set_translation(regime); }
    void at_el(unsigned el) {
        regime.el = el;
        apply();
    }

    std::uint64_t new_table() {
        const std::uint64_t table = next_table;
        next_table += 0x1000;
        REQUIRE(next_table <= kRamBase + kRamSize);
        return table;
    }
    unsigned va_bits(bool upper) const { return 64 - static_cast<unsigned>((regime.tcr >> (upper ? 16 : 0)) & 63); }
    static unsigned start_level(unsigned bits) { return bits > 39 ? 0 : bits > 30 ? 1 : 2; }

    // Where the descriptor for `va` at `level` lives; the table descriptors above it are
    // made when missing.
    std::uint64_t descriptor_address(std::uint64_t va, unsigned level) {
        const bool upper = va >> 63;
        std::uint64_t table = (upper ? regime.ttbr1 : regime.ttbr0) & desc::kAddress;
        for (unsigned l = start_level(va_bits(upper)); l <= level; ++l) {
            const std::uint64_t at = table + 8 * ((va >> (12 + 9 * (3 - l))) & 511);
            if (l == level) return at;
            std::uint64_t d = get<std::uint64_t>(at);
            if ((d & 3) != desc::kTable) {
                d = new_table() | desc::kTable;
                put(at, d);
            }
            table = d & desc::kAddress;
        }
        return 0;
    }
    void set(std::uint64_t va, unsigned level, std::uint64_t descriptor) { put(descriptor_address(va, level), descriptor); }
    std::uint64_t descriptor(std::uint64_t va, unsigned level) { return get<std::uint64_t>(descriptor_address(va, level)); }
    void map_page(std::uint64_t va, std::uint64_t pa, std::uint64_t attrs = kEl1ReadWrite) {
        set(va, 3, pa | attrs | desc::kPage);
    }
    void map_block(std::uint64_t va, std::uint64_t pa, unsigned level, std::uint64_t attrs = kEl1ReadWrite) {
        set(va, level, pa | attrs | desc::kBlock);
    }
    // Add bits to the table descriptor at `level` on the way to `va`.
    void table_bits(std::uint64_t va, unsigned level, std::uint64_t bits) {
        const std::uint64_t at = descriptor_address(va, level);
        put(at, get<std::uint64_t>(at) | bits);
    }

    // Run `words` from the start of the code page (at code_va).
    RunResult go(std::initializer_list<std::uint32_t> words, std::uint64_t budget = 0) {
        std::vector<std::uint32_t> code(words);
        memory.write(kCodeBase, code.data(), code.size() * 4);
        cpu.invalidate_code(kCodeBase, code.size() * 4);
        cpu.regs.pc = code_va;
        return cpu.run(budget ? budget : code.size());
    }
    void tlbi(TlbInvalidation::Scope scope, std::uint64_t va = 0, std::uint16_t asid = 0, bool last_level = false) {
        cpu.invalidate_tlb({scope, va, asid, last_level});
    }
};

// The whole register file and the exit after a run that raised an exception at `pc`.
void check_fault(const MmuFixture& f, const RunResult& r, const RegisterFile& before, std::uint32_t esr,
                 std::uint64_t far, std::uint64_t pc, std::uint64_t retired = 0) {
    CHECK(r.exit.reason == ExitReason::Exception);
    CHECK(r.exit.esr == esr);
    CHECK(r.exit.far == far);
    CHECK(r.exit.pc == pc);
    CHECK_FALSE(r.exit.stage2);
    CHECK(r.retired == retired);
    RegisterFile expected = before;
    expected.pc = pc;
    CHECK(f.cpu.regs.x == expected.x);
    CHECK(f.cpu.regs.pc == expected.pc);
    CHECK(f.cpu.regs.nzcv == expected.nzcv);
}

// ... after a run that completed `retired` instructions and changed only x0 (to `x0`).
void check_loaded(const MmuFixture& f, const RunResult& r, const RegisterFile& before, std::uint64_t x0,
                  std::uint64_t retired = 1) {
    CHECK(r.exit.reason == ExitReason::InstructionLimit);
    CHECK(r.retired == retired);
    RegisterFile expected = before;
    expected.x[0] = x0;
    expected.pc = f.code_va + 4 * retired;
    CHECK(f.cpu.regs.x == expected.x);
    CHECK(f.cpu.regs.pc == expected.pc);
}

// Load x0 from `va`; return the run and the registers before it.
struct Attempt {
    RunResult r;
    RegisterFile before;
};
Attempt load_from(MmuFixture& f, std::uint64_t va, std::uint32_t word = LDR_X0_X1) {
    f.x(0) = 0xdead'beef;
    f.x(1) = va;
    f.x(2) = 0x2222'2222'2222'2222;
    const RegisterFile before = f.cpu.regs;
    const RunResult r = f.go({word});
    return {r, before};
}
Attempt store_to(MmuFixture& f, std::uint64_t va, std::uint32_t word = STR_X2_X1) { return load_from(f, va, word); }

}  // namespace

// ---------------------------------------------------------------- walks

TEST_CASE("a walk from each start level translates loads and stores to a page elsewhere") {
    struct Case {
        unsigned va_bits;
        std::uint64_t va;
        unsigned steps;
    };
    const Case cases[] = {
        {48, 0x0000'7a5a'5a5a'5000, 4},  // T0SZ 16: levels 0..3
        {39, 0x0000'005a'5a5a'5000, 3},  // T0SZ 25: levels 1..3
        {30, 0x0000'0000'1a5a'5000, 2},  // T0SZ 34: levels 2..3
    };
    for (const Case& c : cases) {
        CAPTURE(c.va_bits);
        MmuFixture f(c.va_bits);
        f.map_page(c.va, P2);
        f.put<std::uint64_t>(P2 + 0x18, 0x1122'3344'5566'7788);
        Attempt a = load_from(f, c.va + 0x18);
        check_loaded(f, a.r, a.before, 0x1122'3344'5566'7788);
        a = store_to(f, c.va + 0x20);
        CHECK(a.r.exit.reason == ExitReason::InstructionLimit);
        CHECK(f.get<std::uint64_t>(P2 + 0x20) == 0x2222'2222'2222'2222);
        CHECK(f.cpu.describe_walk(c.va).steps.size() == c.steps);
    }
}

TEST_CASE("TTBR1 translates the top of the address space; the hole between the halves faults at level 0") {
    MmuFixture f(39);
    const std::uint64_t high = 0xffff'ff80'1234'5000;  // the lowest TTBR1 address is 0xffff'ff80'0000'0000
    f.map_page(high, P1);
    f.put<std::uint64_t>(P1 + 8, 0xabcd);
    Attempt a = load_from(f, high + 8);
    check_loaded(f, a.r, a.before, 0xabcd);
    CHECK(f.cpu.describe_walk(high).ttbr == 1);

    for (std::uint64_t hole : {0x0000'0080'0000'0000ull, 0xffff'ff7f'ffff'f000ull, 0x8000'0000'0000'0000ull}) {
        CAPTURE(hole);
        a = load_from(f, hole);
        check_fault(f, a.r, a.before, kDataAbort | 0x04, hole, f.code_va);
    }
}

TEST_CASE("blocks: 1 GiB at level 1 and 2 MiB at level 2 translate every address inside them") {
    MmuFixture f(39);
    f.map_block(0x8000'0000, kRamBase, 1);          // VA 2 GiB .. 3 GiB -> RAM's 1 GiB
    f.map_block(0x1'0020'0000, kRamBase, 2);        // VA 4 GiB + 2 MiB -> RAM's first 2 MiB
    f.put<std::uint64_t>(kDataBase + 0x18, 0x1111);
    f.put<std::uint64_t>(kDataBase + 0x820, 0x2222);
    Attempt a = load_from(f, 0x8000'0000 + 0x8'0018);
    check_loaded(f, a.r, a.before, 0x1111);
    a = load_from(f, 0x1'0020'0000 + 0x8'0820);
    check_loaded(f, a.r, a.before, 0x2222);
    CHECK(f.cpu.tlb().lookup(0x8000'0000 + 0x3fff'fff8, 0) != nullptr);  // one entry covers the block
    CHECK(f.cpu.tlb().lookup(0x1'0020'0000 + 0x1f'fff8, 0) != nullptr);
    CHECK(f.cpu.tlb().lookup(0x1'0040'0000, 0) == nullptr);

    // Outside RAM, the same blocks give stage-2 exits with the guest-physical address.
    a = load_from(f, 0x8000'0000 + 0x1000'0010);  // PA 0x5000'0010: above the 1 MiB of RAM
    CHECK(a.r.exit.stage2);
    CHECK(a.r.exit.ipa == kRamBase + 0x1000'0010);
}

TEST_CASE("T0SZ outside 16..39 walks as the nearest allowed size; any TG0 walks 4 KiB tables") {
    MmuFixture f(30);
    f.regime.tcr = (f.regime.tcr & ~0x3full) | 63;  // a 1-bit space: walks as 25 bits, from level 2
    f.regime.tcr |= 0b01ull << 14;                  // TG0 = 64 KiB: not implemented, walks as 4 KiB
    f.apply();
    f.code_va = 0x100'0000;  // inside 25 bits
    f.map_page(f.code_va, kCodeBase, kCode);
    f.map_page(0x1ff'f000, P1);  // the top page of a 25-bit space
    f.put<std::uint64_t>(P1, 0x77);
    Attempt a = load_from(f, 0x1ff'f000);
    check_loaded(f, a.r, a.before, 0x77);
    a = load_from(f, 0x200'0000);  // just above 25 bits
    check_fault(f, a.r, a.before, kDataAbort | 0x04, 0x200'0000, f.code_va);
}

// ---------------------------------------------------------------- faults at every level

TEST_CASE("translation faults at levels 0 to 3, reserved descriptors included") {
    SUBCASE("level 0: nothing at level 0 (48-bit space), a block at level 0") {
        MmuFixture f(48);
        Attempt a = load_from(f, 0x0000'7000'0000'0000);
        check_fault(f, a.r, a.before, kDataAbort | 0x04, 0x0000'7000'0000'0000, f.code_va);
        f.set(0x0000'6000'0000'0000, 0, kRamBase | kEl1ReadWrite | desc::kBlock);
        a = load_from(f, 0x0000'6000'0000'0000);
        check_fault(f, a.r, a.before, kDataAbort | 0x04, 0x0000'6000'0000'0000, f.code_va);
    }
    SUBCASE("levels 1, 2, 3: an invalid descriptor; level 3: the reserved 0b01") {
        MmuFixture f(39);
        Attempt a = load_from(f, 0x10'0000'0000);  // level 1 entry empty
        check_fault(f, a.r, a.before, kDataAbort | 0x05, 0x10'0000'0000, f.code_va);
        f.descriptor_address(0x20'0000'0000, 2);  // level 1 table made, level 2 entry empty
        a = load_from(f, 0x20'0000'0008);
        check_fault(f, a.r, a.before, kDataAbort | 0x06, 0x20'0000'0008, f.code_va);
        f.descriptor_address(0x30'0000'0000, 3);  // down to an empty level 3 entry
        a = store_to(f, 0x30'0000'0010);
        check_fault(f, a.r, a.before, kDataAbort | kWnR | 0x07, 0x30'0000'0010, f.code_va);
        f.set(0x30'0000'1000, 3, P1 | kEl1ReadWrite | desc::kBlock);  // 0b01 at level 3: reserved
        a = load_from(f, 0x30'0000'1000);
        check_fault(f, a.r, a.before, kDataAbort | 0x07, 0x30'0000'1000, f.code_va);
    }
}

TEST_CASE("access flag faults at levels 1, 2 and 3 (no hardware update: AF = 0 always faults)") {
    MmuFixture f(39);
    const std::uint64_t no_af = kEl1ReadWrite & ~desc::kAF;
    f.map_block(0x8000'0000, kRamBase, 1, no_af);
    f.map_block(0x1'0000'0000, kRamBase, 2, no_af);
    f.map_page(0x1'4000'0000, P1, no_af);
    Attempt a = load_from(f, 0x8000'0010);
    check_fault(f, a.r, a.before, kDataAbort | 0x09, 0x8000'0010, f.code_va);
    a = store_to(f, 0x1'0000'0020);
    check_fault(f, a.r, a.before, kDataAbort | kWnR | 0x0a, 0x1'0000'0020, f.code_va);
    a = load_from(f, 0x1'4000'0030);
    check_fault(f, a.r, a.before, kDataAbort | 0x0b, 0x1'4000'0030, f.code_va);
    // Still faulting after another try: a fault is never cached, and AF stays 0.
    a = load_from(f, 0x1'4000'0030);
    check_fault(f, a.r, a.before, kDataAbort | 0x0b, 0x1'4000'0030, f.code_va);
    CHECK(f.descriptor(0x1'4000'0000, 3) == (P1 | no_af | desc::kPage));
}

TEST_CASE("permission faults at levels 1, 2 and 3 carry the level of the descriptor") {
    MmuFixture f(39);
    f.map_block(0x8000'0000, kRamBase, 1, kEl1ReadOnly);
    f.map_block(0x1'0000'0000, kRamBase, 2, kEl1ReadOnly);
    f.map_page(0x1'4000'0000, P1, kEl1ReadOnly);
    Attempt a = store_to(f, 0x8000'0010);
    check_fault(f, a.r, a.before, kDataAbort | kWnR | 0x0d, 0x8000'0010, f.code_va);
    a = store_to(f, 0x1'0000'0020);
    check_fault(f, a.r, a.before, kDataAbort | kWnR | 0x0e, 0x1'0000'0020, f.code_va);
    a = store_to(f, 0x1'4000'0030);
    check_fault(f, a.r, a.before, kDataAbort | kWnR | 0x0f, 0x1'4000'0030, f.code_va);
    CHECK(f.get<std::uint64_t>(P1 + 0x30) == 0);  // nothing written
}

TEST_CASE("address size faults: TTBR at level 0, table and output addresses at levels 1 to 3") {
    MmuFixture f(39);
    // The PA size is 32 bits (ID_AA64MMFR0_EL1.PARange = 0): TCR_EL1.IPS = 48 bits changes nothing.
    f.regime.tcr |= 0b101ull << 32;
    f.apply();
    f.set(0x10'0000'0000, 1, 0x1'0000'0000 | desc::kTable);         // a level-2 table above 4 GiB
    f.set(0x20'0000'0000, 2, 0x1'0000'0000 | desc::kTable);         // a level-3 table above 4 GiB
    f.map_block(0x30'0000'0000, 0x1'4000'0000, 1);                  // 1 GiB block above 4 GiB
    f.map_block(0x38'0000'0000, 0x1'0020'0000, 2);                  // 2 MiB block above 4 GiB
    f.map_page(0x3c'0000'0000, 0x1'0000'1000);                      // page above 4 GiB
    struct Case {
        std::uint64_t va;
        std::uint32_t fsc;
    };
    for (const Case& c : {Case{0x10'0000'0000, 0x01}, Case{0x20'0000'0000, 0x02}, Case{0x30'0000'0000, 0x01},
                          Case{0x38'0000'0000, 0x02}, Case{0x3c'0000'0000, 0x03}}) {
        CAPTURE(c.va);
        const Attempt a = load_from(f, c.va);
        check_fault(f, a.r, a.before, kDataAbort | c.fsc, c.va, f.code_va);
    }
    // TTBR0 above 4 GiB: level 0, before any table is read. The code page is in the TLB already.
    f.regime.ttbr0 = 0x1'0000'0000;
    f.apply();
    const Attempt a = load_from(f, 0x40'0000'0000);
    check_fault(f, a.r, a.before, kDataAbort | 0x00, 0x40'0000'0000, f.code_va);
}

TEST_CASE("a table outside RAM is a synchronous external abort on the walk, at its level") {
    SUBCASE("level 0") {
        MmuFixture f(48);
        f.regime.ttbr1 = kNotRam;
        f.apply();
        const Attempt a = load_from(f, 0xffff'8000'0000'0000);
        check_fault(f, a.r, a.before, kDataAbort | 0x14, 0xffff'8000'0000'0000, f.code_va);
    }
    SUBCASE("levels 1, 2, 3") {
        MmuFixture f(39);
        f.regime.ttbr1 = kNotRam;
        f.apply();
        Attempt a = load_from(f, 0xffff'ff80'0000'0000);
        check_fault(f, a.r, a.before, kDataAbort | 0x15, 0xffff'ff80'0000'0000, f.code_va);
        f.set(0x10'0000'0000, 1, kNotRam | desc::kTable);
        f.set(0x20'0000'0000, 2, kUart | desc::kTable);  // a device is not RAM either
        a = store_to(f, 0x10'0000'0000);
        check_fault(f, a.r, a.before, kDataAbort | kWnR | 0x16, 0x10'0000'0000, f.code_va);
        a = load_from(f, 0x20'0000'0000);
        check_fault(f, a.r, a.before, kDataAbort | 0x17, 0x20'0000'0000, f.code_va);
    }
}

// ---------------------------------------------------------------- permissions

TEST_CASE("AP[2:1], UXN and PXN at EL0 and EL1: read, write and execute, as the manual's tables give them") {
    struct Row {
        unsigned ap, uxn, pxn, el;
        bool read, write, execute;
    };
    // Data: AP 00 EL1 RW; 01 RW at both; 10 EL1 RO; 11 RO at both. Execute at EL0: UXN = 0.
    // Execute at EL1: PXN = 0 and not writable at EL0 (AP = 01 implies PXN).
    const Row rows[] = {
        {0, 0, 0, 1, true, true, true},    {0, 0, 0, 0, false, false, true},
        {0, 0, 1, 1, true, true, false},   {0, 0, 1, 0, false, false, true},
        {0, 1, 0, 1, true, true, true},    {0, 1, 0, 0, false, false, false},
        {0, 1, 1, 1, true, true, false},   {0, 1, 1, 0, false, false, false},
        {1, 0, 0, 1, true, true, false},   {1, 0, 0, 0, true, true, true},
        {1, 0, 1, 1, true, true, false},   {1, 0, 1, 0, true, true, true},
        {1, 1, 0, 1, true, true, false},   {1, 1, 0, 0, true, true, false},
        {1, 1, 1, 1, true, true, false},   {1, 1, 1, 0, true, true, false},
        {2, 0, 0, 1, true, false, true},   {2, 0, 0, 0, false, false, true},
        {2, 0, 1, 1, true, false, false},  {2, 0, 1, 0, false, false, true},
        {2, 1, 0, 1, true, false, true},   {2, 1, 0, 0, false, false, false},
        {2, 1, 1, 1, true, false, false},  {2, 1, 1, 0, false, false, false},
        {3, 0, 0, 1, true, false, true},   {3, 0, 0, 0, true, false, true},
        {3, 0, 1, 1, true, false, false},  {3, 0, 1, 0, true, false, true},
        {3, 1, 0, 1, true, false, true},   {3, 1, 0, 0, true, false, false},
        {3, 1, 1, 1, true, false, false},  {3, 1, 1, 0, true, false, false},
    };
    constexpr std::uint64_t data = 0x2000'0000, code = 0x2000'1000;
    for (const Row& row : rows) {
        CAPTURE(row.ap);
        CAPTURE(row.uxn);
        CAPTURE(row.pxn);
        CAPTURE(row.el);
        MmuFixture f(39);
        const std::uint64_t attrs = desc::kAF | desc::kNormal | desc::kInnerShareable | desc::ap(row.ap) |
                                    (row.uxn ? desc::kUXN : 0) | (row.pxn ? desc::kPXN : 0);
        f.map_page(data, P1, attrs);
        f.map_page(code, P2, attrs);
        f.put<std::uint64_t>(P1, 0x5151);
        f.put<std::uint32_t>(P2, MOV_X5_1);
        f.at_el(row.el);

        Attempt a = load_from(f, data);
        if (row.read) check_loaded(f, a.r, a.before, 0x5151);
        else check_fault(f, a.r, a.before, kDataAbort | 0x0f, data, f.code_va);

        a = store_to(f, data);
        if (row.write) {
            CHECK(a.r.exit.reason == ExitReason::InstructionLimit);
            CHECK(f.get<std::uint64_t>(P1) == 0x2222'2222'2222'2222);
        } else {
            check_fault(f, a.r, a.before, kDataAbort | kWnR | 0x0f, data, f.code_va);
            CHECK(f.get<std::uint64_t>(P1) == 0x5151);
        }

        f.x(3) = code;
        f.x(5) = 0;
        const RegisterFile before = f.cpu.regs;
        const RunResult r = f.go({BR_X3}, 2);
        if (row.execute) {
            CHECK(r.exit.reason == ExitReason::InstructionLimit);
            CHECK(r.retired == 2);
            CHECK(f.x(5) == 1);
            CHECK(f.cpu.regs.pc == code + 4);
        } else {
            check_fault(f, r, before, kInstructionAbort | 0x0f, code, code, 1);
        }
    }
}

TEST_CASE("implicit PXN: a page EL0 may write never executes at EL1, whatever PXN says") {
    MmuFixture f(39);
    constexpr std::uint64_t code = 0x2000'1000;
    f.map_page(code, P2, kReadWrite);  // AP = 01, UXN = PXN = 0
    f.put<std::uint32_t>(P2, MOV_X5_1);
    f.x(3) = code;
    RegisterFile before = f.cpu.regs;
    RunResult r = f.go({BR_X3}, 2);
    check_fault(f, r, before, kInstructionAbort | 0x0f, code, code, 1);
    f.at_el(0);  // the same page runs at EL0
    r = f.go({BR_X3}, 2);
    CHECK(r.retired == 2);
    CHECK(f.x(5) == 1);
}

TEST_CASE("SCTLR_EL1.WXN: writable means execute-never at the EL that may write") {
    MmuFixture f(39);
    f.regime.sctlr |= kSctlrWXN;
    f.apply();
    constexpr std::uint64_t el1_rw = 0x2000'0000, el1_ro = 0x2000'1000, all_rw = 0x2000'2000, all_ro = 0x2000'3000;
    f.map_page(el1_rw, P1, kEl1ReadWrite);
    f.map_page(el1_ro, P1, kEl1ReadOnly);
    f.map_page(all_rw, P1, kReadWrite);
    f.map_page(all_ro, P1, kReadOnly);
    f.put<std::uint32_t>(P1, MOV_X5_1);
    struct Case {
        std::uint64_t va;
        unsigned el;
        bool runs;
    };
    for (const Case& c : {Case{el1_rw, 1, false}, Case{el1_ro, 1, true}, Case{all_ro, 1, true}, Case{all_rw, 0, false},
                          Case{all_ro, 0, true}, Case{el1_rw, 0, true}}) {
        CAPTURE(c.va);
        CAPTURE(c.el);
        f.at_el(c.el);
        f.x(3) = c.va;
        f.x(5) = 0;
        const RegisterFile before = f.cpu.regs;
        const RunResult r = f.go({BR_X3}, 2);
        if (c.runs) CHECK(f.x(5) == 1);
        else check_fault(f, r, before, kInstructionAbort | 0x0f, c.va, c.va, 1);
    }
}

TEST_CASE("hierarchical controls: APTable, UXNTable and PXNTable limit every page below the table") {
    MmuFixture f(39);
    // Four 1 GiB regions, each with its own level-2 table; one control each, at level 1.
    constexpr std::uint64_t no_el0 = 0x10'0000'0000, read_only = 0x20'0000'0000, uxn = 0x30'0000'0000,
                            pxn = 0x38'0000'0000, deeper = 0x3c'0000'0000;
    for (std::uint64_t va : {no_el0, read_only, uxn, pxn}) f.map_page(va, P1, kReadWrite);
    f.map_page(uxn + 0x1000, P2, kReadOnly);
    f.map_page(pxn + 0x1000, P2, kReadOnly);
    f.table_bits(no_el0, 1, desc::kAPTableNoEl0);
    f.table_bits(read_only, 1, desc::kAPTableReadOnly);
    f.table_bits(uxn, 1, desc::kUXNTable);
    f.table_bits(pxn, 1, desc::kPXNTable);
    // At level 2 as well: read-only and no-EL0 through two levels of tables.
    f.map_page(deeper, P1, kReadWrite);
    f.table_bits(deeper, 2, desc::kAPTableNoEl0 | desc::kAPTableReadOnly);
    f.put<std::uint64_t>(P1, 0x99);
    f.put<std::uint32_t>(P2, MOV_X5_1);

    Attempt a = load_from(f, no_el0);  // EL1 may still read and write
    check_loaded(f, a.r, a.before, 0x99);
    a = store_to(f, read_only);
    check_fault(f, a.r, a.before, kDataAbort | kWnR | 0x0f, read_only, f.code_va);
    a = store_to(f, deeper);
    check_fault(f, a.r, a.before, kDataAbort | kWnR | 0x0f, deeper, f.code_va);
    f.x(3) = pxn + 0x1000;
    RegisterFile before = f.cpu.regs;
    RunResult r = f.go({BR_X3}, 2);
    check_fault(f, r, before, kInstructionAbort | 0x0f, pxn + 0x1000, pxn + 0x1000, 1);
    f.x(3) = uxn + 0x1000;  // UXNTable does not stop EL1
    r = f.go({BR_X3}, 2);
    CHECK(r.retired == 2);

    f.at_el(0);
    a = load_from(f, no_el0);
    check_fault(f, a.r, a.before, kDataAbort | 0x0f, no_el0, f.code_va);
    a = load_from(f, deeper);
    check_fault(f, a.r, a.before, kDataAbort | 0x0f, deeper, f.code_va);
    a = load_from(f, read_only);  // EL0 may read below a read-only table...
    check_loaded(f, a.r, a.before, 0x99);
    a = store_to(f, read_only);  // ...but not write
    check_fault(f, a.r, a.before, kDataAbort | kWnR | 0x0f, read_only, f.code_va);
    f.x(3) = uxn + 0x1000;
    before = f.cpu.regs;
    r = f.go({BR_X3}, 2);
    check_fault(f, r, before, kInstructionAbort | 0x0f, uxn + 0x1000, uxn + 0x1000, 1);
    f.x(3) = pxn + 0x1000;  // PXNTable does not stop EL0
    r = f.go({BR_X3}, 2);
    CHECK(r.retired == 2);
}

// ---------------------------------------------------------------- alignment

TEST_CASE("MMU on: unaligned accesses fault on Device memory only, after the walk's own faults") {
    MmuFixture f(39);
    constexpr std::uint64_t normal = 0x2000'0000, device = 0x2000'1000, normal_nc = 0x2000'2000;
    f.map_page(normal, P1);
    f.map_page(device, P1, kDeviceReadWrite);
    f.map_page(normal_nc, P1, kEl1ReadWrite | desc::kNormalNc);
    f.put<std::uint64_t>(P1, 0x8877'6655'4433'2211);
    f.put<std::uint64_t>(P1 + 8, 0xffee'ddcc'bbaa'0099);
    Attempt a = load_from(f, normal + 4);
    check_loaded(f, a.r, a.before, 0xbbaa'0099'8877'6655);
    a = load_from(f, normal_nc + 4);
    check_loaded(f, a.r, a.before, 0xbbaa'0099'8877'6655);
    a = load_from(f, device);  // aligned: fine, and must not let the next one through a cache
    check_loaded(f, a.r, a.before, 0x8877'6655'4433'2211);
    a = load_from(f, device + 4);
    check_fault(f, a.r, a.before, kDataAbort | 0x21, device + 4, f.code_va);
    a = store_to(f, device + 2);
    check_fault(f, a.r, a.before, kDataAbort | kWnR | 0x21, device + 2, f.code_va);
    // Crossing from a Normal page into a Device one: the Device half makes it an alignment fault.
    f.map_page(normal + 0x3000, P2);
    f.map_page(normal + 0x4000, P3, kDeviceReadWrite);
    // The manual splits an unaligned access into bytes: the first byte in Device memory faults.
    a = load_from(f, normal + 0x3ffc);
    check_fault(f, a.r, a.before, kDataAbort | 0x21, normal + 0x4000, f.code_va);
    // An unmapped page (no level-2 entry): the translation fault comes first.
    a = load_from(f, 0x3000'0004);
    check_fault(f, a.r, a.before, kDataAbort | 0x06, 0x3000'0004, f.code_va);
}

TEST_CASE("an unaligned access across two pages translates both first: a fault on the second changes nothing") {
    MmuFixture f(39);
    constexpr std::uint64_t va = 0x2000'0000;
    f.map_page(va, P1);
    f.map_page(va + 0x1000, P2, kEl1ReadOnly);
    f.put<std::uint64_t>(P2, 0x0807'0605'0403'0201);
    f.put<std::uint64_t>(P1 + 0xff8, 0xf8f7'f6f5'f4f3'f2f1);
    Attempt a = load_from(f, va + 0xffc);
    check_loaded(f, a.r, a.before, 0x0403'0201'f8f7'f6f5);
    a = store_to(f, va + 0xffc);
    check_fault(f, a.r, a.before, kDataAbort | kWnR | 0x0f, va + 0x1000, f.code_va);
    CHECK(f.get<std::uint64_t>(P1 + 0xff8) == 0xf8f7'f6f5'f4f3'f2f1);
    CHECK(f.get<std::uint64_t>(P2) == 0x0807'0605'0403'0201);
    a = load_from(f, va + 0x1ffc);  // the page after is unmapped
    check_fault(f, a.r, a.before, kDataAbort | 0x07, va + 0x2000, f.code_va);
}

TEST_CASE("SCTLR_EL1.A: every unaligned data access faults, before the walk") {
    MmuFixture f(39);
    f.regime.sctlr |= kSctlrA;
    f.apply();
    f.map_page(0x2000'0000, P1);
    Attempt a = load_from(f, 0x2000'0004);
    check_fault(f, a.r, a.before, kDataAbort | 0x21, 0x2000'0004, f.code_va);
    a = load_from(f, 0x3000'0004);  // unmapped too: alignment wins
    check_fault(f, a.r, a.before, kDataAbort | 0x21, 0x3000'0004, f.code_va);
    a = load_from(f, 0x2000'0008);
    check_loaded(f, a.r, a.before, 0);

    // With the MMU off and flat memory treated as Normal, SCTLR_EL1.A still applies.
    f.cpu.set_strict_alignment(false);
    f.regime.sctlr &= ~kSctlrM;
    f.apply();
    f.code_va = kCodeBase;
    a = load_from(f, kDataBase + 2);
    check_fault(f, a.r, a.before, kDataAbort | 0x21, kDataBase + 2, kCodeBase);
    f.regime.sctlr &= ~kSctlrA;
    f.apply();
    a = load_from(f, kDataBase + 2);
    CHECK(a.r.exit.reason == ExitReason::InstructionLimit);
}

TEST_CASE("MMU off: flat, Device memory for data, an address size fault above 4 GiB, stage 2 outside RAM") {
    CpuFixture f;
    f.cpu.set_strict_alignment(true);
    f.x(1) = 0x1'0000'0000 + kDataBase;  // would be RAM if the upper bits were dropped
    RunResult r = f.run({LDR_X0_X1});
    CHECK(r.exit.esr == (kDataAbort | 0x00));
    CHECK(r.exit.far == 0x1'0000'0000 + kDataBase);
    CHECK_FALSE(r.exit.stage2);
    f.x(1) = kNotRam;
    r = f.run({LDR_X0_X1});
    CHECK(r.exit.stage2);
    CHECK(r.exit.ipa == kNotRam);
    CHECK(r.exit.far == kNotRam);
    f.x(1) = kDataBase + 4;
    r = f.run({LDR_X0_X1});
    CHECK(r.exit.esr == (kDataAbort | 0x21));
}

// ---------------------------------------------------------------- SP alignment

TEST_CASE("SP alignment: SCTLR_EL1.SA at EL1, SA0 at EL0, for accesses based on SP only") {
    for (const bool mmu : {false, true}) {
        CAPTURE(mmu);
        MmuFixture f(39);
        f.map_page(kDataBase, kDataBase);  // identity, so both modes see the same memory
        if (!mmu) {
            f.regime.sctlr &= ~kSctlrM;
            f.cpu.set_strict_alignment(false);
        }
        f.regime.sctlr |= kSctlrSA;  // EL1 only
        f.apply();
        f.put<std::uint64_t>(kDataBase + 8, 0x88);
        f.cpu.regs.sp() = kDataBase + 8;
        f.x(1) = kDataBase + 8;
        f.x(0) = 0;
        RegisterFile before = f.cpu.regs;
        RunResult r = f.go({LDR_X0_SP});
        check_fault(f, r, before, kSpAlignmentFault, 0, f.code_va);
        // Every SP-based load and store checks; a hint and other base registers do not.
        for (std::uint32_t word : {0xa9400be0u /* ldp x0, x2, [sp] */, 0xa9000be0u /* stp x0, x2, [sp] */,
                                   0xf90003e2u /* str x2, [sp] */, 0xf82203e0u /* ldadd x2, x0, [sp] */,
                                   0xc85f7fe0u /* ldxr x0, [sp] */, 0xc8dfffe0u /* ldar x0, [sp] */,
                                   0xf8400be0u /* ldtr x0, [sp] */}) {
            CAPTURE(word);
            r = f.go({word});
            check_fault(f, r, before, kSpAlignmentFault, 0, f.code_va);
        }
        r = f.go({0xf98003e0 /* prfm pldl1keep, [sp] */, LDR_X0_X1});
        CHECK(r.retired == 2);
        CHECK(f.x(0) == 0x88);
        f.cpu.regs.sp() = kDataBase + 16;
        f.x(0) = 0;
        r = f.go({LDR_X0_SP});
        CHECK(r.retired == 1);
        // At EL0 SA0 rules: clear here, so a misaligned SP is fine...
        f.cpu.regs.sp() = kDataBase + 8;
        if (mmu) {
            f.map_page(kDataBase, kDataBase, kReadWrite);
            f.tlbi(TlbInvalidation::Scope::All);
        }
        f.at_el(0);
        r = f.go({LDR_X0_SP});
        CHECK(r.retired == 1);
        CHECK(f.x(0) == 0x88);
        // ...and set, it faults at EL0 while EL1 (SA now clear) goes on.
        f.regime.sctlr = (f.regime.sctlr & ~kSctlrSA) | kSctlrSA0;
        f.apply();
        before = f.cpu.regs;
        r = f.go({LDR_X0_SP});
        check_fault(f, r, before, kSpAlignmentFault, 0, f.code_va);
        f.at_el(1);
        r = f.go({LDR_X0_SP});
        CHECK(r.retired == 1);
    }
}

// ---------------------------------------------------------------- atomics

TEST_CASE("atomic read-modify-writes report WnR = 0 for faults a read would have, 1 on a read-only page") {
    MmuFixture f(39);
    constexpr std::uint64_t read_only = 0x2000'0000, no_af = 0x2000'1000, unmapped = 0x2000'2000, el1 = 0x2000'3000;
    f.map_page(read_only, P1, kEl1ReadOnly);
    f.map_page(no_af, P1, kEl1ReadWrite & ~desc::kAF);
    f.descriptor_address(unmapped, 3);
    f.map_page(el1, P1, kEl1ReadWrite);
    f.put<std::uint64_t>(P1, 5);
    constexpr std::uint32_t kLdadd = 0xf8220020;  // ldadd x2, x0, [x1]
    constexpr std::uint32_t kCas = 0xc8a07c22;    // cas x0, x2, [x1]
    constexpr std::uint32_t kSwp = 0xf8228020;    // swp x2, x0, [x1]
    constexpr std::uint32_t kStlr = 0xc89ffc22;   // stlr x2, [x1]
    struct Case {
        std::uint32_t word;
        std::uint64_t va;
        unsigned el;
        std::uint32_t iss;
    };
    for (const Case& c : {Case{kLdadd, read_only, 1, kWnR | 0x0f}, Case{kCas, read_only, 1, kWnR | 0x0f},
                          Case{kSwp, read_only, 1, kWnR | 0x0f}, Case{kLdadd, no_af, 1, 0x0b},
                          Case{kCas, unmapped, 1, 0x07}, Case{kSwp, el1, 0, 0x0f},  // EL0 may not read it either
                          Case{kStlr, no_af, 1, kWnR | 0x0b}, Case{kLdadd, read_only + 4, 1, 0x21}}) {
        CAPTURE(c.word);
        CAPTURE(c.va);
        f.at_el(c.el);
        const Attempt a = load_from(f, c.va, c.word);
        check_fault(f, a.r, a.before, kDataAbort | c.iss, c.va, f.code_va);
        CHECK(f.get<std::uint64_t>(P1) == 5);
    }
}

// ---------------------------------------------------------------- unprivileged accesses

TEST_CASE("LDTR/STTR at EL1 check EL0's permissions; at EL0 they are plain accesses") {
    MmuFixture f(39);
    constexpr std::uint64_t el1_rw = 0x2000'0000, all_rw = 0x2000'1000, el1_ro = 0x2000'2000, all_ro = 0x2000'3000;
    f.map_page(el1_rw, P1, kEl1ReadWrite);
    f.map_page(all_rw, P1, kReadWrite);
    f.map_page(el1_ro, P1, kEl1ReadOnly);
    f.map_page(all_ro, P1, kReadOnly);
    f.put<std::uint64_t>(P1, 0x4242);

    Attempt a = load_from(f, el1_rw);  // LDR may (and fills EL1's cache for the page)...
    check_loaded(f, a.r, a.before, 0x4242);
    a = load_from(f, el1_rw, LDTR_X0_X1);  // ...LDTR may not
    check_fault(f, a.r, a.before, kDataAbort | 0x0f, el1_rw, f.code_va);
    a = load_from(f, el1_ro, LDTR_X0_X1);
    check_fault(f, a.r, a.before, kDataAbort | 0x0f, el1_ro, f.code_va);
    a = store_to(f, el1_rw, STTR_X2_X1);
    check_fault(f, a.r, a.before, kDataAbort | kWnR | 0x0f, el1_rw, f.code_va);
    a = store_to(f, all_ro, STTR_X2_X1);
    check_fault(f, a.r, a.before, kDataAbort | kWnR | 0x0f, all_ro, f.code_va);
    a = load_from(f, all_ro, LDTR_X0_X1);
    check_loaded(f, a.r, a.before, 0x4242);
    a = store_to(f, all_rw, STTR_X2_X1);
    CHECK(a.r.exit.reason == ExitReason::InstructionLimit);
    CHECK(f.get<std::uint64_t>(P1) == 0x2222'2222'2222'2222);
    a = load_from(f, all_rw, 0x38400820 /* ldtrb w0, [x1] */);
    check_loaded(f, a.r, a.before, 0x22);

    f.at_el(0);
    a = load_from(f, all_ro, LDTR_X0_X1);
    check_loaded(f, a.r, a.before, 0x2222'2222'2222'2222);
    a = load_from(f, el1_rw, LDTR_X0_X1);
    check_fault(f, a.r, a.before, kDataAbort | 0x0f, el1_rw, f.code_va);
}

// ---------------------------------------------------------------- instruction fetch

TEST_CASE("instruction fetch: translation, access flag and permission faults name the VA; running off a page") {
    MmuFixture f(39);
    constexpr std::uint64_t unmapped = 0x2000'0000, no_af = 0x2000'1000, xn = 0x2000'2000, edge = 0x2000'3000;
    f.descriptor_address(unmapped, 3);
    f.map_page(no_af, P1, kCode & ~desc::kAF);
    f.map_page(xn, P1, kCode | desc::kPXN);
    f.map_page(edge, P1, kCode);  // its next page is unmapped
    f.put<std::uint32_t>(P1 + 0xffc, NOP);
    struct Case {
        std::uint64_t target;
        std::uint32_t esr;
        std::uint64_t far;
        std::uint64_t retired;
    };
    for (const Case& c : {Case{unmapped, kInstructionAbort | 0x07, unmapped, 1},
                          Case{no_af + 8, kInstructionAbort | 0x0b, no_af + 8, 1},
                          Case{xn + 4, kInstructionAbort | 0x0f, xn + 4, 1},
                          Case{edge + 0xffc, kInstructionAbort | 0x07, edge + 0x1000, 2},
                          Case{0x80'0000'0000, kInstructionAbort | 0x04, 0x80'0000'0000, 1}}) {
        CAPTURE(c.target);
        f.x(3) = c.target;
        const RegisterFile before = f.cpu.regs;
        const RunResult r = f.go({BR_X3}, 3);
        check_fault(f, r, before, c.esr, c.far, c.far, c.retired);
        CHECK(r.exit.instruction == 0);
    }
}

// ---------------------------------------------------------------- stage 2

TEST_CASE("stage 1 succeeds but the PA is not RAM: a stage-2 exit with the IPA and the EL2 syndrome") {
    MmuFixture f(39);
    constexpr std::uint64_t device = 0x3000'0000, nothing = 0x3000'1000;
    f.map_page(device, kUart, kDeviceReadWrite);
    f.map_page(nothing, kNotRam, kCode);
    f.x(1) = device + 0x18;
    f.x(2) = 0x41;
    RunResult r = f.go({STR_W2_X1});
    CHECK(r.exit.reason == ExitReason::Exception);
    CHECK(r.exit.stage2);
    CHECK(r.exit.ipa == kUart + 0x18);
    CHECK(r.exit.far == device + 0x18);
    CHECK(r.exit.esr == 0x9382'0044);  // ISV, SAS = word, SRT = 2, WnR, DFSC translation level 0
    CHECK(r.exit.instruction == STR_W2_X1);
    CHECK(r.retired == 0);

    f.x(3) = nothing + 0x40;
    r = f.go({BR_X3}, 2);
    CHECK(r.exit.esr == (kInstructionAbort | 0x04));
    CHECK(r.exit.stage2);
    CHECK(r.exit.ipa == kNotRam + 0x40);
    CHECK(r.exit.far == nothing + 0x40);
    CHECK(r.exit.pc == nothing + 0x40);
}

// ---------------------------------------------------------------- the TLB

TEST_CASE("TLBI by VA: a changed mapping stays stale until an invalidation that names its VA and ASID") {
    MmuFixture f(39);
    f.regime.ttbr0 |= 5ull << 48;  // ASID 5
    f.apply();
    constexpr std::uint64_t va = 0x2000'0000;
    f.map_page(va, P1, kEl1ReadWrite | desc::kNG);
    f.put<std::uint64_t>(P1, 0x1111);
    f.put<std::uint64_t>(P2, 0x2222);
    Attempt a = load_from(f, va);
    check_loaded(f, a.r, a.before, 0x1111);
    f.map_page(va, P2, kEl1ReadWrite | desc::kNG);  // no TLBI yet
    a = load_from(f, va);
    check_loaded(f, a.r, a.before, 0x1111);
    using Scope = TlbInvalidation::Scope;
    f.tlbi(Scope::Va, va + 0x1000, 5);  // another page
    f.tlbi(Scope::Va, va, 6);           // another ASID
    f.tlbi(Scope::Asid, 0, 6);
    a = load_from(f, va);
    check_loaded(f, a.r, a.before, 0x1111);
    f.tlbi(Scope::Va, va, 5, true);  // VALE1: the page is the last level
    a = load_from(f, va);
    check_loaded(f, a.r, a.before, 0x2222);

    // A global entry goes with any ASID's TLBI by VA; VAAE1 takes any ASID's entries.
    f.map_page(va + 0x1000, P1, kEl1ReadWrite);
    a = load_from(f, va + 0x1000);
    f.map_page(va + 0x1000, P2, kEl1ReadWrite);
    f.tlbi(Scope::Asid, 0, 5);  // ASIDE1 leaves global entries alone
    a = load_from(f, va + 0x1000);
    check_loaded(f, a.r, a.before, 0x1111);
    f.tlbi(Scope::Va, va + 0x1000, 99);
    a = load_from(f, va + 0x1000);
    check_loaded(f, a.r, a.before, 0x2222);
    f.map_page(va, P1, kEl1ReadWrite | desc::kNG);
    f.tlbi(Scope::VaAllAsids, va);
    a = load_from(f, va);
    check_loaded(f, a.r, a.before, 0x1111);
}

TEST_CASE("TLBI by VA removes a 2 MiB block through any address inside it") {
    MmuFixture f(39);
    constexpr std::uint64_t block = 0x1'0020'0000;
    f.map_block(block, kRamBase, 2);
    f.put<std::uint64_t>(kDataBase + 0x100, 0xb10c);
    Attempt a = load_from(f, block + 0x8'0100);
    check_loaded(f, a.r, a.before, 0xb10c);
    f.map_block(block, kRamBase + 0x1000'0000, 2);  // now outside RAM: a stage-2 exit once seen
    a = load_from(f, block + 0x8'0100);
    check_loaded(f, a.r, a.before, 0xb10c);
    f.tlbi(TlbInvalidation::Scope::Va, block + 0x1f'f000, 0);  // the block's last page
    a = load_from(f, block + 0x8'0100);
    CHECK(a.r.exit.stage2);
    CHECK(a.r.exit.ipa == kRamBase + 0x1000'0000 + 0x8'0100);
}

TEST_CASE("invalid descriptors are never cached; valid ones stay until TLBI, even once unmapped") {
    MmuFixture f(39);
    constexpr std::uint64_t va = 0x2000'0000;
    f.put<std::uint64_t>(P1, 0x7);
    Attempt a = load_from(f, va);
    check_fault(f, a.r, a.before, kDataAbort | 0x05, va, f.code_va);  // no level-1 entry yet
    f.map_page(va, P1);
    a = load_from(f, va);  // no TLBI needed to see a new mapping
    check_loaded(f, a.r, a.before, 0x7);
    f.set(va, 3, 0);
    a = load_from(f, va);  // unmapped, but the TLB still has it
    check_loaded(f, a.r, a.before, 0x7);
    f.tlbi(TlbInvalidation::Scope::All);
    a = load_from(f, va);
    check_fault(f, a.r, a.before, kDataAbort | 0x07, va, f.code_va);
}

TEST_CASE("ASIDs: each address space keeps its entries; a reused ASID sees the old ones until ASIDE1") {
    MmuFixture f(39);
    constexpr std::uint64_t va = 0x2000'0000, shared = 0x2000'1000;
    const std::uint64_t tables_a = f.regime.ttbr0;
    f.map_page(va, P1, kEl1ReadWrite | desc::kNG);
    f.map_page(shared, P3, kEl1ReadWrite);  // global
    f.put<std::uint64_t>(P1, 0xa);
    f.put<std::uint64_t>(P2, 0xb);
    f.put<std::uint64_t>(P3, 0xc);
    f.regime.ttbr0 = tables_a | (1ull << 48);
    f.apply();
    Attempt a = load_from(f, va);
    check_loaded(f, a.r, a.before, 0xa);
    a = load_from(f, shared);
    check_loaded(f, a.r, a.before, 0xc);

    // Process B: its own tables, ASID 2, the same VA elsewhere; the code page global in both.
    const std::uint64_t tables_b = f.new_table();
    f.regime.ttbr0 = tables_b | (2ull << 48);
    f.map_page(f.code_va, kCodeBase, kCode);
    f.map_page(va, P2, kEl1ReadWrite | desc::kNG);
    f.map_page(shared, P2, kEl1ReadWrite);  // B maps it too, but the global entry is in the TLB
    f.apply();
    a = load_from(f, va);
    check_loaded(f, a.r, a.before, 0xb);
    a = load_from(f, shared);
    check_loaded(f, a.r, a.before, 0xc);
    f.regime.ttbr0 = tables_a | (1ull << 48);  // back to A: its entry is still there
    f.apply();
    a = load_from(f, va);
    check_loaded(f, a.r, a.before, 0xa);

    // ASID 1 given to B's tables without ASIDE1: A's translation is still what ASID 1 sees.
    f.regime.ttbr0 = tables_b | (1ull << 48);
    f.apply();
    a = load_from(f, va);
    check_loaded(f, a.r, a.before, 0xa);
    f.tlbi(TlbInvalidation::Scope::Asid, 0, 1);
    a = load_from(f, va);
    check_loaded(f, a.r, a.before, 0xb);

    // 8-bit ASIDs (TCR_EL1.AS = 0): 0x0102 is ASID 2; with AS = 1 it is another ASID.
    f.regime.ttbr0 = tables_a | (0x0102ull << 48);
    f.apply();
    a = load_from(f, va);
    check_loaded(f, a.r, a.before, 0xb);  // B's entry, ASID 2
    f.regime.tcr |= kTcrAS;
    f.apply();
    a = load_from(f, va);
    check_loaded(f, a.r, a.before, 0xa);  // a walk of A's tables for ASID 0x0102
    // TCR_EL1.A1: the ASID comes from TTBR1. TTBR0 still says 0x0102 (A's entry, 0xa), but
    // TTBR1 says 2: B's entry.
    f.regime.tcr |= kTcrA1;
    f.regime.ttbr1 |= 2ull << 48;
    f.apply();
    a = load_from(f, va);
    check_loaded(f, a.r, a.before, 0xb);
}

TEST_CASE("TLBI VMALLE1 empties the TLB; TTBR and EL changes never do") {
    MmuFixture f(39);
    constexpr std::uint64_t va = 0x2000'0000;
    f.map_page(va, P1);
    f.put<std::uint64_t>(P1, 1);
    load_from(f, va);
    CHECK(f.cpu.tlb().size() == 2);  // the code page and this one
    f.regime.ttbr0 |= 9ull << 48;
    f.apply();
    f.at_el(0);
    f.at_el(1);
    CHECK(f.cpu.tlb().size() == 2);
    f.tlbi(TlbInvalidation::Scope::All);
    CHECK(f.cpu.tlb().size() == 0);
}

TEST_CASE("EPD0/EPD1: no walks for that half (a translation fault at level 0), entries already cached still hit") {
    MmuFixture f(39);
    constexpr std::uint64_t low = 0x2000'0000, high = 0xffff'ff80'0000'0000;
    f.map_page(low, P1);
    f.map_page(high, P1);
    f.map_page(low + 0x1000, P1);
    f.map_page(high + 0x1000, P1);
    f.put<std::uint64_t>(P1, 0x3);
    load_from(f, low);
    load_from(f, high);
    f.regime.tcr |= kTcrEPD0 | kTcrEPD1;
    f.apply();
    Attempt a = load_from(f, low + 0x1000);
    check_fault(f, a.r, a.before, kDataAbort | 0x04, low + 0x1000, f.code_va);
    a = load_from(f, high + 0x1000);
    check_fault(f, a.r, a.before, kDataAbort | 0x04, high + 0x1000, f.code_va);
    a = load_from(f, low);
    check_loaded(f, a.r, a.before, 0x3);
    a = load_from(f, high);
    check_loaded(f, a.r, a.before, 0x3);
}

TEST_CASE("one fast-cache bank per EL: what EL1 may do, EL0 may not, right after, and the other way") {
    MmuFixture f(39);
    constexpr std::uint64_t kernel = 0x2000'0000, user_code = 0x2000'1000;
    f.map_page(kernel, P1, kEl1ReadWrite);
    f.map_page(user_code, P2, kReadWrite);  // EL0 may execute it; EL1 may not (implicit PXN)
    f.put<std::uint64_t>(P1, 0x6);
    f.put<std::uint32_t>(P2, MOV_X5_1);
    Attempt a = load_from(f, kernel);
    check_loaded(f, a.r, a.before, 0x6);
    a = store_to(f, kernel);
    f.at_el(0);
    a = load_from(f, kernel);
    check_fault(f, a.r, a.before, kDataAbort | 0x0f, kernel, f.code_va);
    a = store_to(f, kernel);
    check_fault(f, a.r, a.before, kDataAbort | kWnR | 0x0f, kernel, f.code_va);
    f.x(3) = user_code;
    RunResult r = f.go({BR_X3}, 2);
    CHECK(r.retired == 2);
    CHECK(f.x(5) == 1);
    f.at_el(1);
    const RegisterFile before = f.cpu.regs;
    r = f.go({BR_X3}, 2);
    check_fault(f, r, before, kInstructionAbort | 0x0f, user_code, user_code, 1);
    a = load_from(f, kernel);  // and EL1's bank still works
    check_loaded(f, a.r, a.before, 0x2222'2222'2222'2222);
}

TEST_CASE("the TLB: lookup prefers the page, replaces an entry of the same tag, evicts the oldest when full") {
    Tlb tlb(3);
    TlbEntry block;
    block.va = 0x4000'0000;
    block.pa = 0x8000'0000;
    block.level = 2;
    block.global = true;
    TlbEntry page = block;
    page.va = 0x4000'3000;
    page.pa = 0x1000;
    page.level = 3;
    tlb.insert(block);
    tlb.insert(page);
    CHECK(tlb.lookup(0x4000'3008, 7)->pa == 0x1000);
    CHECK(tlb.lookup(0x4000'4008, 7)->pa == 0x8000'0000);
    TlbEntry mine = page;
    mine.va = 0x5000'0000;
    mine.global = false;
    mine.asid = 3;
    tlb.insert(mine);
    CHECK(tlb.lookup(0x5000'0000, 3) != nullptr);
    CHECK(tlb.lookup(0x5000'0000, 4) == nullptr);
    mine.pa = 0x2000;
    tlb.insert(mine);  // same page, same ASID: replaced, not added
    CHECK(tlb.size() == 3);
    CHECK(tlb.lookup(0x5000'0000, 3)->pa == 0x2000);
    TlbEntry other = mine;
    other.va = 0x6000'0000;
    tlb.insert(other);  // full: the oldest (the block) goes
    CHECK(tlb.size() == 3);
    CHECK(tlb.lookup(0x4000'4008, 7) == nullptr);
    CHECK(tlb.lookup(0x4000'3008, 7) != nullptr);
    // Bits 63..56 of the VA are copies of bit 55: this one is 0xffff'ffff'4000'3000.
    tlb.invalidate({TlbInvalidation::Scope::Va, 0x00ff'ffff'4000'3000, 0}, 0xff);
    CHECK(tlb.lookup(0x4000'3008, 7) != nullptr);
    tlb.invalidate({TlbInvalidation::Scope::Va, 0x4000'3000, 0}, 0xff);
    CHECK(tlb.lookup(0x4000'3008, 7) == nullptr);
    CHECK(tlb.size() == 2);
}

// ---------------------------------------------------------------- AT and the debugger

TEST_CASE("translate_address (AT): PA and attributes, or the fault, with no exit and no state change") {
    MmuFixture f(39);
    f.map_page(0x2000'0000, P1, kEl1ReadOnly);
    f.map_page(0x2000'1000, kUart, kDeviceReadWrite);
    const RegisterFile before = f.cpu.regs;
    Translation t = f.cpu.translate_address(0x2000'0123, AccessType::Read, 1);
    CHECK(t.ok);
    CHECK(t.pa == P1 + 0x123);
    CHECK(t.attr == 0xff);
    CHECK(t.sh == 3);
    CHECK_FALSE(t.device);
    t = f.cpu.translate_address(0x2000'0123, AccessType::Write, 1);
    CHECK_FALSE(t.ok);
    CHECK(t.fsc == 0x0f);
    t = f.cpu.translate_address(0x2000'0123, AccessType::Read, 0);
    CHECK_FALSE(t.ok);
    CHECK(t.fsc == 0x0f);
    t = f.cpu.translate_address(0x2000'1008, AccessType::Write, 1);
    CHECK(t.ok);
    CHECK(t.pa == kUart + 8);  // stage 1 only: a device PA is fine
    CHECK(t.device);
    CHECK(t.attr == 0x00);
    t = f.cpu.translate_address(0x2000'2000, AccessType::Read, 1);
    CHECK_FALSE(t.ok);
    CHECK(t.fsc == 0x07);
    CHECK(f.cpu.regs.x == before.x);
    CHECK(f.cpu.regs.pc == before.pc);
}

TEST_CASE("describe_walk and format_walk: each level's table, index, descriptor and meaning") {
    MmuFixture f(39);
    f.map_page(0x2000'5000, P1, kEl1ReadOnly | desc::kNG | desc::kUXN);
    f.table_bits(0x2000'5000, 1, desc::kPXNTable);
    const std::string expected =
        "VA 0x20005123 (TTBR0):\n"
        "  L1 table 0x400c0000[0] = 0x08000000400c4003: table at 0x400c4000 PXNTable\n"
        "  L2 table 0x400c4000[256] = 0x00000000400c5003: table at 0x400c5000\n"
        "  L3 table 0x400c5000[5] = 0x0040000040080f83: page at 0x40080000, EL1 read-only, AttrIndx 0, SH 3, UXN, AF, nG\n"
        "  -> PA 0x40080123, Normal memory (MAIR attribute 0xff), SH 3\n";
    CHECK(format_walk(f.cpu.describe_walk(0x2000'5123)) == expected);
    CHECK(format_walk(f.cpu.describe_walk(0x2000'6000)) ==
          "VA 0x20006000 (TTBR0):\n"
          "  L1 table 0x400c0000[0] = 0x08000000400c4003: table at 0x400c4000 PXNTable\n"
          "  L2 table 0x400c4000[256] = 0x00000000400c5003: table at 0x400c5000\n"
          "  L3 table 0x400c5000[6] = 0x0000000000000000: invalid\n"
          "  -> translation fault, level 3 (FSC 0x07)\n");
    CHECK(f.cpu.tlb().lookup(0x2000'5123, 0) == nullptr);  // describing is not translating
}
