#!/usr/bin/env bash
# Boots Debian's arm64 kernel with the busybox initramfs (tools/fetch-linux.sh makes them) on a
# Trapeze target, or on QEMU for comparison. One command for the demo:
#   tools/boot-linux.sh [trapeze-v3|trapeze-v7|qemu] [more options for the target]
# Environment: BUILD (default build/release), LINUX (default build/linux).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build/release}
linux=${LINUX:-$root/build/linux}
target=${1:-trapeze-v3}
[ $# -gt 0 ] && shift
[ -f "$linux/Image" ] && [ -f "$linux/initrd.cpio.gz" ] || "$root/tools/fetch-linux.sh" "$linux"

cmdline="console=ttyAMA0 earlycon=pl011,0x09000000 panic=-1"
if [ "$target" = qemu ]; then
  exec qemu-system-aarch64 -M virt,gic-version=3 -cpu cortex-a57 -m 256 -nographic -nic none \
    -kernel "$linux/Image" -initrd "$linux/initrd.cpio.gz" -append "$cmdline" "$@"
fi
[ -x "$build/$target" ] || { echo "boot-linux: no $build/$target (build it, or set BUILD)" >&2; exit 2; }
exec "$build/$target" --kernel "$linux/Image" --initrd "$linux/initrd.cpio.gz" --mem 256 \
  --append "$cmdline" --budget 2000000000 "$@"
