#!/usr/bin/env python3
"""Checks a --timeline file: Chrome Trace Event JSON with one track per pCPU, slices that
tile the run without overlapping, and one instant per trap of the JSON-lines trace of the
same run.

usage: check_timeline.py TIMELINE.json TRACE.jsonl
"""
import json
import sys


def fail(message):
    print(message)
    sys.exit(1)


def main():
    timeline_path, trace_path = sys.argv[1], sys.argv[2]
    with open(timeline_path) as f:
        document = json.load(f)
    with open(trace_path) as f:
        trace = [json.loads(line) for line in f]
    if document.get("displayTimeUnit") != "ns":
        fail("displayTimeUnit is not ns")
    events = document["traceEvents"]
    threads = {e["tid"]: e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
    pcpus = sorted({e["pcpu"] for e in trace})
    if threads != {p: f"pCPU {p}" for p in pcpus}:
        fail(f"tracks {threads}, expected one per pCPU {pcpus}")
    for e in events:
        for key in ("ph", "pid", "name"):
            if key not in e:
                fail(f"event without {key}: {e}")
    slices = sorted((e for e in events if e["ph"] == "X"), key=lambda e: e["ts"])
    instants = [e for e in events if e["ph"] == "i"]
    # Slices: back to back from 0 to the stop, never overlapping; idle ones exactly where the
    # trace says the vCPU blocked, until the wakeup.
    end_ns = max(e["time_ns"] for e in trace)
    at = 0
    for s in slices:
        if s["args"]["start_ns"] != at:
            fail(f"slice starts at {s['args']['start_ns']} ns, the previous one ended at {at} ns: {s}")
        if abs(s["ts"] - s["args"]["start_ns"] / 1000) > 1e-6 or abs(s["dur"] - (s["args"]["end_ns"] - s["args"]["start_ns"]) / 1000) > 1e-6:
            fail(f"ts/dur are not the slice's times in microseconds: {s}")
        at = s["args"]["end_ns"]
    if at != end_ns:
        fail(f"the slices end at {at} ns, the run at {end_ns} ns")
    blocked = [e["time_ns"] for e in trace if e.get("blocked")]
    idle_starts = [s["args"]["start_ns"] for s in slices if s["cat"] == "idle"]
    if idle_starts != blocked:
        fail(f"idle slices start at {idle_starts}, the vCPU blocked at {blocked}")
    running = [s for s in slices if s["cat"] == "vcpu"]
    if not running or any(s["name"] != "vm0/vcpu0" for s in running):
        fail(f"running slices: {[s['name'] for s in running]}")
    traps = [e for e in trace if e["kind"] in ("exit", "physical-timer", "virq", "forward")]
    if len(instants) != len(traps):
        fail(f"{len(instants)} instant events, the trace has {len(traps)} traps")
    for i, t in zip(instants, traps):
        if i["args"]["time_ns"] != t["time_ns"] or i["s"] != "t":
            fail(f"instant {i} does not match the trace's {t}")
        if t["kind"] == "exit" and (i["name"] != t["what"] or i["cat"] != t["ec_name"]):
            fail(f"instant {i} does not name the trap {t}")
    print(f"{timeline_path}: {len(slices)} slices ({len(idle_starts)} idle), {len(instants)} traps on {len(threads)} pCPU track(s)")


if __name__ == "__main__":
    main()
