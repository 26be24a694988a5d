// What an exit is, in words: for the trace and for the messages of unhandled exits.
#include <fmt/format.h>

#include "decoder/decoder.h"
#include "decoder/disassembler.h"
#include "vmm/devices/psci.h"
#include "vmm/exit_handlers.h"
#include "vmm/mmio.h"
#include "vmm/sysreg.h"
#include "vmm/vm.h"

namespace trapeze {
namespace {

// A fault in the guest's own translation (stage 1): the guest kernel's to handle.
std::string describe_stage1_fault(std::string_view access, std::uint64_t va, std::uint32_t fsc) {
    return fmt::format("{} at {:#x}: {}, level {}, in the guest's own page tables", access, va,
                       fault_status_name(fsc), fsc & 3);
}

std::string describe_data_abort(const Vcpu& vcpu, const Exit& exit) {
    const DataAbortIss iss = DataAbortIss::decode(exit.iss());
    const char* dir = iss.wnr ? "write" : "read";
    const std::uint64_t pa = abort_address(exit);
    const std::string_view device = vcpu.vm().device_at(pa);
    std::string where = device.empty() ? fmt::format("{:#x}", pa) : fmt::format("{:#x} ({})", pa, device);
    if (iss.dfsc == kFscAlignment) return fmt::format("unaligned {} at {} (alignment fault)", dir, where);
    if (!exit.stage2) return describe_stage1_fault(dir, exit.far, iss.dfsc);
    if (device.empty()) return fmt::format("{} at {}, outside the VM's memory", dir, where);
    if (!iss.isv) return fmt::format("{} at {} by an instruction with no syndrome (ISV=0)", dir, where);
    return fmt::format("{} of {} bytes at {}, register x{}", dir, 1u << iss.sas, where, iss.srt);
}

}  // namespace

std::string describe_exit(const Vcpu& vcpu, const Exit& exit) {
    const std::uint32_t iss = exit.iss();
    switch (exit.ec()) {
        case ExceptionClass::SysRegister: return describe_sysreg_access(SysRegIss::decode(iss));
        case ExceptionClass::Hvc64:
            return fmt::format("HVC #{:#x} (PSCI {})", iss & 0xffff, psci::function_name(vcpu.x(0)));
        case ExceptionClass::Svc64: return fmt::format("SVC #{:#x}", iss & 0xffff);
        case ExceptionClass::Smc64: return fmt::format("SMC #{:#x}", iss & 0xffff);
        case ExceptionClass::Brk64: return fmt::format("BRK #{:#x}", iss & 0xffff);
        case ExceptionClass::WfiWfe: return (iss & 1) ? "WFE" : "WFI";
        case ExceptionClass::DataAbortLower: return describe_data_abort(vcpu, exit);
        case ExceptionClass::InstructionAbortLower:
            if (!exit.stage2) return describe_stage1_fault("instruction fetch", exit.far, iss & 0x3f);
            return fmt::format("instruction fetch from {:#x}, outside the VM's memory", exit.far);
        case ExceptionClass::PcAlignment: return fmt::format("branch to the unaligned address {:#x}", exit.far);
        case ExceptionClass::Unknown: {
            if (exit.op == Op::ERET) return "ERET";
            if (exit.op == Op::UNDEFINED) return fmt::format("undefined instruction {:#010x}", exit.instruction);
            return fmt::format("{} (UNDEFINED at EL0)", disassemble(exit.instruction, exit.pc));
        }
        default: return fmt::format("exception class {:#x}", static_cast<unsigned>(exit.ec()));
    }
}

std::string not_virtualized_message(const Vcpu& vcpu, const Exit& exit, const VersionHooks& hooks) {
    const std::string what = describe_exit(vcpu, exit);
    const std::string where = vcpu.vm().location(exit.pc);
    const std::string_view adds = hooks.roadmap ? hooks.roadmap(vcpu, exit) : std::string_view();
    if (adds.empty()) return fmt::format("{}: {} {}: no version of this VMM virtualizes it", hooks.version, what, where);
    return fmt::format("{}: {} is not virtualized here ({}); version {} adds it", hooks.version, what, where, adds);
}

}  // namespace trapeze
