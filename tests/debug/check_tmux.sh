#!/usr/bin/env bash
# Drives the stepper through a real terminal (tmux): line editing (Ctrl-A, Backspace),
# history (Up), Enter repeating the last step, Ctrl-C stopping a `continue`, Ctrl-C at the
# prompt, and quit.
#
# usage: check_tmux.sh TARGET GUEST RUNAWAY_GUEST
set -euo pipefail
target=$1 guest=$2 runaway=$3
source "$(dirname "$0")/../support/tmux_session.sh"

tmux new-session -d -s "$session" -x 220 -y 60 "$target $guest --step --quiet; echo EXITED \$?; sleep 30"
wait_for "(trapeze)"

# A step, then Enter alone repeats it.
keys "step" Enter
wait_for "=> 0x40080004"
keys Enter
wait_for "=> 0x40080008"
keys Enter
wait_for "=> 0x4008000c"

# Line editing: type "isas 0x40080000 2", go to the start of the line, insert the "d".
keys "isas 0x40080000 2" C-a "d" Enter
wait_for "0x40080004 _start+0x4"
# Backspace: "regz" corrected to "regs".
keys "regz" BSpace "s" Enter
wait_for "PSTATE 0x"
# History: Up brings back "regs".
keys Up Enter
wait_for "PSTATE 0x" 2
# Ctrl-C at the prompt drops the half-typed line, and the prompt still works.
keys "frobnicate" C-c
sleep 0.3
keys "print 6*7" Enter
wait_for "6*7 = 0x2a (42)"
if screen | grep -q "no command 'frobnicate'"; then echo "Ctrl-C at the prompt did not drop the line"; screen; exit 1; fi
keys "quit" Enter
wait_for "EXITED 1"
tmux kill-session -t "$session"

# Ctrl-C stops a continue that would never end by itself.
tmux new-session -d -s "$session" -x 220 -y 60 "$target $runaway --step --quiet --budget 1_000_000_000_000; echo EXITED \$?; sleep 30"
wait_for "(trapeze)"
keys "continue" Enter
sleep 1
keys C-c
wait_for "stopped: interrupted (Ctrl-C)"
wait_for "=> 0x4008000"
keys "print x0" Enter
wait_for "x0 = 0x"
keys "quit" Enter
wait_for "EXITED 1"
tmux kill-session -t "$session"

# A long run on a terminal shows a progress line on stderr, and erases it at the end.
tmux new-session -d -s "$session" -x 220 -y 60 "$target $runaway --budget 1_500_000_000; echo EXITED \$?; sleep 30"
wait_for "M instructions ("
wait_for "virtual time"
wait_for "EXITED 1" 1 300
if screen | grep -q "M instructions ("; then echo "the progress line was not erased"; screen; exit 1; fi
screen | grep -q "instruction budget of 1500000000 exhausted" || { echo "no summary after the progress line"; screen; exit 1; }
echo "the stepper behaves in a terminal: editing, history, Enter repeats, Ctrl-C; a long run shows its progress"
