#!/bin/sh
# --control with --restore: a snapshot taken by --snapshot-at, then the control session
# restore.session on a VMM started from it (with VMM_ARGS besides).
#   check_restore.sh PYTHON VMM GUESTS SESSION_DIR EXPECTED "VMM_ARGS" [control_session.py options...]
set -e
python=$1 vmm=$2 guests=$3 sessions=$4 expected=$5 vmm_args=$6
shift 6
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$vmm" "$guests/heartbeat-long.elf" --snapshot-at 3000000 "$work/hb.snap" --quiet >/dev/null 2>&1
# shellcheck disable=SC2086 # VMM_ARGS is a list of words
"$python" "$(dirname "$0")/control_session.py" "$vmm" "$sessions/restore.session" "$expected" --guests "$guests" \
    "$@" -- "$guests/heartbeat-long.elf" --restore "$work/hb.snap" $vmm_args
