#!/bin/sh
# Lock-holder preemption, side by side: the same lock storm (2 vCPUs) with a heartbeat VM on
# 2 pCPUs, under three policies, and the figures each gives as one table.
#   examples/v7/lockstorm-compare.sh [BUILD_DIR]     (BUILD_DIR: build/release by default)
#
#   round-robin   the spinlock spins without WFE (lockstorm-spin.elf): nothing traps
#   pause-loop    the waiter waits in WFE, which traps; the VMM yields to a preempted vCPU
#                 of the same VM (v7's directed yield, as KVM's kvm_vcpu_on_spin)
#   gang          spinning without WFE, but the VM's vCPUs run together or not at all
#
# Spin instructions are the guest's own count (trips round its wait loop times the loop's
# length); waits are the guest's, read from the virtual counter (62.5 MHz: 16 ns a tick),
# shown in ns; pause-loop exits and the VM's end come from the VMM's summary.
set -e
build=${1:-build/release}
v7=$build/trapeze-v7
guests=$build/examples
if [ ! -x "$v7" ] || [ ! -d "$guests" ]; then
  echo "$0: no $v7 or $guests: build first (make build), or name the build folder" >&2
  exit 2
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

printf 'Lock-holder preemption: lockstorm (2 vCPUs, 800 acquisitions) and heartbeat (1 vCPU) on 2 pCPUs, quantum 20000 ns\n'
printf '%-12s %12s %9s %9s %9s %9s %10s %10s %12s\n' policy "spin instrs" waited "mean ns" "p99 ns" "max ns" \
  "WFE exits" "directed" "lockstorm ns"
for row in "round-robin v7-lockstorm-neighbour-spin" "pause-loop v7-lockstorm-neighbour" \
           "gang v7-lockstorm-neighbour-gang"; do
  set -- $row
  "$v7" "$guests/$2.json" >"$out/console" 2>"$out/summary" || true
  cat "$out/console" "$out/summary" | awk -v policy="$1" '
    /lockstorm:   all: .* times round/ {
      instructions = $0; sub(/.*\(/, "", instructions); sub(/ instructions.*/, "", instructions)
      waited = $0; sub(/.*instructions\); /, "", waited); sub(/ acquisitions waited.*/, "", waited); sub(/ of /, "/", waited)
    }
    /lockstorm:   all: wait per acquisition/ {
      line = $0; sub(/.*mean /, "", line); split(line, f, /, p99 |, max /)
      mean = f[1] * 16; p99 = f[2] * 16; max = f[3] * 16
    }
    /^pause-loop exits \(WFE\) of lockstorm:/ {
      exits = $6; sub(/;/, "", exits); directed = $7
    }
    /^lockstorm +powered off/ { end_ns = $5 }
    END {
      if (exits == "") { exits = 0; directed = 0 }
      printf "%-12s %12s %9s %9s %9s %9s %10s %10s %12s\n", policy, instructions, waited, mean, p99, max, exits, directed, end_ns
    }'
done
