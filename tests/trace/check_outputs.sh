#!/usr/bin/env bash
# Runs a target with every trace output and checks each: the JSON lines against the schema
# (with exact event counts), the timeline against the trace, the report in headless Chromium,
# and that a second run writes the same files byte for byte.
#
# usage: check_outputs.sh SOURCE_DIR CHROMIUM WORKDIR TARGET GUEST "KIND=N ..." TEXT...
set -euo pipefail
source_dir=$1 chromium=$2 work=$3 target=$4 guest=$5 counts=$6
shift 6
rm -rf "$work" && mkdir -p "$work"
for run in 1 2; do
  "$target" "$guest" --quiet --trace-json "$work/trace$run.jsonl" --timeline "$work/timeline$run.json" \
    --report "$work/report$run.html" > "$work/console$run.txt"
done
for file in trace timeline report console; do
  ext=$(ls "$work" | sed -n "s/^${file}1\.//p")
  cmp "$work/${file}1.$ext" "$work/${file}2.$ext" || { echo "two runs wrote different ${file} files"; exit 1; }
done
# shellcheck disable=SC2086
python3 "$source_dir/validate_jsonl.py" "$source_dir/../../docs/trace.schema.json" "$work/trace1.jsonl" $counts
python3 "$source_dir/check_timeline.py" "$work/timeline1.json" "$work/trace1.jsonl"
python3 "$source_dir/check_report.py" "$chromium" "$work/report1.html" "$@"
