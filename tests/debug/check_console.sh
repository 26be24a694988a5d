#!/usr/bin/env bash
# The guest's console input from a real terminal (tmux): raw mode sends each key to the
# guest's PL011 (Enter as \r), Ctrl-A Ctrl-A sends one Ctrl-A, Ctrl-A x quits, and the
# terminal is back in its own mode afterwards.
#
# usage: check_console.sh TARGET ECHO_GUEST
set -euo pipefail
target=$1 guest=$2
source "$(dirname "$0")/../support/tmux_session.sh"

# A line typed at the terminal reaches the guest; "quit" ends it with status 0.
tmux new-session -d -s "$session" -x 200 -y 40 "$target $guest --console-input --quiet; echo EXITED \$?; stty -a | grep -o ' icanon'; sleep 30"
wait_for 'echo: type lines'
keys "hello there" Enter
wait_for "echo: hello there"
keys "quit" Enter
wait_for "EXITED 0"
wait_for " icanon"  # the terminal is line-buffered again
tmux kill-session -t "$session"

# Ctrl-A x quits at once, whatever the guest is doing.
tmux new-session -d -s "$session" -x 200 -y 40 "$target $guest --console-input --quiet; echo EXITED \$?; sleep 30"
wait_for 'echo: type lines'
keys C-a x
wait_for "EXITED 0"
tmux kill-session -t "$session"
echo "console input through a terminal: ok"
