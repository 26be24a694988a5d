#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image: install what
# Trapeze needs (tools/install-deps.sh, the project's one list of packages) and build the
# grader with its graded tests, the reference's graded binaries and the example guests.
# The image must have CMake >= 3.25: choose Gradescope's Ubuntu 24.04 base image (or Debian 12).
set -euo pipefail
source_dir=${AUTOGRADER_ROOT:-/autograder}/source
cd "$source_dir"
tools/install-deps.sh
cmake_version=$(cmake --version | sed -n 's/^cmake version \([0-9.]*\).*/\1/p')
if ! printf '3.25\n%s\n' "$cmake_version" | sort -V -C; then
  echo "setup.sh: Trapeze needs CMake 3.25 or newer; this image has $cmake_version (use Ubuntu 24.04 or Debian 12)" >&2
  exit 1
fi
# No LTO and no test suite: the grader links each submission against these libraries.
cmake -S . -B build/grade -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTRAPEZE_TESTS=OFF
cmake --build build/grade --target trapeze-grade
version=$(cat GRADED_VERSION)
build/grade/tools/grade/trapeze-grade --version "$version" --list
