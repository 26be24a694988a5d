// Version 4 of the lecture: "虚拟机内部支持多个用户态线程" -- the guest kernel runs many user
// threads and schedules them itself. The VMM adds nothing: it never sees a guest thread,
// only what v3 already handles -- SVCs, the timer's vIRQs, TTBR0_EL1 writes when the guest
// switches address spaces, TLBIs. That is the answer to the lecture's question "Fork bomb是否
// 会影响VMM？": a fork bomb makes the guest kernel busy, not the VMM; the VMM's exits per
// timer tick do not grow with the number of guest threads (the v4 summary shows it).
#include "versions/v4/handlers.h"

#include "versions/v3/handlers.h"

namespace trapeze::v4 {

void install(VersionHooks& hooks) {
    v3::install(hooks);
    hooks.version = "v4";
}

}  // namespace trapeze::v4
