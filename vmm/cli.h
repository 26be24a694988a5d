// The command line every trapeze-vN target shares: load a guest or scenario, plug in the
// version's handlers, run, trace, and summarize.
#pragma once

#include <string_view>

#include "vmm/exit_handlers.h"

namespace trapeze {

using InstallHandlers = void (*)(VersionHooks&);

// The whole main() of a version's target. Returns the process exit status: 0 when the
// guest powered off, 1 when the VM was stopped (the reason is printed), 2 for bad input.
int run_target(InstallHandlers install, int argc, char** argv);

}  // namespace trapeze
