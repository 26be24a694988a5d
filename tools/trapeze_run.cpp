// trapeze-run: one guest ELF on the bare interpreter, with the VMM's device models (the
// PL011, the GIC's MMIO) and the two PSCI calls a bare guest makes, and no other trap
// handler: no physical timer, no virtual system registers, no interrupts. It shares the
// targets' command line, tracing and debuggers; its summary adds the host's speed.
#include <fmt/format.h>

#include "decoder/disassembler.h"
#include "versions/roadmap.h"
#include "vmm/cli.h"
#include "vmm/devices/psci.h"
#include "vmm/mmio.h"
#include "vmm/settings.h"
#include "vmm/sysreg.h"
#include "vmm/vm.h"
#include "vmm/vcpu.h"

namespace {

using namespace trapeze;

// PSCI over HVC, only what a bare guest needs: the version, and powering off.
Action handle_psci(Vcpu& vcpu, const Exit&) {
    switch (static_cast<std::uint32_t>(vcpu.x(0))) {
        case psci::kVersion: vcpu.set_x(0, psci::kVersion1_1); return Action::resume_next("PSCI 1.1");
        case psci::kSystemOff: return Action::power_off();
        default: return Action::not_virtualized();
    }
}

// CPACR_EL1, so that a guest can enable FP/SIMD as it would on a machine: kept, and pushed
// into the interpreter. Every other system register is a version's business.
Action handle_sysreg(Vcpu& vcpu, const Exit& exit) {
    const SysRegIss iss = SysRegIss::decode(exit.iss());
    const SysregInfo* reg = find_sysreg(iss);
    if (!reg || reg->id != SysregId::CPACR_EL1) return Action::not_virtualized();
    if (iss.read) vcpu.set_x(iss.rt, vcpu.sysreg(SysregId::CPACR_EL1));
    else vcpu.set_sysreg(SysregId::CPACR_EL1, vcpu.x(iss.rt));
    return Action::resume_next("CPACR_EL1");
}

// An FP/SIMD instruction CPACR_EL1 does not allow yet: say so, with the instruction.
Action handle_fp_access(Vcpu& vcpu, const Exit& exit) {
    return Action::stop(fmt::format("the bare interpreter: an FP/SIMD instruction ({}) {}, which CPACR_EL1.FPEN "
                                    "traps: a guest enables FP/SIMD with MSR CPACR_EL1 first",
                                    disassemble(exit.instruction, exit.pc), vcpu.vm().location(exit.pc)));
}

// MMIO on the VMM's device models.
Action handle_mmio(Vcpu& vcpu, const Exit& exit) { return emulate_mmio(vcpu, exit); }

void install_bare(VersionHooks& hooks) {
    hooks.version = "the bare interpreter";
    hooks.roadmap = lecture_roadmap;
    hooks.on(ExceptionClass::Hvc64, handle_psci);
    hooks.on(ExceptionClass::DataAbortLower, handle_mmio);
    hooks.on(ExceptionClass::SysRegister, handle_sysreg);
    hooks.on(ExceptionClass::FpAccess, handle_fp_access);
}

}  // namespace

int main(int argc, char** argv) {
    TargetProfile profile;
    profile.install = install_bare;
    profile.description =
        "Runs a guest ELF on the bare interpreter: the VMM's devices and PSCI VERSION/SYSTEM_OFF, no other trap "
        "handler, no physical timer unless --quantum asks for one.";
    profile.quantum = setting::kQuantum.max;
    profile.report_speed = true;
    return run_target(profile, argc, argv);
}
