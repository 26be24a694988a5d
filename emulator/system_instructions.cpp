// The table of the system instructions a kernel uses (Arm ARM C5.3, "A64 System instructions").
#include "emulator/system_instructions.h"

#include <iterator>

namespace trapeze {
namespace {

using Kind = SystemInstructionKind;
using Scope = TlbInvalidation::Scope;

constexpr SystemInstruction tlbi(std::string_view name, std::uint8_t crm, std::uint8_t op2, Scope scope,
                                 bool last_level) {
    return {name, 0, 8, crm, op2, Kind::Tlbi, scope, last_level, crm == 3};
}
constexpr SystemInstruction at(std::string_view name, std::uint8_t op2, std::uint8_t el, bool write) {
    return {name, 0, 7, 8, op2, Kind::At, Scope::All, false, false, el, write};
}
constexpr SystemInstruction cache(std::string_view name, std::uint8_t op1, std::uint8_t crm, std::uint8_t op2,
                                  Kind kind, bool write = false) {
    return {name, op1, 7, crm, op2, kind, Scope::All, false, false, 1, write};
}

// Sorted by (Op1, CRn, CRm, Op2). CRm = 3 is the Inner Shareable group of the TLBIs.
constexpr SystemInstruction kSystemInstructions[] = {
    cache("IC IALLUIS", 0, 1, 0, Kind::IcInvalidateAll),
    cache("IC IALLU", 0, 5, 0, Kind::IcInvalidateAll),
    cache("DC IVAC", 0, 6, 1, Kind::DcByVa, true),
    cache("DC ISW", 0, 6, 2, Kind::DcBySetWay),
    at("AT S1E1R", 0, 1, false),
    at("AT S1E1W", 1, 1, true),
    at("AT S1E0R", 2, 0, false),
    at("AT S1E0W", 3, 0, true),
    cache("DC CSW", 0, 10, 2, Kind::DcBySetWay),
    cache("DC CISW", 0, 14, 2, Kind::DcBySetWay),
    tlbi("TLBI VMALLE1IS", 3, 0, Scope::All, false),
    tlbi("TLBI VAE1IS", 3, 1, Scope::Va, false),
    tlbi("TLBI ASIDE1IS", 3, 2, Scope::Asid, false),
    tlbi("TLBI VAAE1IS", 3, 3, Scope::VaAllAsids, false),
    tlbi("TLBI VALE1IS", 3, 5, Scope::Va, true),
    tlbi("TLBI VAALE1IS", 3, 7, Scope::VaAllAsids, true),
    tlbi("TLBI VMALLE1", 7, 0, Scope::All, false),
    tlbi("TLBI VAE1", 7, 1, Scope::Va, false),
    tlbi("TLBI ASIDE1", 7, 2, Scope::Asid, false),
    tlbi("TLBI VAAE1", 7, 3, Scope::VaAllAsids, false),
    tlbi("TLBI VALE1", 7, 5, Scope::Va, true),
    tlbi("TLBI VAALE1", 7, 7, Scope::VaAllAsids, true),
    cache("DC ZVA", 3, 4, 1, Kind::DcZeroVa, true),
    cache("IC IVAU", 3, 5, 1, Kind::IcInvalidateVa),
    cache("DC CVAC", 3, 10, 1, Kind::DcByVa),
    cache("DC CVAU", 3, 11, 1, Kind::DcByVa),
    cache("DC CVAP", 3, 12, 1, Kind::DcByVa),
    cache("DC CIVAC", 3, 14, 1, Kind::DcByVa),
};

}  // namespace

const SystemInstruction* find_system_instruction(unsigned op1, unsigned crn, unsigned crm, unsigned op2) {
    for (const SystemInstruction& s : kSystemInstructions)
        if (s.op1 == op1 && s.crn == crn && s.crm == crm && s.op2 == op2) return &s;
    return nullptr;
}

}  // namespace trapeze
