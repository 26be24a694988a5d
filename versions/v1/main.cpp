// trapeze-v1: a kernel-only VM; the VMM handles physical-timer exits, the UART and SYSTEM_OFF.
#include "versions/v1/handlers.h"
#include "vmm/cli.h"

int main(int argc, char** argv) { return trapeze::run_target(trapeze::v1::install, argc, argv); }
