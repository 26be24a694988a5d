#!/bin/sh
# Runs examples/v5/control-demo.sh and compares its transcript with the expected one, once the
# numbers that depend on when the host delivered each command (a paused VM's instructions,
# exits and PC, the events' timestamps) are replaced by N.
#   check_demo.sh DEMO BUILD_DIR EXPECTED [--update]
demo=$1 build=$2 expected=$3
out=$(mktemp)
trap 'rm -f "$out"' EXIT
sh "$demo" --no-pause "$build" 2>&1 |
  sed -E -e 's/"(instructions|exits|physical_timer_exits)": [0-9]+/"\1": N/g' \
         -e 's/"pc": "0x[0-9a-f]+"/"pc": "N"/g' \
         -e 's/"(seconds|microseconds)":[0-9]+/"\1":N/g' \
         -e "s|$build|BUILD|g" > "$out"
if [ "$4" = --update ]; then cp "$out" "$expected"; exit 0; fi
diff -u "$expected" "$out"
