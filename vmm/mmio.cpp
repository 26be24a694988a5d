// Emulating a trapped MMIO access from its syndrome.
#include "vmm/mmio.h"

#include <fmt/format.h>

#include "decoder/bits.h"
#include "vmm/vm.h"

namespace trapeze {

Action emulate_mmio(Vcpu& vcpu, const Exit& exit) {
    const DataAbortIss iss = DataAbortIss::decode(exit.iss());
    Vm& vm = vcpu.vm();
    const std::uint64_t pa = abort_address(exit);
    const std::string_view device = vm.device_at(pa);
    const std::string where = vm.location(exit.pc);
    if (iss.dfsc == kFscAlignment)
        return Action::stop(fmt::format("unaligned {} at {:#x}{} {} (an alignment fault: with the MMU off, memory "
                                        "is Device memory)",
                                        iss.wnr ? "write" : "read", pa,
                                        device.empty() ? std::string() : fmt::format(" ({})", device), where));
    if (device.empty())
        return Action::stop(fmt::format("the guest touched memory it does not own: {} {:#x} {}",
                                        iss.wnr ? "write to" : "read from", pa, where));
    if (!iss.isv)
        return Action::stop(fmt::format("access to {} at {:#x} {} has no syndrome (ISV=0: a pair, writeback or "
                                        "exclusive); use a plain LDR/STR for device registers",
                                        device, pa, where));
    const unsigned size = 1u << iss.sas;
    std::string_view note;  // a register left out (RAZ/WI), named the first time
    const auto done = [&note](std::string_view what) { return Action::resume_next(note.empty() ? what : note); };
    if (iss.wnr) {
        vm.mmio_write(vcpu, pa, size, vcpu.x(iss.srt) & ones(8 * size), &note);
        return done("emulated the device write");
    }
    std::uint64_t value = 0;
    vm.mmio_read(vcpu, pa, size, value, &note);
    value &= ones(8 * size);
    if (iss.sse) value = static_cast<std::uint64_t>(sign_extend(value, 8 * size));
    if (!iss.sf) value &= 0xffff'ffff;
    vcpu.set_x(iss.srt, value);
    return done("emulated the device read");
}

}  // namespace trapeze
