// The guest's stage-1 translation, as the manual's VMSAv8-64 describes it for EL1&0 with a
// 4 KiB granule: the registers the VMM pushes into the CPU (TranslationRegime), the result
// of translating one address, and the TLB maintenance the VMM asks for.
#pragma once

#include <cstdint>

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

// What translating one virtual address gave.
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
    std::uint64_t va = 0;
    std::uint16_t asid = 0;
    bool last_level = false;  // VALE1, VAALE1: only the last level's entries need go
};

}  // namespace trapeze
