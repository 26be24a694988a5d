// Semantics of the atomics instructions.
#include "emulator/exec_common.h"

namespace trapeze {

void add_atomics(SemanticsTable&) {}

}  // namespace trapeze
