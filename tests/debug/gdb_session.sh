# Sourced by the gdb-multiarch tests: run_gdb_session TARGET GUEST SESSION.gdb WORKDIR [INPUT
# [REMOTE]] starts TARGET on INPUT (default GUEST; a scenario of several VMs, say) held for GDB
# (any free port), runs the session in batch mode against it (GDB's `target REMOTE`, default
# `remote`; `extended-remote` for `attach`), and waits for the target. Leaves the console in
# WORKDIR/console.txt, the target's standard error in WORKDIR/stderr.txt, GDB's output in
# WORKDIR/gdb.txt, and the target's exit status in $status. expect TEXT then fails the test,
# showing GDB's output, unless GDB printed TEXT.
run_gdb_session() {
  local target=$1 guest=$2 session=$3 work=$4 input=${5:-$2} remote=${6:-remote} pid port=""
  gdb_output=$work/gdb.txt
  rm -rf "$work" && mkdir -p "$work"
  "$target" "$input" --gdb 0 --gdb-wait --quiet > "$work/console.txt" 2> "$work/stderr.txt" &
  pid=$!
  trap "kill $pid 2>/dev/null || true" EXIT
  for _ in $(seq 1 100); do
    port=$(sed -n 's/.*waiting for GDB on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/stderr.txt" | head -1)
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || { echo "the stub never said its port:"; cat "$work/stderr.txt"; exit 1; }
  timeout 120 gdb-multiarch -batch -nx -ex "target $remote :$port" -x "$session" "$guest" > "$work/gdb.txt" 2>&1 || true
  wait $pid && status=0 || status=$?
  trap - EXIT
}

expect() {
  grep -qF -- "$1" "$gdb_output" || { echo "GDB's output lacks: $1"; echo "--- it was:"; cat "$gdb_output"; exit 1; }
}
