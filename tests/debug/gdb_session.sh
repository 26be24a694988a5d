# Sourced by the gdb-multiarch tests: run_gdb_session TARGET GUEST SESSION.gdb WORKDIR starts
# TARGET on GUEST held for GDB (any free port), runs the session in batch mode against it,
# and waits for the target. Leaves the console in WORKDIR/console.txt, the target's standard
# error in WORKDIR/stderr.txt, GDB's output in WORKDIR/gdb.txt, and the target's exit status
# in $status.
run_gdb_session() {
  local target=$1 guest=$2 session=$3 work=$4 pid port=""
  rm -rf "$work" && mkdir -p "$work"
  "$target" "$guest" --gdb 0 --gdb-wait --quiet > "$work/console.txt" 2> "$work/stderr.txt" &
  pid=$!
  trap "kill $pid 2>/dev/null || true" EXIT
  for _ in $(seq 1 100); do
    port=$(sed -n 's/.*waiting for GDB on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/stderr.txt" | head -1)
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || { echo "the stub never said its port:"; cat "$work/stderr.txt"; exit 1; }
  timeout 120 gdb-multiarch -batch -nx -ex "target remote :$port" -x "$session" "$guest" > "$work/gdb.txt" 2>&1 || true
  wait $pid && status=0 || status=$?
  trap - EXIT
}
