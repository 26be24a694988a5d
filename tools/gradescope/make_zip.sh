#!/usr/bin/env bash
# Packs the Gradescope autograder for one version: the Trapeze sources (without build trees),
# setup.sh and run_autograder at the root of the zip, as Gradescope expects, and GRADED_VERSION.
#   usage: tools/gradescope/make_zip.sh vN OUTPUT.zip
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 vN OUTPUT.zip" >&2; exit 2; }
version=$1
output=$(realpath -m "$2")
here=$(cd "$(dirname "$0")/../.." && pwd)
[ -f "$here/versions/$version/handlers.cpp" ] || { echo "$0: there is no version $version" >&2; exit 2; }
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
tar -C "$here" -cf - --exclude=./build --exclude=./.git --exclude=./.cache . | tar -C "$stage" -xf -
cp "$here/tools/gradescope/setup.sh" "$here/tools/gradescope/run_autograder" "$stage/"
echo "$version" > "$stage/GRADED_VERSION"
mkdir -p "$(dirname "$output")"
rm -f "$output"
(cd "$stage" && cmake -E tar cf "$output" --format=zip -- $(ls -A))
echo "$output: upload it as the autograder of the $version assignment (Ubuntu 24.04 base image)"
