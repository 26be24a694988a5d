#!/bin/sh
# The live-migration demo runs through, without pausing, and prints what it printed when the
# golden file was written (the host's milliseconds and the folders masked).
#   check_demo.sh DEMO BUILD_DIR EXPECTED
set -u
demo=$1 build=$2 expected=$3
out=$(mktemp) || exit 1
trap 'rm -f "$out"' EXIT
sh "$demo" --no-pause "$build" 2>&1 | sed -e "s|$build|BUILD|g" > "$out"
diff -u "$expected" "$out" || { echo "FAIL: the demo's output differs from $expected"; exit 1; }
echo "PASS"
