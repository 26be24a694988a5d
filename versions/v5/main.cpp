// trapeze-v5: several VMs time-share one physical CPU.
#include "versions/v5/handlers.h"
#include "vmm/cli.h"

int main(int argc, char** argv) { return trapeze::run_target(trapeze::v5::install, argc, argv); }
