// The system instructions of the Op0 = 1 space a kernel uses (TLBI, AT, DC, IC): their
// names and what each asks for, as one table. The VMM emulates them from this table; the
// trace names them from it.
#pragma once

#include <cstdint>
#include <string_view>

#include "emulator/mmu.h"

namespace trapeze {

enum class SystemInstructionKind : std::uint8_t {
    Tlbi,           // TLB maintenance: `tlbi` says which entries go
    At,             // address translation into PAR_EL1, as `at_el` would access, reading or writing
    DcZeroVa,       // DC ZVA: zero a block of DCZID_EL0's size
    DcByVa,         // DC CVAC, CVAU, CVAP, CIVAC, IVAC: no cached data to move, but the VA is translated
    DcBySetWay,     // DC ISW, CSW, CISW: nothing to do
    IcInvalidateAll,  // IC IALLU, IALLUIS: drop every decoded instruction
    IcInvalidateVa,   // IC IVAU: drop the decoded instructions of one line
};

struct SystemInstruction {
    std::string_view name;  // "TLBI VAE1IS"
    std::uint8_t op1, crn, crm, op2;
    SystemInstructionKind kind;
    TlbInvalidation::Scope tlbi_scope = TlbInvalidation::Scope::All;
    bool last_level = false;    // TLBI ...L...: only last-level entries need go
    bool broadcast = false;     // the ...IS forms: every PE of the Inner Shareable domain
    std::uint8_t at_el = 1;     // AT: the EL whose permissions apply
    bool write = false;         // AT ...W, DC IVAC: checked as a write
};

// The row for a SYS instruction's encoding, or nullptr if the table does not know it.
const SystemInstruction* find_system_instruction(unsigned op1, unsigned crn, unsigned crm, unsigned op2);

}  // namespace trapeze
