// trapeze-v7: VMs with several vCPUs on several physical CPUs.
#include "versions/v7/handlers.h"
#include "vmm/cli.h"

int main(int argc, char** argv) { return trapeze::run_target(trapeze::v7::install, argc, argv); }
