#!/bin/sh
# The live-migration demo: a VM that keeps printing while it moves to another Trapeze process
# ("虚拟机热迁移"), the pre-copy rounds printed; then a guest that dirties memory faster than
# the link drains it, throttled, and a migration whose destination is gone.
#   examples/v5/migrate-demo.sh [--no-pause] [BUILD_DIR]
. "$(dirname "$0")/../demo_common.sh"
v5=$build/trapeze-v5
work=$(mktemp -d "${TMPDIR:-/tmp}/trapeze-migrate.XXXXXX")
trap 'rm -rf "$work"' EXIT
socket=$work/vm.sock

# incoming GUEST...: the destination, waiting at $socket, in the background (its console and
# messages go to files, shown once it is done).
incoming() {
  "$v5" "$@" --incoming "unix:$socket" > "$work/dst.out" 2> "$work/dst.err" &
  dst=$!
  for _ in $(seq 1 100); do [ -S "$socket" ] && return; sleep 0.05; done
}
# The time on the host is not deterministic: the demo shows it as N.
masked() { sed -E -e 's/[0-9]+\.[0-9]+ host ms/N host ms/g' -e "s|$work|WORK|g"; }
# migrate SOURCE-ARGS...: run the source, then show what each side printed.
migrate() {
  printf '\n$ %s\n' "$v5 $*" | masked
  stdbuf -oL "$v5" "$@" 2>&1 | masked  # line-buffered: the console and the rounds interleave
  wait $dst
  say "" "-- the destination (started first with --incoming unix:WORK/vm.sock):"
  masked < "$work/dst.out"
  grep -v '^VM \|^vm0 \|^VM exits' "$work/dst.err" | masked
}

act "Trapeze: live migration of a running VM"
say "Two Trapeze processes on this machine. The destination starts with the same guest and" \
    "--incoming: it waits. The source runs the heartbeat guest and, after 2 million" \
    "instructions, moves it over a link of 4 MiB/s (of virtual time, so that the move takes" \
    "a few beats): its dirty log on (the VMM write-protects the VM's pages in its own" \
    "translation and records the first write to each), round 0 sends every touched page while" \
    "the guest runs on, each later round the pages dirtied meanwhile, until few are left; then" \
    "the stop-and-copy (last pages, the vCPU, the GIC, timers, UART) and the VM goes on there."
incoming "$guests/heartbeat.elf"
migrate "$guests/heartbeat.elf" --migrate-to "unix:$socket" --migrate-at 2000000 --migrate-bandwidth 4
say "" "The beats before the move were printed by the source, the rest by the destination:" \
    "together, byte for byte, the console of a run that never moved."

act "A guest that dirties faster than the link drains"
say "dirty_pages writes 16 pages in every sweep. With a link of 128 MiB/s and a stop-and-copy" \
    "only below 8 dirty pages, no round gets below 16: auto-converge cuts the VM's share step" \
    "by step, and after 5 rounds the migration stops; the VM runs on at the source."
incoming "$guests/dirty_pages.elf"
migrate "$guests/dirty_pages.elf" --migrate-to "unix:$socket" --migrate-at 3000000 --migrate-threshold 8 \
  --migrate-max-rounds 5 --quiet

act "Nobody at the other end"
say "A migration to an address where nobody waits fails at once; the VM never notices."
printf '\n$ %s\n' "$v5 $guests/hello.elf --migrate-to unix:WORK/nobody.sock --migrate-at 1000"
"$v5" "$guests/hello.elf" --migrate-to "unix:$work/nobody.sock" --migrate-at 1000 --quiet 2>&1 | masked
