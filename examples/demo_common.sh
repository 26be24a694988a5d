# What the demos of v5, v6 and v7 share (examples/vN/demo.sh): the narration, a pause between
# acts, and each command shown before it runs. Sourced, not run.
#
#   examples/v5/demo.sh [--no-pause] [BUILD_DIR]     (BUILD_DIR: build/release by default)

pause_between=1
build=build/release
for arg in "$@"; do
  case $arg in
    --no-pause) pause_between=0 ;;
    -*) echo "usage: $0 [--no-pause] [BUILD_DIR]" >&2; exit 2 ;;
    *) build=$arg ;;
  esac
done
guests=$build/examples
if [ ! -d "$guests" ]; then
  echo "$0: no guests in $guests: build first (make build), or name the build folder" >&2
  exit 2
fi

# say TEXT...: a paragraph of narration.
say() { printf '%s\n' "$@"; }
# act TITLE: a new act, after the reader has read the last one.
act() {
  if [ "$pause_between" = 1 ]; then
    printf '\n[press Enter]'
    read -r _ || true
  fi
  printf '\n==== %s\n' "$1"
}
# show COMMAND...: print the command, then run it (its exit status is the guest's business).
show() {
  printf '\n$ %s\n' "$*"
  "$@" || true
}
# summary COMMAND...: run it for its summary only (the console goes nowhere).
summary() {
  printf '\n$ %s >/dev/null\n' "$*"
  "$@" >/dev/null || true
}
