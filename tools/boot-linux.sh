#!/usr/bin/env bash
# Boots Debian's arm64 kernel with the busybox initramfs (tools/fetch-linux.sh makes them) on a
# Trapeze target, or on QEMU for comparison, to a shell on the console (the terminal in raw
# mode: Ctrl-A x quits, as QEMU's -nographic; `exit` or Ctrl-D powers the guest off). One
# command for the demo:
#   tools/boot-linux.sh [trapeze-v3|trapeze-v7|qemu] [more options for the target]
# Environment: BUILD (default build/release), LINUX (default build/linux), INTERACTIVE=0 to boot
# without a shell (init prints its lines and powers off).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build/release}
linux=${LINUX:-$root/build/linux}
target=${1:-trapeze-v3}
[ $# -gt 0 ] && shift
"$root/tools/fetch-linux.sh" "$linux"  # nothing to do once fetched

cmdline="console=ttyAMA0 earlycon=pl011,0x09000000 panic=-1"
input=()
if [ "${INTERACTIVE:-1}" != 0 ]; then
  cmdline+=" trapeze.shell"
  input=(--console-input)
fi
if [ "$target" = qemu ]; then
  exec qemu-system-aarch64 -M virt,gic-version=3 -cpu cortex-a57 -m 256 -nographic -nic none \
    -kernel "$linux/Image" -initrd "$linux/initrd.cpio.gz" -append "$cmdline" "$@"
fi
[ -x "$build/$target" ] || { echo "boot-linux: no $build/$target (build it, or set BUILD)" >&2; exit 2; }
# The budget bounds a run with no shell; a shell session runs until it is left.
budget=2000000000
[ "${INTERACTIVE:-1}" != 0 ] && budget=1000000000000000
exec "$build/$target" --kernel "$linux/Image" --initrd "$linux/initrd.cpio.gz" --mem 256 \
  --append "$cmdline" --budget "$budget" "${input[@]}" "$@"
