#!/usr/bin/env bash
# gdb-multiarch in batch mode against the stub: connect, break on a guest symbol, continue,
# read registers and memory, stepi, a watchpoint that fires, info threads, monitor commands,
# set a register, detach (the guest then runs to its end). Checks what GDB printed, line by
# line, and that the guest ran to the end with the right console output.
#
# usage: check_gdb.sh TARGET GUEST SESSION.gdb EXPECTED_CONSOLE WORKDIR
set -euo pipefail
target=$1 guest=$2 session=$3 console=$4 work=$5
. "$(dirname "$0")/gdb_session.sh"
run_gdb_session "$target" "$guest" "$session" "$work"

expect "Breakpoint 1, main () at"
expect "pc             0x400800c4          0x400800c4 <main+28>"
expect ":	0x0000000000000000	0x0000000040080030"   # main's frame: a zero frame pointer, the return into _start
expect "pc             0x400800c8          0x400800c8 <main+32>"
expect "* 1    Thread 1 (vm0/vcpu0, virtual EL1) 0x00000000400800c8 in main ()"
expect "\$1 = 0"
expect "Hardware watchpoint 2: ticks"
expect "Old value = 0"
expect "New value = 1"
expect "in guest_irq () at"
expect "  that is: MRS x8, ICC_IAR1_EL1"
expect "the VMM: emulated the read"
expect "VM_runqueue: (empty)"
expect "no monitor command 'frob' (monitor help lists them)"
expect "'step' is the stepper's; from GDB use its own commands"
expect "VBAR_EL1       0x40080800          1074268160"
expect "\$2 = 0x400801f0"
expect "\$3 = 0x1234"
expect "[Inferior 1 (Remote target) detached]"
[ "$status" = 0 ] || { echo "the guest exited with $status after GDB detached:"; cat "$work/stderr.txt"; exit 1; }
cmp "$work/console.txt" "$console" || { echo "the console output differs from $console"; exit 1; }
echo "gdb-multiarch attached, stepped, watched, asked the monitor, detached; the guest ran to its end"
