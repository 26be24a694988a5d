#!/bin/sh
# The control socket: VMs created, booted, queried, paused, resumed, shut down and destroyed
# from the shell while the machine runs (the lecture's 通过软件接口管理虚拟机).
#   examples/v5/control-demo.sh [--no-pause] [BUILD_DIR]
. "$(dirname "$0")/../demo_common.sh"
v5=$build/trapeze-v5
ctl=$build/trapeze-ctl
work=$(mktemp -d "${TMPDIR:-/tmp}/trapeze-control-demo.XXXXXX")
sock=$work/vmm.sock
vmm=
cleanup() {
  [ -n "$vmm" ] && kill "$vmm" 2>/dev/null
  [ -n "$events" ] && kill "$events" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# ctl COMMAND [KEY=VALUE...]: show the trapeze-ctl command, then run it.
ctl() {
  printf '\n$ trapeze-ctl vmm.sock %s\n' "$*"
  "$ctl" "$sock" "$@" || true
}

# wait_for VM STATE: ask query-vms until the VM is in that state.
wait_for() {
  printf '\n(waiting until %s is %s)\n' "$1" "$2"
  until "$ctl" "$sock" query-vms | tr -d ' \n' | grep -q "\"name\":\"$1\",\"state\":\"$2\""; do sleep 0.05; done
}

act "Trapeze v5 with a control socket"
say "The VMM starts with no VM at all; --control makes it wait for commands on a Unix socket," \
    "one JSON object per line, as QEMU's QMP. trapeze-ctl is its client. The VMs' consoles go" \
    "to a file here (each line carries its VM's name); we read it at the end."
printf '\n$ %s\n' "$v5 --control vmm.sock --quiet > console.txt &"
"$v5" --control "$sock" --quiet > "$work/console.txt" 2>&1 &
vmm=$!
while [ ! -S "$sock" ]; do sleep 0.02; done
printf '\n$ %s\n' "trapeze-ctl vmm.sock events > events.txt &"
"$ctl" "$sock" events > "$work/events.txt" 2> "$work/events.err" &
events=$!
while [ ! -s "$work/events.err" ]; do sleep 0.02; done

act "Create two VMs"
say "vm-create takes what a scenario file says of a VM (name, guest, vcpus, memory_mib...)." \
    "A created VM has its memory and its image loaded, but no vCPU has run."
ctl vm-create name=hb guest="$guests/heartbeat.elf"
ctl vm-create name=pb guest="$guests/powerbutton.elf" memory_mib=64
ctl query-vms

act "Boot them, pause one"
say "vm-boot puts a VM's boot vCPU on a pCPU's VM_runqueue: the two VMs now time-share the" \
    "pCPU. vm-pause takes a VM's vCPUs off the run queues (its context saved): only pb runs."
ctl vm-boot name=pb
ctl vm-boot name=hb
ctl vm-pause name=hb
ctl query-vcpus name=hb
say "" "A command a VM's state does not allow is refused, and names the state:"
ctl vm-boot name=pb
ctl vm-pause name=hb
say "" "vm-resume puts hb's vCPU back on the run queue, as it was; it runs to its end:"
ctl vm-resume name=hb
wait_for hb powered-off

act "Shut down: the guest is asked"
say "vm-shutdown presses the VM's power button: SPI 7 (INTID 39) goes high. The powerbutton" \
    "guest takes the interrupt, says goodbye and powers off itself (PSCI SYSTEM_OFF). A guest" \
    "that ignores the button is powered off after a grace period (10 million instructions)."
ctl vm-shutdown name=pb
wait_for pb powered-off
ctl query-vms

act "Destroy them"
say "vm-destroy takes a VM off the machine and frees it, in any state."
ctl vm-destroy name=hb
ctl vm-destroy name=pb
ctl query-vms
ctl vm-pause name=hb
ctl quit
wait "$vmm"
vmm=
wait "$events"
events=

act "What the VMs printed, and the events"
say "The console (pb's beat lines left out: how many there are depends on when it was shut" \
    "down):"
printf '\n$ %s\n' "grep -v 'powerbutton: beat' console.txt"
grep -v 'powerbutton: beat' "$work/console.txt"
say "" "The events trapeze-ctl followed (timestamps: the machine's virtual time):"
printf '\n$ %s\n' "cat events.txt"
cat "$work/events.txt"
