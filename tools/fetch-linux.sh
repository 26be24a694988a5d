#!/usr/bin/env bash
# Fetches an unmodified Debian arm64 Linux kernel Image and builds a small busybox initramfs
# for it, from Debian's package archive only (apt-get download + dpkg-deb), into a cache folder.
#   tools/fetch-linux.sh [OUT_DIR]     (default: build/linux; nothing to do if it has them, unless FORCE=1)
# Writes OUT_DIR/Image (the kernel, vmlinuz unpacked if it is gzipped), OUT_DIR/initrd.cpio.gz
# and OUT_DIR/kernel-version. Uses a private apt state for arm64 in OUT_DIR/apt, so the host's
# dpkg architectures are left alone; the host's apt sources and keyring are reused.
set -euo pipefail
for tool in apt-get dpkg-deb cpio gzip; do
  command -v "$tool" >/dev/null || { echo "fetch-linux: needs $tool (apt-get install ${tool/apt-get/apt})" >&2; exit 1; }
done

root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/build/linux}
mkdir -p "$out"
out=$(cd "$out" && pwd)
# The initramfs's own version: a new /init rebuilds the archive from the busybox already fetched.
initramfs_version=2
if [ -f "$out/Image" ] && [ -f "$out/initrd.cpio.gz" ] && [ "${FORCE:-0}" != 1 ] &&
   [ "$(cat "$out/initrd-version" 2>/dev/null)" = "$initramfs_version" ]; then
  exit 0  # fetched already (FORCE=1 fetches again)
fi
apt_dir=$out/apt
mkdir -p "$apt_dir"/{lists/partial,cache/archives/partial,debs} "$apt_dir/status"
touch "$apt_dir/status/status"

# apt-get on the arm64 lists only, with its own state and cache.
apt_arm64=(
  -o "APT::Architecture=arm64" -o "APT::Architectures::=arm64"
  -o "Dir::State=$apt_dir" -o "Dir::State::Lists=$apt_dir/lists"
  -o "Dir::State::status=$apt_dir/status/status" -o "Dir::Cache=$apt_dir/cache"
  -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root"
)
work=$out/extract
rm -rf "$work" && mkdir -p "$work/kernel" "$work/busybox"
busybox_deb=$(ls "$apt_dir"/debs/busybox-static_*_arm64.deb 2>/dev/null | head -n1 || true)
if [ -f "$out/Image" ] && [ -n "$busybox_deb" ] && [ "${FORCE:-0}" != 1 ]; then
  echo "fetch-linux: the kernel is here; building the initramfs (version $initramfs_version) again"
else
  if [ ! -e "$apt_dir/lists/.updated" ]; then
    echo "fetch-linux: reading Debian's arm64 package lists"
    apt-get "${apt_arm64[@]}" update -qq
    touch "$apt_dir/lists/.updated"
  fi

  # The kernel: what the linux-image-arm64 meta-package depends on (linux-image-<version>-arm64).
  kernel_pkg=$(apt-cache "${apt_arm64[@]}" depends linux-image-arm64 | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-arm64\)$/\1/p' | head -n1)
  [ -n "$kernel_pkg" ] || { echo "fetch-linux: cannot find the kernel package behind linux-image-arm64" >&2; exit 1; }
  echo "fetch-linux: $kernel_pkg and busybox-static (arm64)"
  (cd "$apt_dir/debs" && apt-get "${apt_arm64[@]}" download "$kernel_pkg:arm64" busybox-static:arm64 -qq)
  dpkg-deb -x "$apt_dir"/debs/"${kernel_pkg}"_*_arm64.deb "$work/kernel"

  # Debian 12's vmlinuz for arm64 is the raw (EFI-stub) Image; other distributions and releases
  # gzip it (Trapeze and QEMU unpack that too). Image is kept raw either way.
  vmlinuz=$(ls "$work"/kernel/boot/vmlinuz-* | head -n1)
  if gzip -t "$vmlinuz" 2>/dev/null; then gzip -dc "$vmlinuz" >"$out/Image"; else cp "$vmlinuz" "$out/Image"; fi
  basename "$vmlinuz" | sed 's/^vmlinuz-//' >"$out/kernel-version"
  busybox_deb=$(ls "$apt_dir"/debs/busybox-static_*_arm64.deb | head -n1)
fi
dpkg-deb -x "$busybox_deb" "$work/busybox"

# The initramfs: busybox, its applet links, and an /init that prints a few lines and powers
# off -- or, with `trapeze.shell` on the kernel's command line, gives a shell on the console
# first (tools/boot-linux.sh; leaving it, with exit or Ctrl-D, powers off).
initramfs=$work/initramfs
mkdir -p "$initramfs"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp}
cp "$work/busybox/bin/busybox" "$initramfs/bin/busybox"
for applet in sh echo cat uname mount poweroff grep; do ln -s busybox "$initramfs/bin/$applet"; done
cat >"$initramfs/init" <<'INIT'
#!/bin/sh
# No /dev/console in the archive (it is built without root): mount devtmpfs and take it.
mount -t devtmpfs devtmpfs /dev
exec 0</dev/console 1>/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
echo "init: hello from the initramfs"
echo "init: kernel $(uname -r) on $(uname -m)"
echo "init: $(grep -c ^processor /proc/cpuinfo) CPU(s) online"
if grep -qw trapeze.shell /proc/cmdline; then
  /bin/busybox --install -s
  echo "init: a shell on the console; exit (or Ctrl-D) powers off"
  export HOME=/ PS1='\w # ' PATH=/bin:/sbin:/usr/bin:/usr/sbin
  # setsid + cttyhack: the shell gets the console as its controlling terminal (job control, Ctrl-C).
  setsid cttyhack sh
fi
echo "init: powering off"
poweroff -f
INIT
chmod +x "$initramfs/init"
# The same bytes on every run: every file dated 1970, owned by root, in sorted order.
find "$initramfs" -exec touch -h -d @0 {} +
(cd "$initramfs" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet --owner 0:0 --reproducible) | gzip -9n >"$out/initrd.cpio.gz"
echo "$initramfs_version" >"$out/initrd-version"
echo "fetch-linux: wrote $out/Image ($(cat "$out/kernel-version")) and $out/initrd.cpio.gz"
