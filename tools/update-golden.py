#!/usr/bin/env python3
"""Rewrites the golden files of the tests that compare a run with them.

    tools/update-golden.py BUILD_DIR [CTEST_REGEX]

For every ctest test (matching the regex) that compares a run with golden files -- through
tests/e2e/check_run.cmake (expected standard output and standard error files) or
tests/e2e/check_scenario.cmake (a scenario's console and summary) -- runs its command and
writes what it printed to those files. Review the diff before committing: a golden file records behaviour,
and a change to it is a change of behaviour.
"""
import json
import subprocess
import sys


def defines(command):
    values = {}
    for arg in command:
        if arg.startswith("-D") and "=" in arg:
            key, value = arg[2:].split("=", 1)
            values[key] = value
    return values


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__.strip().splitlines()[2].strip())
    build = sys.argv[1]
    args = ["ctest", "--test-dir", build, "--show-only=json-v1"]
    if len(sys.argv) == 3:
        args += ["-R", sys.argv[2]]
    tests = json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)["tests"]
    written = 0
    for test in tests:
        command = test.get("command", [])
        d = defines(command)
        if any(a.endswith("check_run.cmake") for a in command):
            program, stdout_key, stderr_key = d["COMMAND"].split("|"), "EXPECT_STDOUT", "EXPECT_STDERR_FILE"
        elif any(a.endswith("check_scenario.cmake") for a in command) and "TARGET" in d:
            program, stdout_key, stderr_key = [d["TARGET"], d["SCENARIO"]], "EXPECT_CONSOLE", "EXPECT_SUMMARY"
        else:
            continue
        if stdout_key not in d and stderr_key not in d:
            continue
        run = subprocess.run(program, stdin=subprocess.DEVNULL, capture_output=True)
        for key, output in ((stdout_key, run.stdout), (stderr_key, run.stderr)):
            if key in d:
                with open(d[key], "wb") as f:
                    f.write(output)
                written += 1
        print(f"{test['name']}: exit {run.returncode}")
    print(f"{written} golden files written")


if __name__ == "__main__":
    main()
