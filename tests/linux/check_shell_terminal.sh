#!/usr/bin/env bash
# Linux's busybox shell from a real terminal (tmux), as tools/boot-linux.sh gives it: the
# kernel boots with `trapeze.shell`, commands typed at the terminal reach the shell through
# the PL011 and their output is exact; Ctrl-A x quits (status 0) and the terminal is back in
# its own mode.
#
# usage: check_shell_terminal.sh TARGET IMAGE INITRD KERNEL_VERSION
set -euo pipefail
target=$1 image=$2 initrd=$3 kernel_version=$4
source "$(dirname "$0")/../support/tmux_session.sh"

# wait_for_line TEXT [SECONDS] [GREP_FLAG]: until TEXT is a whole line of the screen (trailing
# blanks aside), or with GREP_FLAG -s anywhere in a line; a boot takes longer than 30 s on a
# loaded machine.
screen_lines() { screen | sed 's/ *$//'; }
wait_for_line() {
  local text=$1 seconds=${2:-120} flag=${3:--x}
  for _ in $(seq 1 $((seconds * 10))); do
    if screen_lines | grep -qF "$flag" -- "$text"; then return 0; fi
    sleep 0.1
  done
  echo "the screen never showed '$text' ($flag):"
  screen
  exit 1
}
# The lines after the last prompt line that ran COMMAND, up to the next prompt.
output_of() {
  screen_lines | awk -v command="/ # $1" '$0 == command { out = ""; on = 1; next } on && ($0 == "/ #" || /^\/ # /) { on = 0 } on { out = out $0 "\n" } END { printf "%s", out }'
}
expect_output() {
  local command=$1 expected=$2 got
  got=$(output_of "$command")
  if [ "$got" != "$expected" ]; then
    printf "'%s' printed:\n%s\nexpected:\n%s\n" "$command" "$got" "$expected"
    screen
    exit 1
  fi
}

tmux new-session -d -s "$session" -x 200 -y 60 "$target --kernel $image --initrd $initrd --mem 256 \
  --append 'console=ttyAMA0 panic=-1 trapeze.shell' --console-input --quiet --budget 20000000000; \
  echo EXITED \$?; stty -a | grep -o ' icanon'; sleep 60"
wait_for_line "init: a shell on the console; exit (or Ctrl-D) powers off"
wait_for_line "/ #"

# run COMMAND EXPECTED: type it, wait for its echo and the next prompt, compare what it printed.
run() {
  keys "$1" Enter
  wait_for_line "/ # $1"
  for _ in $(seq 1 600); do
    [ "$(screen_lines | grep -v '^$' | tail -n1)" = "/ #" ] && break
    sleep 0.1
  done
  expect_output "$1" "$2"
}
run "echo hello from a terminal" "hello from a terminal"
run "grep -c ^processor /proc/cpuinfo" "1"
run "uname -r" "$kernel_version"

# Ctrl-A x quits at once, with the guest waiting at its prompt.
keys C-a x
wait_for_line "EXITED 0" 60 -s  # after the prompt, on its line
wait_for_line " icanon" 10     # the terminal is line-buffered again
echo "Linux's shell through a terminal: three commands, their exact output, Ctrl-A x"
