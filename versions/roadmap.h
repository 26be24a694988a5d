// The lecture's roadmap: which version first virtualizes each kind of trap. Versions hand
// it to the VMM so that a guest that needs more than its version offers is told which
// version adds it.
#pragma once

#include <string_view>

#include "emulator/exit.h"

namespace trapeze {

class Vcpu;

std::string_view lecture_roadmap(const Vcpu& vcpu, const Exit& exit);

}  // namespace trapeze
