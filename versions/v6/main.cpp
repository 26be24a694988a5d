// trapeze-v6: several VMs on several physical CPUs.
#include "versions/v6/handlers.h"
#include "vmm/cli.h"

int main(int argc, char** argv) { return trapeze::run_target(trapeze::v6::install, argc, argv); }
