// Version 4: many user threads in the guest. The VMM is v3's.
#pragma once

#include "vmm/exit_handlers.h"

namespace trapeze::v4 {

// Plug v3's handlers into the VMM's tables, under v4's name.
void install(VersionHooks& hooks);

}  // namespace trapeze::v4
