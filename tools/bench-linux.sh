#!/usr/bin/env bash
# The Linux boot to init as a benchmark (part of `make bench`): Debian's kernel and the busybox
# initramfs (tools/fetch-linux.sh) booted to init's power-off on trapeze-v3 and on QEMU, each a
# few times; prints the median host seconds of each (wall clock, and CPU time, user + system,
# which a busy machine disturbs less), with Trapeze's guest instructions and guest time. Skips
# with a line saying so when the kernel has not been fetched.
#   tools/bench-linux.sh TRAPEZE_V3 [LINUX_DIR] [RUNS]     (TRAPEZE_V3: e.g. build/release/trapeze-v3)
set -euo pipefail
trapeze=${1:?usage: bench-linux.sh TRAPEZE_V3 [LINUX_DIR] [RUNS]}
root=$(cd "$(dirname "$0")/.." && pwd)
linux=${2:-$root/build/linux}
runs=${3:-3}
image=$linux/Image initrd=$linux/initrd.cpio.gz
append="console=ttyAMA0 panic=-1"

echo
echo "Linux boot to init's power-off ($runs runs, medians):"
if [ ! -f "$image" ] || [ ! -f "$initrd" ]; then
  echo "  skipped: no kernel in $linux (tools/fetch-linux.sh $linux fetches it; make deps does)"
  exit 0
fi
[ -x "$trapeze" ] || { echo "bench-linux: no $trapeze (build it first)" >&2; exit 2; }

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
log=$(mktemp) times=$(mktemp)
trap 'rm -f "$log" "$times" "$times.one"' EXIT
# timed COMMAND...: runs it with stdin from /dev/null and its output in $log; appends
# "wall cpu" seconds to $times.
timed() {
  local TIMEFORMAT='%R %U %S'
  { time "$@" </dev/null >"$log" 2>&1; } 2>"$times.one" || return 1
  awk '{ print $1, $2 + $3 }' "$times.one" >>"$times"
}
medians() { echo "$(cut -d' ' -f1 "$times" | median) $(cut -d' ' -f2 "$times" | median)"; }

# Trapeze: one vCPU, as QEMU's default; the summary's VM row says instructions and guest time.
: >"$times"
for _ in $(seq "$runs"); do
  timed "$trapeze" --kernel "$image" --initrd "$initrd" --mem 256 --append "$append" --budget 4000000000 ||
    { echo "bench-linux: $trapeze did not boot to power-off:" >&2; tail -20 "$log" >&2; exit 1; }
  grep -q "init: powering off" "$log" || { echo "bench-linux: init never ran on $trapeze" >&2; exit 1; }
done
read -r instructions guest_ns < <(awk '$1 == "vm0" && $2 == "powered" { print $4, $5 }' "$log")
read -r trapeze_wall trapeze_cpu < <(medians)

qemu=$(command -v qemu-system-aarch64 || true)
if [ -n "$qemu" ]; then
  : >"$times"
  for _ in $(seq "$runs"); do
    timed timeout 300 "$qemu" -M virt,gic-version=3 -cpu cortex-a57 -m 256 -nographic -nic none -kernel "$image" \
      -initrd "$initrd" -append "$append" || { echo "bench-linux: QEMU failed:" >&2; tail -20 "$log" >&2; exit 1; }
    grep -q "init: powering off" "$log" || { echo "bench-linux: init never ran on QEMU" >&2; exit 1; }
  done
  read -r qemu_wall qemu_cpu < <(medians)
fi

printf '  %-26s %14s %11s %13s %12s\n' "" "instructions" "guest time" "host seconds" "CPU seconds"
printf '  %-26s %14s %9.3f s %13.2f %12.2f\n' "trapeze-v3 (interpreter)" "$instructions" \
  "$(awk -v ns="$guest_ns" 'BEGIN { print ns / 1e9 }')" "$trapeze_wall" "$trapeze_cpu"
if [ -n "$qemu" ]; then
  printf '  %-26s %14s %11s %13.2f %12.2f\n' "qemu-system-aarch64 (TCG)" "-" "-" "$qemu_wall" "$qemu_cpu"
  awk -v tw="$trapeze_wall" -v qw="$qemu_wall" -v tc="$trapeze_cpu" -v qc="$qemu_cpu" \
    'BEGIN { printf "  Trapeze takes %.2fx QEMU'"'"'s host time (%.2fx its CPU time)\n", tw / qw, tc / qc }'
else
  echo "  qemu-system-aarch64: not installed, no comparison"
fi
