// Semantics of the branches instructions.
#include "emulator/exec_common.h"

namespace trapeze {

void add_branches(SemanticsTable&) {}

}  // namespace trapeze
