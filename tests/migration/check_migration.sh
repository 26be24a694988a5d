#!/bin/sh
# Live migration between two Trapeze processes, and its failures (tests/migration/CMakeLists.txt).
#   check_migration.sh CASE TARGET GUESTS WORK EXPECTED
# Each case runs the guest once unmoved (the reference console), then a migration, and checks
# the console across the move, both sides' exit status and what each side says.
set -u
case_name=$1 target=$2 guests=$3 work=$4 expected=$5
proxy="python3 $(dirname "$0")/stream_proxy.py"
guest=$guests/dirty_pages.elf
[ "$case_name" = smp ] && guest=$guests/v7-smp.json  # one VM of four vCPUs on two pCPUs
[ "$case_name" = several ] && guest=$guests/v5-two-vms.json  # the kernel and the heartbeat
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
fail() { echo "FAIL ($case_name): $*"; for f in *.err *.log; do [ -f "$f" ] && { echo "--- $f"; cat "$f"; }; done; exit 1; }
# The source's and destination's messages, with what differs from run to run masked.
masked() { sed -E -e "s|$work|WORK|g" -e 's/[0-9]+\.[0-9]+ host ms/N host ms/g' "$1"; }
golden() { masked "$1" > "$1.masked"; diff -u "$expected/$2" "$1.masked" || fail "$1 differs from $2"; }
wait_socket() { for _ in $(seq 1 100); do [ -S "$1" ] && return 0; sleep 0.05; done; fail "nothing listens at $1"; }
# destination GUEST: a Trapeze waiting at WORK/dst.sock in the background ($dst_pid).
destination() { "$target" "$1" --incoming "unix:$work/dst.sock" --incoming-timeout 20 > dst.txt 2> dst.err & dst_pid=$!; wait_socket "$work/dst.sock"; }
# source_run SOCKET [OPTION...]: the source, migrating at 3000000 instructions to WORK/SOCKET.
source_run() { socket=$1; shift; "$target" "$guest" --migrate-to "unix:$work/$socket" --migrate-at 3000000 "$@" > src.txt 2> src.err; src_status=$?; }

"$target" "$guest" > ref.txt 2> ref.err || fail "the unmoved run failed"

case $case_name in
console)  # the console across the move equals the unmoved run's, byte for byte
  destination "$guest"
  source_run dst.sock
  wait $dst_pid; dst_status=$?
  [ $src_status = 0 ] || fail "source exit $src_status"
  [ $dst_status = 0 ] || fail "destination exit $dst_status"
  [ -s src.txt ] && [ -s dst.txt ] || fail "each side should print some of the console"
  cat src.txt dst.txt | cmp - ref.txt || fail "the console across the move differs from the unmoved run's"
  golden src.err console.src.txt
  golden dst.err console.dst.txt ;;
dirty)  # 16 pages dirtied in every round, exactly; never converging, it gives up and runs on
  destination "$guest"
  source_run dst.sock --migrate-threshold 8 --migrate-max-rounds 5
  wait $dst_pid; dst_status=$?
  [ $src_status = 0 ] || fail "source exit $src_status"
  [ $dst_status = 2 ] || fail "destination exit $dst_status (2 expected)"
  cmp src.txt ref.txt || fail "the source's console is not the whole run's"
  [ ! -s dst.txt ] || fail "the destination printed a console"
  golden src.err dirty.src.txt
  golden dst.err dirty.dst.txt ;;
vanished)  # the destination dies in the middle of round 0: the source runs to its end
  $proxy vanish "$work/dst.sock" --after 20000 > proxy.log 2>&1 & proxy_pid=$!
  wait_socket "$work/dst.sock"
  source_run dst.sock --migrate-threshold 8
  wait $proxy_pid
  [ $src_status = 0 ] || fail "source exit $src_status"
  cmp src.txt ref.txt || fail "the source's console is not the whole run's"
  grep -q "^trapeze-v5: migrate: failed: .*; the VM runs on here$" src.err || fail "no failure report"
  grep -q "^vm0      powered off " src.err || fail "the source VM did not run to its end" ;;
smp)  # four vCPUs on two pCPUs move together, each one's context, the GIC's and the run queues
  destination "$guest"
  "$target" "$guest" --migrate-to "unix:$work/dst.sock" --migrate-at 500000 > src.txt 2> src.err; src_status=$?
  wait $dst_pid; dst_status=$?
  [ $src_status = 0 ] || fail "source exit $src_status"
  [ $dst_status = 0 ] || fail "destination exit $dst_status"
  cat src.txt dst.txt | cmp - ref.txt || fail "the console across the move differs from the unmoved run's"
  grep -q "^smp      migrated " src.err || fail "the source VM did not stop migrated"
  golden src.err smp.src.txt ;;
