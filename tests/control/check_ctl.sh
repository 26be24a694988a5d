#!/bin/sh
# trapeze-ctl against a live VMM: one command and its pretty answer, KEY=VALUE as JSON or text,
# a relative guest path made absolute, an error answer (exit 1), raw lines from stdin (exit 1
# when one is an error), and a socket that is not there (exit 2). The transcript is compared
# with the expected one.
#   check_ctl.sh VMM CTL GUESTS EXPECTED [--update]
vmm=$1 ctl=$2 guests=$3
case $4 in /*) expected=$4 ;; *) expected=$PWD/$4 ;; esac
work=$(mktemp -d "${TMPDIR:-/tmp}/trapeze-ctl-test.XXXXXX")
trap 'kill $pid 2>/dev/null; rm -rf "$work"' EXIT
sock=$work/vmm.sock
"$vmm" --control "$sock" --quiet > "$work/console.txt" 2>&1 &
pid=$!
while [ ! -S "$sock" ]; do sleep 0.02; done
run() {
  printf '$ trapeze-ctl %s\n' "$*"
  "$ctl" "$sock" "$@" 2>&1
  printf '(exit %s)\n' $?
}
{
  cd "$guests" || exit 1
  run vm-create name=a guest=hello.elf memory_mib=16
  run vm-create name=b guest=hello.elf vcpus=two
  run vm-create name='"7"' guest=hello.elf budget=0x100000
  run query-vcpus name=7
  run vm-pause name=a
  run vm-boot name a
  run query-commands bogus=1
  printf '$ trapeze-ctl - (three lines)\n'
  printf '%s\n' '{"execute":"vm-destroy","arguments":{"name":"7"},"id":1}' '{oops' '' '{"execute":"query-vms","id":2}' |
    "$ctl" "$sock" - 2>&1
  printf '(exit %s)\n' $?
  run quit
  wait $pid
  printf '(the VMM exited with %s)\n' $?
  printf '$ trapeze-ctl SOCKET query-vms (the VMM is gone)\n'
  "$ctl" "$sock" query-vms 2>&1
  printf '(exit %s)\n' $?
  printf '$ trapeze-ctl SOCKET\n'
  "$ctl" "$sock" 2>&1
  printf '(exit %s)\n' $?
} > "$work/raw.txt"
sed -e "s|$guests|GUESTS|g" -e "s|$sock|SOCKET|g" "$work/raw.txt" > "$work/transcript.txt"
if [ "$5" = --update ]; then cp "$work/transcript.txt" "$expected"; exit 0; fi
diff -u "$expected" "$work/transcript.txt"
