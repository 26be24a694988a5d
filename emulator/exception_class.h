// Exception classes (ESR_ELx.EC) and the syndrome layout, as the Arm ARM defines them.
#pragma once

#include <cstdint>
#include <string_view>

namespace trapeze {

enum class ExceptionClass : std::uint8_t {
    Unknown = 0x00,             // UNDEFINED at EL0 (also ERET, MSR SPSel, DRPS)
    WfiWfe = 0x01,
    FpAccess = 0x07,            // FP/SIMD access trapped by CPACR_EL1.FPEN
    IllegalState = 0x0E,        // an instruction executed with PSTATE.IL set
    Svc64 = 0x15,
    Hvc64 = 0x16,
    Smc64 = 0x17,
    SysRegister = 0x18,         // MSR, MRS, SYS, SYSL and MSR (immediate)
    InstructionAbortLower = 0x20,
    InstructionAbortSame = 0x21,
    PcAlignment = 0x22,
    DataAbortLower = 0x24,
    DataAbortSame = 0x25,
    SpAlignment = 0x26,
    Brk64 = 0x3C,
};

struct ExceptionClassInfo {
    ExceptionClass ec;
    std::string_view name;        // as the manual's ESR_ELx.EC table names it, shortened
    std::string_view description;
};

// The table of exception classes Trapeze raises, in EC order.
inline constexpr ExceptionClassInfo kExceptionClasses[] = {
    {ExceptionClass::Unknown, "UNKNOWN", "unknown reason (UNDEFINED instruction)"},
    {ExceptionClass::WfiWfe, "WFx", "trapped WFI or WFE"},
    {ExceptionClass::FpAccess, "FP_ACCESS", "FP/SIMD access trapped by CPACR_EL1"},
    {ExceptionClass::IllegalState, "ILLEGAL", "illegal execution state (PSTATE.IL)"},
    {ExceptionClass::Svc64, "SVC64", "SVC instruction"},
    {ExceptionClass::Hvc64, "HVC64", "HVC instruction"},
    {ExceptionClass::Smc64, "SMC64", "SMC instruction"},
    {ExceptionClass::SysRegister, "SYS64", "trapped MSR, MRS or system instruction"},
    {ExceptionClass::InstructionAbortLower, "IABT_LOW", "instruction abort from a lower EL"},
    {ExceptionClass::InstructionAbortSame, "IABT_CUR", "instruction abort from the same EL"},
    {ExceptionClass::PcAlignment, "PC_ALIGN", "PC alignment fault"},
    {ExceptionClass::DataAbortLower, "DABT_LOW", "data abort from a lower EL"},
    {ExceptionClass::DataAbortSame, "DABT_CUR", "data abort from the same EL"},
    {ExceptionClass::SpAlignment, "SP_ALIGN", "SP alignment fault"},
    {ExceptionClass::Brk64, "BRK64", "BRK instruction"},
};

constexpr std::string_view exception_class_name(ExceptionClass ec) {
    for (const auto& info : kExceptionClasses)
        if (info.ec == ec) return info.name;
    return "EC?";
}

// ESR_ELx: EC in bits 31..26, IL (32-bit instruction) in bit 25, ISS in bits 24..0.
constexpr std::uint32_t make_esr(ExceptionClass ec, std::uint32_t iss) {
    return (static_cast<std::uint32_t>(ec) << 26) | (1u << 25) | (iss & 0x1ffffff);
}
constexpr ExceptionClass esr_ec(std::uint32_t esr) { return static_cast<ExceptionClass>(esr >> 26); }
constexpr std::uint32_t esr_iss(std::uint32_t esr) { return esr & 0x1ffffff; }

// Fault status codes (DFSC/IFSC) that Trapeze reports.
inline constexpr std::uint32_t kFscAddressSizeLevel0 = 0x00;  // + level
inline constexpr std::uint32_t kFscTranslationLevel0 = 0x04;  // + level; level 0 also: outside the VM's memory
inline constexpr std::uint32_t kFscAccessFlagLevel0 = 0x08;   // + level (1..3)
inline constexpr std::uint32_t kFscPermissionLevel0 = 0x0C;   // + level (1..3)
inline constexpr std::uint32_t kFscSyncExternal = 0x10;       // synchronous external abort
inline constexpr std::uint32_t kFscExternalWalkLevel0 = 0x14; // + level: ... on a translation table walk
inline constexpr std::uint32_t kFscAlignment = 0x21;

// The name of a fault status code, without its level ("" for a code Trapeze never reports).
constexpr std::string_view fault_status_name(std::uint32_t fsc) {
    if (fsc == kFscAlignment) return "alignment fault";
    if (fsc == kFscSyncExternal) return "synchronous external abort";
    switch (fsc & ~3u) {
        case kFscAddressSizeLevel0: return "address size fault";
        case kFscTranslationLevel0: return "translation fault";
        case kFscAccessFlagLevel0: return "access flag fault";
        case kFscPermissionLevel0: return "permission fault";
        case kFscExternalWalkLevel0: return "synchronous external abort on the table walk";
        default: return "";
    }
}

// ISS of a trapped MSR/MRS/SYS (EC 0x18).
struct SysRegIss {
    unsigned op0, op1, crn, crm, op2, rt;
    bool read;  // Direction: 1 = read (MRS, SYSL)

    constexpr std::uint32_t encode() const {
        return (op0 << 20) | (op2 << 17) | (op1 << 14) | (crn << 10) | (rt << 5) | (crm << 1) | (read ? 1u : 0u);
    }
    static constexpr SysRegIss decode(std::uint32_t iss) {
        return {(iss >> 20) & 3, (iss >> 14) & 7, (iss >> 10) & 15, (iss >> 1) & 15, (iss >> 17) & 7,
                (iss >> 5) & 31, (iss & 1) != 0};
    }
};

// ISS of a data abort (EC 0x24). ISV says whether SAS..AR describe the access.
struct DataAbortIss {
    bool isv = false;
    unsigned sas = 0;    // access size: 0 byte, 1 halfword, 2 word, 3 doubleword
    bool sse = false;    // the load sign-extends
    unsigned srt = 0;    // the transfer register
    bool sf = false;     // the register is 64-bit
    bool ar = false;     // acquire/release semantics
    bool wnr = false;    // write, not read
    unsigned dfsc = 0;

    constexpr std::uint32_t encode() const {
        std::uint32_t iss = (wnr ? 1u << 6 : 0) | dfsc;
        if (isv)
            iss |= (1u << 24) | (sas << 22) | (sse ? 1u << 21 : 0) | (srt << 16) | (sf ? 1u << 15 : 0) |
                   (ar ? 1u << 14 : 0);
        return iss;
    }
    static constexpr DataAbortIss decode(std::uint32_t iss) {
        DataAbortIss d;
        d.isv = (iss >> 24) & 1;
        d.sas = (iss >> 22) & 3;
        d.sse = (iss >> 21) & 1;
        d.srt = (iss >> 16) & 31;
        d.sf = (iss >> 15) & 1;
        d.ar = (iss >> 14) & 1;
        d.wnr = (iss >> 6) & 1;
        d.dfsc = iss & 0x3f;
        return d;
    }
};

}  // namespace trapeze
