# A private tmux server for a terminal test, sourced by the tests that drive a program through a
# real terminal. Defines `session` (the session's name), and:
#   screen                         what the terminal shows (with 200 lines of scroll-back)
#   wait_for TEXT [COUNT] [SECONDS]  until the screen shows TEXT at least COUNT times (default 1),
#                                  for at most SECONDS (default 30); else prints the screen, exits 1
#   keys KEY...                    types at the terminal (tmux send-keys)
# The server and its socket directory go away when the test exits, however it exits.
session="trapeze-test-$$"
export TMUX_TMPDIR=$(mktemp -d)
trap 'tmux kill-server 2>/dev/null || true; rm -rf "$TMUX_TMPDIR"' EXIT

screen() { tmux capture-pane -p -t "$session" -S -200; }
wait_for() {
  local text=$1 count=${2:-1} seconds=${3:-30}
  for _ in $(seq 1 $((seconds * 10))); do
    if [ "$(screen | grep -cF -- "$text")" -ge "$count" ]; then return 0; fi
    sleep 0.1
  done
  echo "the screen never showed '$text' ($count times):"
  screen
  exit 1
}
keys() { tmux send-keys -t "$session" "$@"; }
