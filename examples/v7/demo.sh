#!/bin/sh
# The v7 demo: a VM with several vCPUs; SMP guests, IPIs, and lock-holder preemption.
#   examples/v7/demo.sh [--no-pause] [BUILD_DIR]
. "$(dirname "$0")/../demo_common.sh"
v7=$build/trapeze-v7

act "Trapeze v7: one VM, four vCPUs, two physical CPUs"
say "vCPU 0 starts the others with PSCI CPU_ON; they pass a token around a ring of SGIs" \
    "(ICC_SGI1R_EL1) and add to one counter under a ticket spinlock. The run queues now" \
    "hold vCPUs, tagged with their VM. The VM's %CPU can pass 100%: it runs on two pCPUs."
show "$v7" "$guests/v7-smp.json"

act "The same guest on one pCPU"
say "Four vCPUs take turns on a single pCPU; the guest prints the same exact results."
show "$v7" "$guests/v7-smp-one-pcpu.json"

act "Lock-holder preemption"
say "Every vCPU takes one lock again and again. With a pCPU for each vCPU, a waiter waits" \
    "only for the holders queued in front of it:"
printf '\n$ %s\n' "$v7 $guests/v7-lockstorm-dedicated.json 2>/dev/null | grep all:"
"$v7" "$guests/v7-lockstorm-dedicated.json" 2>/dev/null | grep 'all:'
say "" "Four vCPUs on two pCPUs: when the physical timer takes the pCPU from a vCPU holding" \
    "the lock, the others wait until it runs again. Waiters wait in WFE, which traps:" \
    "the VMM gives their pCPU to another vCPU (pause-loop exiting), which keeps it short:"
printf '\n$ %s\n' "$v7 $guests/v7-lockstorm.json 2>/dev/null | grep all:"
"$v7" "$guests/v7-lockstorm.json" 2>/dev/null | grep 'all:'
say "" "Another VM shares the pCPUs with two lock vCPUs: it preempts the holders, and the" \
    "mean wait grows about six-fold:"
printf '\n$ %s\n' "$v7 $guests/v7-lockstorm-neighbour.json 2>/dev/null | grep all:"
"$v7" "$guests/v7-lockstorm-neighbour.json" 2>/dev/null | grep 'all:'
