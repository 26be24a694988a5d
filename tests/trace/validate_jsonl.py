#!/usr/bin/env python3
"""Validates every line of a JSON-lines trace against docs/trace.schema.json.

usage: validate_jsonl.py SCHEMA TRACE.jsonl [KIND=COUNT ...]

Each KIND=COUNT also checks how many events of that kind the trace holds (exactly).
"""
import json
import sys

import jsonschema


def main():
    schema_path, trace_path = sys.argv[1], sys.argv[2]
    with open(schema_path) as f:
        schema = json.load(f)
    validator = jsonschema.Draft202012Validator(schema)
    counts = {}
    lines = 0
    with open(trace_path) as f:
        for number, line in enumerate(f, 1):
            event = json.loads(line)
            errors = sorted(validator.iter_errors(event), key=lambda e: e.path)
            if errors:
                print(f"{trace_path}:{number}: {errors[0].message}\n  {line.strip()}")
                return 1
            counts[event["kind"]] = counts.get(event["kind"], 0) + 1
            lines = number
    for expectation in sys.argv[3:]:
        kind, count = expectation.split("=")
        if counts.get(kind, 0) != int(count):
            print(f"{trace_path}: {counts.get(kind, 0)} '{kind}' events, expected {count}")
            return 1
    print(f"{trace_path}: {lines} events valid; {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
