#!/bin/sh
# The v5 demo: several VMs time-share one physical CPU (server consolidation).
#   examples/v5/demo.sh [--no-pause] [BUILD_DIR]
. "$(dirname "$0")/../demo_common.sh"
v5=$build/trapeze-v5

act "Trapeze v5: several VMs on one physical CPU"
say "Two VMs share one pCPU: the guest kernel of v4 with its processes, and the heartbeat" \
    "guest. Every quantum (20000 instructions) the physical timer gives the VMM the CPU;" \
    "v5's handler saves the running VM's whole vCPU context, takes the next VM from the" \
    "VM_runqueue and restores its context. Each VM's lines carry its name."
show "$v5" "$guests/v5-two-vms.json"
say "" "The summary: each VM's instructions, its exits by class, its share of the pCPU" \
    "(share: of all instructions; %CPU: of the time it existed, as top says it)," \
    "and the pCPU's utilisation (idle: every vCPU waits in WFI)."

act "The VM switch, in the trace"
say "The first physical-timer exits of two copies of one guest, and the VM switches:"
printf '\n$ %s\n' "$v5 $guests/v5-round-robin.json --trace --quiet 2>&1 >/dev/null | head -4"
"$v5" "$guests/v5-round-robin.json" --trace --quiet 2>&1 >/dev/null | head -4
say "" "Round-robin: the two VMs alternate, one quantum each, and both get 50% of the pCPU:"
show "$v5" "$guests/v5-round-robin.json" --quiet

act "Weights: a proportional share"
say "The same two VMs under the weighted scheduler, weights 3 and 1: while both run, the" \
    "heavy one gets three quarters of the pCPU (its %CPU is about 75%)."
show "$v5" "$guests/v5-weighted.json"

act "One VM's trouble is its own"
say "Four VMs: one stores to memory it does not own, one loops until its own budget runs" \
    "out, one says hello and powers off. The heartbeat VM prints every beat regardless."
show "$v5" "$guests/v5-misbehaving.json"

act "The fork-bomb question, across VMs"
say "A fork bomb (64 processes) in one VM, a compute guest in the other. The VMM schedules" \
    "VMs, not the guest's processes: the compute VM gets the same share of the pCPU as" \
    "beside a VM with one busy program. (Its budget ends its run while its neighbour goes on.)"
for scenario in v5-forkbomb-neighbour v5-busy-neighbour v5-idle-neighbour; do
  printf '\n$ %s\n' "$v5 $guests/$scenario.json 2>&1 >/dev/null | grep '^  compute'"
  "$v5" "$guests/$scenario.json" 2>&1 >/dev/null | grep '^  compute'
done
say "" "Beside the fork bomb, beside one busy program, beside an idle VM: 50%, 50%, 100%."
