#!/usr/bin/env bash
# Installs the Debian packages Trapeze needs to build, test and benchmark, if any are missing.
set -euo pipefail

packages=(
  cmake ninja-build make g++ pkg-config
  libcapstone-dev libfmt-dev doctest-dev nlohmann-json3-dev
  libcli11-dev              # every target's command line
  libedit-dev               # the stepper's line editing and history
  zlib1g-dev                # snapshots: compressed memory and the CRC-32 checksum
  libfdt-dev                # the device tree a kernel boots with
  device-tree-compiler      # dtc: the tests decompile that tree
  cpio                      # tools/fetch-linux.sh packs the initramfs
  patch                     # the grader's tests apply each mutant to the reference handlers
  clang lld llvm            # guests: clang --target=aarch64-none-elf, ld.lld, llvm-objdump
  libunicorn-dev            # differential-test and benchmark oracle
  qemu-system-arm           # whole-guest cross-check and benchmark oracle
  gdb-multiarch             # attaches to the GDB stub
  tmux                      # drives the stepper through a real terminal in the tests
  chromium                  # renders the HTML report headless in the tests
  python3-jsonschema        # validates the JSON-lines trace against its schema in the tests
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
