// trapeze-v4: v3's VMM running guests with many user threads.
#include "versions/v4/handlers.h"
#include "vmm/cli.h"

int main(int argc, char** argv) { return trapeze::run_target(trapeze::v4::install, argc, argv); }
