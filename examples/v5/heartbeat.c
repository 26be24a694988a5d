// A v5 guest that computes in beats and prints a line at the end of each one, so that its
// progress shows while several VMs share a CPU: their lines interleave as the VMM switches
// between them. A beat is a fixed amount of the guest's own work, not of time, so what it
// prints never depends on how it is scheduled (run it alone and in company: the same lines).
#include "guest.h"

#ifndef BEATS
#define BEATS 10
#endif
#define STEPS_PER_BEAT 200000  // about a million instructions at -O2

int main(void) {
    guest_printf("heartbeat: %u beats of %u steps of work\n", BEATS, STEPS_PER_BEAT);
    uint64_t h = 1469598103934665603ull;  // FNV-1a over the step numbers
    for (unsigned beat = 1; beat <= BEATS; ++beat) {
        for (unsigned i = 0; i < STEPS_PER_BEAT; ++i) h = (h ^ i) * 1099511628211ull;
        guest_printf("heartbeat: beat %u: %016lx\n", beat, h);
    }
    guest_printf("heartbeat: done\n");
    return 0;
}
