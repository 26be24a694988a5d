// trapeze-v2: v1 plus irq_handler, irq_bit, the virtual timer, the GIC and vIRQ injection.
#include "versions/v2/handlers.h"
#include "vmm/cli.h"

int main(int argc, char** argv) { return trapeze::run_target(trapeze::v2::install, argc, argv); }
