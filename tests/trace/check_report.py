#!/usr/bin/env python3
"""Opens a --report page in headless Chromium and checks what it renders, and that the page
sent no request anywhere (Chromium's network log lists every request and who made it).

usage: check_report.py CHROMIUM REPORT.html TEXT [TEXT ...]

Each TEXT must appear in the rendered DOM's text (tags removed, spaces collapsed).
"""
import html
import json
import os
import re
import subprocess
import sys
import tempfile


def main():
    chromium, report = sys.argv[1], os.path.abspath(sys.argv[2])
    expected = sys.argv[3:]
    with tempfile.TemporaryDirectory() as profile:
        netlog = os.path.join(profile, "netlog.json")
        result = subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
             "--host-resolver-rules=MAP * ~NOTFOUND", f"--log-net-log={netlog}", "--dump-dom",
             f"file://{report}"],
            capture_output=True, text=True, timeout=120)
        if result.returncode != 0 or "<body" not in result.stdout:
            print(f"chromium failed ({result.returncode}):\n{result.stderr[-2000:]}")
            return 1
        dom = result.stdout
        with open(netlog) as f:
            log = json.load(f)
    # Requests the page made carry its origin as initiator (a file:// page's is "null");
    # the browser's own housekeeping has none ("not an origin").
    names = {value: key for key, value in log["constants"]["logEventTypes"].items()}
    leaks = [e["params"]["url"] for e in log["events"]
             if names[e["type"]] == "URL_REQUEST_START_JOB"
             and e.get("params", {}).get("initiator", "not an origin") != "not an origin"]
    if leaks:
        print(f"the page made requests: {leaks}")
        return 1
    if re.search(r"<script|<iframe|<img|<link[^>]*href|url\((?!#)", dom):
        print("the page holds a script, frame, image or external reference")
        return 1
    visible = re.sub(r"<(style|title)>.*?</\1>", " ", dom, flags=re.S)
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", visible)).split())
    missing = [t for t in expected if t not in text]
    if missing:
        print(f"the rendered page lacks: {missing}\n--- text ---\n{text[:3000]}")
        return 1
    slices = len(re.findall(r'<rect class="slice"', dom))
    marks = len(re.findall(r'<line class="trap"', dom))
    if slices == 0 or marks == 0:
        print(f"the timeline has {slices} slices and {marks} trap marks")
        return 1
    print(f"{report}: rendered; {slices} slices, {marks} trap marks, no request; all {len(expected)} texts found")
    return 0


if __name__ == "__main__":
    sys.exit(main())
