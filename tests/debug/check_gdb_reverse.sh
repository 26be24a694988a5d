#!/usr/bin/env bash
# gdb-multiarch in batch mode against the stub, backwards: reverse-stepi over three
# instructions and forward again to the same state, reverse-continue back to a breakpoint,
# and again to the start of the history; then detach, and the guest runs to its end with
# each console line shown once.
#
# usage: check_gdb_reverse.sh TARGET GUEST SESSION.gdb EXPECTED_CONSOLE WORKDIR
set -euo pipefail
target=$1 guest=$2 session=$3 console=$4 work=$5
. "$(dirname "$0")/gdb_session.sh"
run_gdb_session "$target" "$guest" "$session" "$work"

# The lines GDB printed for `info registers pc`, in order, must be these.
pcs=$(grep '^pc ' "$work/gdb.txt" | awk '{print $2}' | tr '\n' ' ')
want="0x400800d0 0x400800cc 0x400800c4 0x400800d0 0x400800c4 0x40080000 "
[ "$pcs" = "$want" ] || { echo "pc went $pcs, expected $want"; cat "$work/gdb.txt"; exit 1; }
# x8 after three steps is the same before and after going back and forth.
x8=$(grep '^\$[0-9]* = ' "$work/gdb.txt" | awk '{print $3}' | sort -u | wc -l)
[ "$x8" = 1 ] || { echo "x8 differs after stepping back and forth:"; cat "$work/gdb.txt"; exit 1; }
grep -qF "Breakpoint 1, main () at" "$work/gdb.txt" || { echo "no breakpoint stop:"; cat "$work/gdb.txt"; exit 1; }
grep -qF "No more reverse-execution history." "$work/gdb.txt" || { echo "no end of history:"; cat "$work/gdb.txt"; exit 1; }
grep -qF "[Inferior 1 (Remote target) detached]" "$work/gdb.txt" || { echo "not detached:"; cat "$work/gdb.txt"; exit 1; }
[ "$status" = 0 ] || { echo "the guest exited with $status after GDB detached:"; cat "$work/stderr.txt"; exit 1; }
cmp "$work/console.txt" "$console" || { echo "the console output differs from $console"; exit 1; }
echo "gdb-multiarch stepped back and forth, reverse-continued to a breakpoint and to the start; the guest ran to its end"
