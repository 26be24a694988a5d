// The guest's stage-1 translation, as the manual's VMSAv8-64 describes it for EL1&0 with a
// 4 KiB granule: the registers the VMM pushes into the CPU (TranslationRegime), the result
// of translating one address, and the TLB maintenance the VMM asks for.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "emulator/guest_memory.h"

namespace trapeze {

// SCTLR_EL1 bits the interpreter acts on.
namespace sctlr {
inline constexpr std::uint64_t kM = 1ull << 0;     // stage-1 translation on
inline constexpr std::uint64_t kA = 1ull << 1;     // alignment checking for every access
inline constexpr std::uint64_t kSA = 1ull << 3;    // SP alignment check at EL1
inline constexpr std::uint64_t kSA0 = 1ull << 4;   // SP alignment check at EL0
inline constexpr std::uint64_t kWXN = 1ull << 19;  // writable implies execute-never
inline constexpr std::uint64_t kReset = 0x00C5'0838;  // as QEMU's cortex-a57: nTWE, nTWI, SA, SA0; MMU and caches off
}  // namespace sctlr

// TCR_EL1 fields the walk reads.
namespace tcr {
constexpr unsigned t0sz(std::uint64_t tcr) { return tcr & 0x3f; }
constexpr unsigned t1sz(std::uint64_t tcr) { return (tcr >> 16) & 0x3f; }
constexpr unsigned ips(std::uint64_t tcr) { return (tcr >> 32) & 7; }
inline constexpr std::uint64_t kEPD0 = 1ull << 7;   // no walks for TTBR0 addresses
inline constexpr std::uint64_t kA1 = 1ull << 22;    // the ASID is TTBR1's (else TTBR0's)
inline constexpr std::uint64_t kEPD1 = 1ull << 23;  // no walks for TTBR1 addresses
inline constexpr std::uint64_t kAS = 1ull << 36;    // 16-bit ASIDs (else 8-bit)
}  // namespace tcr

// The physical address size this CPU implements: ID_AA64MMFR0_EL1.PARange = 0b0000, 32 bits.
// TCR_EL1.IPS asks for at most this much; an output address above it is an address size fault.
inline constexpr unsigned kPaBits = 32;

// The translation state of the guest at one moment: what the VMM pushes with
// Cpu::set_translation whenever the virtual EL or a stage-1 register changes.
struct TranslationRegime {
    unsigned el = 1;  // the virtual EL whose permissions apply (0 or 1)
    std::uint64_t sctlr = sctlr::kReset;
    std::uint64_t tcr = 0;
    std::uint64_t ttbr0 = 0;
    std::uint64_t ttbr1 = 0;
    std::uint64_t mair = 0;

    bool mmu_on() const { return sctlr & sctlr::kM; }
    bool operator==(const TranslationRegime&) const = default;
};

enum class AccessType : std::uint8_t { Read, Write, Execute };

// What translating one virtual address gave. A fault leaves `fsc` with the level the walk
// reached; ok leaves the guest-physical address and the memory attributes.
struct Translation {
    bool ok = false;
    std::uint64_t pa = 0;      // ok: the guest-physical address
    std::uint32_t fsc = 0;     // !ok: the fault status code (DFSC/IFSC), level included
    bool device = false;       // ok: Device memory (strict alignment; MMU off: always)
    std::uint8_t attr = 0;     // ok: the MAIR_EL1 attribute byte (PAR_EL1.ATTR)
    std::uint8_t sh = 0;       // ok: shareability (PAR_EL1.SH)
};

// One TLB maintenance operation (TLBI), in the terms of the manual.
struct TlbInvalidation {
    enum class Scope : std::uint8_t {
        All,         // VMALLE1: every entry
        Asid,        // ASIDE1: every non-global entry of `asid`
        Va,          // VAE1, VALE1: entries for `va` that are global or of `asid`
        VaAllAsids,  // VAAE1, VAALE1: entries for `va`, any ASID
    };
    Scope scope = Scope::All;
    std::uint64_t va = 0;     // Va, VaAllAsids: bits 55..12 count; 63..56 are taken as copies of bit 55
    std::uint16_t asid = 0;   // Asid, Va (with 8-bit ASIDs, TCR_EL1.AS = 0, the upper 8 bits are ignored)
    bool last_level = false;  // VALE1, VAALE1: only the last level's entries need go (the TLB holds
                              // nothing else: it caches whole walks, never table entries)
};

// One step of a table walk, for the debugger's `pt VA` (Cpu::describe_walk).
struct WalkStep {
    enum class Kind : std::uint8_t {
        Invalid,   // bit 0 clear: translation fault
        Reserved,  // 0b01 at level 3, or a block at level 0: translation fault
        Table,     // the next level's table
        Block,     // 1 GiB (level 1) or 2 MiB (level 2)
        Page,      // 4 KiB (level 3)
        NotRam,    // the table is not in RAM: synchronous external abort on the walk
    };
    unsigned level = 0;
    std::uint64_t table = 0;       // guest-physical address of the table
    unsigned index = 0;            // the entry read, VA bits of this level
    std::uint64_t descriptor = 0;  // its value (0 for NotRam)
    Kind kind = Kind::Invalid;
};

// A whole walk, as the debugger shows it: the steps, then what the walk gave.
struct WalkDescription {
    std::uint64_t va = 0;
    bool mmu_on = false;
    unsigned ttbr = 0;      // which TTBR the VA selected
    std::vector<WalkStep> steps;
    Translation result;     // the walk alone, before permissions (the access is not known)
};

// "L1 table 0x40001000[3] = 0x40002003: table at 0x40002000 ...", one line per step, then the outcome.
std::string format_walk(const WalkDescription& walk);

}  // namespace trapeze
