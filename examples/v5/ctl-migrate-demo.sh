#!/bin/sh
# Live migration driven from the shell: two Trapeze processes with control sockets, and
# trapeze-ctl moving one VM of two from one to the other while it prints, the pre-copy rounds
# shown as events ("通过软件接口管理虚拟机" and "虚拟机热迁移" together).
#   examples/v5/ctl-migrate-demo.sh [--no-pause] [BUILD_DIR]
. "$(dirname "$0")/../demo_common.sh"
v5=$build/trapeze-v5
ctl=$build/trapeze-ctl
work=$(mktemp -d "${TMPDIR:-/tmp}/trapeze-ctl-migrate.XXXXXX")
src= dst= events=
cleanup() {
  for p in $src $dst $events; do kill "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT

# The host's milliseconds and the folder differ from run to run: the demo shows them as N, WORK.
masked() { sed -E -e 's/"(downtime_host_ms|total_host_ms)": ?[0-9.e+-]+/"\1": N/g' -e "s|$work|WORK|g"; }
# ctl SOCKET COMMAND [KEY=VALUE...]: show the trapeze-ctl command, then run it.
ctl() {
  sock=$1
  shift
  printf '\n$ trapeze-ctl %s %s\n' "$sock" "$*" | masked
  "$ctl" "$work/$sock" "$@" 2>&1 | masked || true
}
# wait_for SOCKET VM STATE: ask query-vms until the VM is in that state.
wait_for() {
  printf '\n(waiting until %s is %s on %s)\n' "$2" "$3" "$1"
  until "$ctl" "$work/$1" query-vms | tr -d ' \n' | grep -q "\"name\":\"$2\",\"state\":\"$3\""; do sleep 0.05; done
}

act "Two Trapeze processes, each with a control socket"
say "The source and the destination start with no VM; each waits for commands on its socket."
printf '\n$ %s\n$ %s\n' "$v5 --control src.sock --quiet > src-console.txt &" "$v5 --control dst.sock --quiet > dst-console.txt &"
"$v5" --control "$work/src.sock" --quiet > "$work/src-console.txt" 2>&1 &
src=$!
"$v5" --control "$work/dst.sock" --quiet > "$work/dst-console.txt" 2>&1 &
dst=$!
while [ ! -S "$work/src.sock" ] || [ ! -S "$work/dst.sock" ]; do sleep 0.02; done

act "The destination waits for the VM"
say "migrate-incoming takes what vm-create takes (the same guest, RAM and vCPUs as the VM that" \
    "comes) and an address: the VM is made, its state \"incoming\"; it runs once the source" \
    "has sent its pages and then its vCPU and devices."
ctl dst.sock migrate-incoming name=hb guest="$guests/heartbeat.elf" address="unix:$work/mig.sock"
ctl dst.sock query-vms

act "The source: two VMs, and one of them moves"
say "hb prints a line at each of its 10 beats of work; stay does the same work and stays." \
    "trapeze-ctl follows the migration's events; the source gets the VMs and the migrate in one" \
    "write (trapeze-ctl's raw mode), so they all apply at one slice boundary and the run is the" \
    "same every time. The link is 1 MiB/s of virtual time: the move takes a few beats."
printf '\n$ %s\n' "trapeze-ctl src.sock events --until migration-completed migration-progress migration-completed > events.txt &"
"$ctl" "$work/src.sock" events --until migration-completed migration-progress migration-completed \
  > "$work/events.txt" 2> "$work/events.err" &
events=$!
while [ ! -s "$work/events.err" ]; do sleep 0.02; done
cat > "$work/requests.txt" <<REQUESTS
{"execute":"vm-create","arguments":{"name":"hb","guest":"$guests/heartbeat.elf"}}
{"execute":"vm-create","arguments":{"name":"stay","guest":"$guests/heartbeat.elf"}}
{"execute":"vm-boot","arguments":{"name":"hb"}}
{"execute":"vm-boot","arguments":{"name":"stay"}}
{"execute":"migrate","arguments":{"name":"hb","to":"unix:$work/mig.sock","bandwidth":1}}
REQUESTS
printf '\n$ trapeze-ctl src.sock - <<EOF\n'
sed -e "s|$guests|BUILD/examples|g" -e "s|$work|WORK|g" "$work/requests.txt"
printf 'EOF\n'
"$ctl" "$work/src.sock" - < "$work/requests.txt" | masked
wait "$events"
events=
say "" "The rounds, as the source reported them: round 0 sends every page hb has touched while it" \
    "runs on; each later round the pages it dirtied meanwhile; then the stop-and-copy. Its" \
    "downtime is in guest instructions (the same every run) and host ms (shown as N):"
printf '\n$ cat events.txt\n'
masked < "$work/events.txt"

act "Where everything is now"
ctl src.sock query-migrate
wait_for src.sock stay powered-off
wait_for dst.sock hb powered-off
ctl src.sock query-vms
ctl dst.sock query-vms
ctl dst.sock query-migrate
ctl src.sock quit
ctl dst.sock quit
wait "$src"
src=
wait "$dst"
dst=
say "" "What each machine printed: hb's first beats on the source, the rest on the destination;" \
    "stay's beats all on the source, as if nothing had moved."
printf '\n$ cat src-console.txt\n'
cat "$work/src-console.txt"
printf '\n$ cat dst-console.txt\n'
cat "$work/dst-console.txt"
