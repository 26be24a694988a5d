#!/bin/sh
# The v6 demo: several physical CPUs, one VM_runqueue each; placement and balancing.
#   examples/v6/demo.sh [--no-pause] [BUILD_DIR]
. "$(dirname "$0")/../demo_common.sh"
v6=$build/trapeze-v6

act "Trapeze v6: four VMs on two physical CPUs"
say "Each pCPU has its own VM_runqueue; the VMs are placed in turn (VM i on pCPU i mod 2)." \
    "The pCPUs run in lock-step in one host thread: the one whose clock is furthest behind" \
    "runs next, so the run is the same, byte for byte, every time."
show "$v6" "$guests/v6-four-vms.json"

act "Placement by hand: affinity"
say "The two heartbeat VMs are pinned to pCPU 0, the two guest kernels to pCPU 1. pCPU 0" \
    "is done after 20 million ns and idles while pCPU 1 still has 40 million to go:"
summary "$v6" "$guests/v6-affinity.json"

act "Balancing: an idle pCPU takes work"
say "Two short VMs on pCPU 0, two heartbeat VMs on pCPU 1. Without balancing, pCPU 0 idles" \
    "once its VMs are done:"
unbalanced=${TMPDIR:-/tmp}/trapeze-v6-no-balance.$$.json
sed -e 's/"balance": true/"balance": false/' -e "s#\"guest\": \"#\"guest\": \"$(cd "$guests" && pwd)/#" \
    "$guests/v6-balance.json" > "$unbalanced"
printf '\n$ %s\n' "$v6 v6-balance.json with \"balance\": false"
"$v6" "$unbalanced" >/dev/null || true
rm -f "$unbalanced"
say "" "With balancing, idle pCPU 0 takes a heartbeat VM from pCPU 1's run queue: both" \
    "pCPUs are busy, and the run ends 9 million ns earlier."
summary "$v6" "$guests/v6-balance.json"
