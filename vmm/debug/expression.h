// Addresses and values as a person types them at the stepper: numbers (decimal, 0x hex),
// registers (x0..x30, w0..w30, sp, pc, lr, fp), virtual system registers (vbar_el1,
// elr_el1...), guest symbols (main, vectors), joined by + - * and parentheses:
// `sp+16`, `vectors+0x280`, `x0`, `elr_el1-4`.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace trapeze {

class Vcpu;

class ExpressionError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Evaluate `text` on the vCPU's state and its VM's symbols. Throws ExpressionError with what
// is wrong ("unknown name 'mian'", "')' expected").
std::uint64_t evaluate(const Vcpu& vcpu, std::string_view text);

// Names (registers, trap kinds) are matched without regard to case.
std::string lowercase(std::string_view s);

// The value of one register by name as the stepper and GDB see it (general, SP/PC, PSTATE,
// SP_EL0/SP_EL1, virtual system registers), or nullopt if there is no such register.
std::optional<std::uint64_t> register_value(const Vcpu& vcpu, std::string_view name);

}  // namespace trapeze
