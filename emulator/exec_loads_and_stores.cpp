// Semantics of the loads and stores instructions.
#include "emulator/exec_common.h"

namespace trapeze {

void add_loads_and_stores(SemanticsTable&) {}

}  // namespace trapeze
