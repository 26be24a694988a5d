// The progress line.
#include "vmm/progress.h"

#include <fmt/format.h>

#include "vmm/physical_cpu.h"
#include "vmm/vm.h"

namespace trapeze {

// A slice ends at least this often, so that a run with no physical timer still shows progress.
constexpr std::uint64_t kSliceLimit = 50'000'000;

std::uint64_t ProgressLine::before_slice(Vcpu& vcpu) {
    const auto now = std::chrono::steady_clock::now();
    if (now < next_) return kSliceLimit;
    next_ = now + std::chrono::milliseconds(250);
    std::uint64_t retired = 0, exits = 0;
    for (auto& v : vcpu.vm().vcpus()) {
        retired += v->retired;
        for (const std::uint64_t n : v->exits_by_ec) exits += n;
        exits += v->physical_timer_exits;
    }
    const double seconds = std::chrono::duration<double>(now - start_).count();
    const std::uint64_t virtual_ns = vcpu.pcpu ? vcpu.pcpu->clock_ns : 0;
    fmt::print(out_, "\r\033[K{}: {:.1f} M instructions ({:.0f} MIPS), virtual time {:.3f} s, {} VM exits", target_,
               static_cast<double>(retired) / 1e6, static_cast<double>(retired) / seconds / 1e6,
               static_cast<double>(virtual_ns) / 1e9, exits);
    std::fflush(out_);
    shown_ = true;
    return kSliceLimit;
}

void ProgressLine::erase() {
    if (!shown_) return;
    std::fputs("\r\033[K", out_);
    std::fflush(out_);
    shown_ = false;
}

}  // namespace trapeze