stepper)  # the stepper's `migrate` verb in a script, after two million steps
  destination "$guest"
  printf 'step 2000000\nmigrate unix:%s/dst.sock\n' "$work" > move.script
  "$target" "$guest" --script move.script --no-pause > src.txt 2> src.err; src_status=$?
  wait $dst_pid; dst_status=$?
  [ $src_status = 0 ] || fail "source exit $src_status"
  [ $dst_status = 0 ] || fail "destination exit $dst_status"
  grep -q "^migrate: round 0: 17 pages sent, 16 pages dirtied during the round" src.err || fail "no round 0"
  grep -q "^vm0      migrated " src.err || fail "the source VM did not stop migrated"
  # The stepper's own lines (the script's echo of each command) come before the console.
  grep '^dirty_pages' src.txt | cat - dst.txt | cmp - ref.txt || fail "the console across the move differs" ;;
tcp)  # the same move over loopback TCP
  port=$((20000 + $$ % 20000))
  "$target" "$guest" --incoming "tcp:127.0.0.1:$port" --incoming-timeout 20 > dst.txt 2> dst.err & dst_pid=$!
  for _ in $(seq 1 100); do grep -q "waiting at" dst.err 2>/dev/null && break; sleep 0.05; done
  sleep 0.2  # it prints before it listens
  "$target" "$guest" --migrate-to "tcp:127.0.0.1:$port" --migrate-at 3000000 > src.txt 2> src.err; src_status=$?
  wait $dst_pid; dst_status=$?
  [ $src_status = 0 ] || fail "source exit $src_status"
  [ $dst_status = 0 ] || fail "destination exit $dst_status"
  cat src.txt dst.txt | cmp - ref.txt || fail "the console across the move differs from the unmoved run's"
  grep -q "^trapeze-v5: migrate: round 0: 17 pages sent, 16 pages dirtied during the round (520000 guest instructions)$" src.err \
    || fail "no round 0" ;;
nobody)  # nothing listens: the source says so and runs to its end
  source_run nobody.sock
  [ $src_status = 0 ] || fail "source exit $src_status"
  cmp src.txt ref.txt || fail "the source's console is not the whole run's"
  grep -q "^trapeze-v5: migrate: failed: cannot connect to unix:$work/nobody.sock: No such file or directory; the VM runs on here$" src.err \
    || fail "no clear failure" ;;
corrupt)  # one byte of round 0 inverted on the way: the destination rejects the stream
  destination "$guest"
  $proxy relay "$work/relay.sock" "$work/dst.sock" --flip 30000 > proxy.log 2>&1 & proxy_pid=$!
  wait_socket "$work/relay.sock"
  source_run relay.sock --migrate-threshold 8
  wait $dst_pid; dst_status=$?
  wait $proxy_pid
  [ $src_status = 0 ] || fail "source exit $src_status"
  [ $dst_status = 2 ] || fail "destination exit $dst_status (2 expected)"
  cmp src.txt ref.txt || fail "the source's console is not the whole run's"
  golden dst.err corrupt.dst.txt
  grep -q "^trapeze-v5: migrate: failed: .*; the VM runs on here$" src.err || fail "no failure report" ;;
garbage)  # bytes that are no migration stream
  destination "$guest"
  $proxy garbage "$work/dst.sock" > proxy.log 2>&1
  wait $dst_pid; dst_status=$?
  [ $dst_status = 2 ] || fail "destination exit $dst_status (2 expected)"
  golden dst.err garbage.dst.txt ;;
foreign)  # the destination runs another guest: it refuses, the source runs on
  destination "$guests/hello.elf"
  source_run dst.sock
  wait $dst_pid; dst_status=$?
  [ $src_status = 0 ] || fail "source exit $src_status"
  [ $dst_status = 2 ] || fail "destination exit $dst_status (2 expected)"
  cmp src.txt ref.txt || fail "the source's console is not the whole run's"
  golden dst.err foreign.dst.txt
  grep -q "^trapeze-v5: migrate: failed: the destination refused it: the VM is another one: vm0 ran another guest image; the VM runs on here$" src.err \
    || fail "no clear refusal" ;;
several)  # one VM of two moves (--migrate-vm): the other runs on here, its console whole; the
  # destination runs the same scenario and takes the heartbeat beside its own kernel
  destination "$guest"
  source_run dst.sock --migrate-vm heartbeat
  wait $dst_pid; dst_status=$?
  [ $src_status = 0 ] || fail "source exit $src_status"
  [ $dst_status = 0 ] || fail "destination exit $dst_status"
  grep '^\[kernel\]' ref.txt > kernel.ref; grep '^\[heartbeat\]' ref.txt > heartbeat.ref
  grep '^\[kernel\]' src.txt | cmp - kernel.ref || fail "the kernel's console here differs from the unmoved run's"
  grep '^\[kernel\]' dst.txt | cmp - kernel.ref || fail "the destination's own kernel's console differs"
  { grep '^\[heartbeat\]' src.txt; grep '^\[heartbeat\]' dst.txt; } | cmp - heartbeat.ref \
    || fail "the heartbeat's console across the move differs from the unmoved run's"
  grep -q '^heartbeat *powered off  *10043510 ' dst.err || fail "the heartbeat did not run to its end there"
  golden src.err several.src.txt
  golden dst.err several.dst.txt ;;  # (nothing ran there before it came: its times are exact too)
*) fail "no such case" ;;
esac
echo "PASS ($case_name)"
