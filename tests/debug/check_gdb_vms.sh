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
rm -rf "$work" && mkdir -p "$work"
sed "s|build-guest-placeholder|$guest|" "$session" > "$work/session.gdb"
"$target" "$scenario" --gdb 0 --gdb-wait --quiet > "$work/console.txt" 2> "$work/stderr.txt" &
pid=$!
trap "kill $pid 2>/dev/null || true" EXIT
port=""
for _ in $(seq 1 100); do
  port=$(sed -n 's/.*waiting for GDB on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/stderr.txt" | head -1)
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { echo "the stub never said its port:"; cat "$work/stderr.txt"; exit 1; }
timeout 120 gdb-multiarch -batch -nx -ex "target extended-remote :$port" -x "$work/session.gdb" "$guest" \
  > "$work/gdb.txt" 2>&1 || true
wait $pid && status=0 || status=$?
trap - EXIT

expect() {
  grep -qF -- "$1" "$work/gdb.txt" || { echo "GDB's output lacks: $1"; echo "--- it was:"; cat "$work/gdb.txt"; exit 1; }
}
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
