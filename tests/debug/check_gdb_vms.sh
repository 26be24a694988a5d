#!/usr/bin/env bash
# gdb-multiarch in batch mode against the stub on a machine of two VMs (GDB's multiprocess
# extension): the first VM is the first inferior, `attach 2` adds the second; `info threads`
# lists a vCPU of each; a breakpoint in the second VM's main stops there, though the first
# VM runs the same guest at the same addresses and passed main before; each inferior shows
# its own VM's registers; detaching both lets the machine run to its end.
#
# usage: check_gdb_vms.sh TARGET SCENARIO GUEST SESSION.gdb EXPECTED_CONSOLE WORKDIR
set -euo pipefail
target=$1 scenario=$2 guest=$3 session=$4 console=$5 work=$6
# The session names the guest's path; it is written beside WORKDIR (run_gdb_session empties that).
sed "s|build-guest-placeholder|$guest|" "$session" > "$work.gdb"
. "$(dirname "$0")/gdb_session.sh"
run_gdb_session "$target" "$guest" "$work.gdb" "$work" "$scenario" extended-remote

expect "* 1    Thread 1.1 (a/vcpu0, virtual EL1) _start ()"
expect "[New inferior 2]"
expect "* 2.1  Thread 2.1 (b/vcpu0, virtual EL1) _start ()"
expect "Breakpoint 1 at 0x40080040: file"
expect "heartbeat.c:12 inf 2"
expect "Thread 2.1 hit Breakpoint 1, main ()"
expect "Thread 1.1 (a/vcpu0, virtual EL1) 0x0000000040080094 in main ()"
expect "* 2.1  Thread 2.1 (b/vcpu0, virtual EL1) main ()"
expect "pc             0x40080040          0x40080040 <main>"
expect "\$1 = 0x400911b0"
expect "b/vcpu0 on pCPU0, step 72866 of the machine"
expect "pc             0x40080094          0x40080094 <main+84>"
expect "[Inferior 1 (process 1) detached]"
expect "[Inferior 2 (process 2) detached]"
[ "$status" = 0 ] || { echo "the machine exited with $status after GDB detached:"; cat "$work/stderr.txt"; exit 1; }
cmp "$work/console.txt" "$console" || { echo "the console output differs from $console"; exit 1; }
echo "gdb-multiarch saw both VMs as inferiors, stopped in the second VM's main, detached; the machine ran to its end"
