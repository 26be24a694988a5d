// What the CPU hands back to the layer above when it stops running guest code.
#pragma once

#include <cstdint>

#include "decoder/decoder.h"
#include "emulator/exception_class.h"

namespace trapeze {

enum class ExitReason : std::uint8_t {
    Exception,         // an exception to EL1: the syndrome says which (trap, abort, SVC...)
    InstructionLimit,  // the run's instruction count is used up (the VMM's quantum or budget)
    Kick,              // another thread called Cpu::kick(): the VMM has something for this CPU
};

struct Exit {
    ExitReason reason = ExitReason::InstructionLimit;
    std::uint32_t esr = 0;          // EC:IL:ISS, as ESR_EL1 would hold it
    std::uint64_t far = 0;          // faulting virtual address (aborts only)
    std::uint64_t pc = 0;           // the instruction that caused it; it has not retired
    std::uint32_t instruction = 0;  // the instruction word at pc (0 for instruction aborts)
    Op op = Op::UNDEFINED;          // the decoded instruction of a trapped system instruction
    // Aborts: stage 1 (the guest's own tables) translated the address, but the guest-physical
    // address is not RAM: a device to emulate, or nothing (as a stage-2 fault reaches EL2).
    // The ISS is then the one EL2 would see (ISV and the access's fields); stage-1 faults carry
    // the ISS EL1 sees. MMU off: ipa == far.
    bool stage2 = false;
    std::uint64_t ipa = 0;          // stage2: the guest-physical address (HPFAR_EL2 + offset)

    ExceptionClass ec() const { return esr_ec(esr); }
    std::uint32_t iss() const { return esr_iss(esr); }
};

struct RunResult {
    Exit exit;
    std::uint64_t retired = 0;  // instructions completed during this run
    bool exit_handled = false;  // the exit hook already handled `exit` (see Cpu::set_exit_hook)
};

// The exit fast path (KVM has one too): the layer above may handle an exception exit
// while run() is still on the stack, and so save leaving and re-entering the interpreter.
// The hook handles the exit completely, then answers whether the CPU may go on at regs.pc
// (true) or must return from run() anyway, e.g. because an interrupt is now due (false).
using ExitHook = bool (*)(void* context, const Exit& exit);

}  // namespace trapeze
