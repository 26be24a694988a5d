// Semantics of the data processing register instructions.
#include "emulator/exec_common.h"

namespace trapeze {

void add_data_processing_register(SemanticsTable&) {}

}  // namespace trapeze
