// trapeze-v3: v2 plus the virtual EL: a guest kernel with a user thread, exceptions forwarded
// to the guest kernel, and the guest's own stage-1 page tables.
#include "versions/v3/handlers.h"
#include "vmm/cli.h"

int main(int argc, char** argv) { return trapeze::run_target(trapeze::v3::install, argc, argv); }
