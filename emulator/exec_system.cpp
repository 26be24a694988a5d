// Semantics of the system instructions.
#include "emulator/exec_common.h"

namespace trapeze {

void add_system(SemanticsTable&) {}

}  // namespace trapeze
