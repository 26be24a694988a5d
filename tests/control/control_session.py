#!/usr/bin/env python3
"""Drive a VMM's control socket through a session file and compare the transcript.

    control_session.py VMM SESSION EXPECTED [--guests DIR] [--normalise KEY,...] [--console-by-vm] [--stdin FILE]
                       [--update] [-- VMM_ARGS...]

The VMM runs with --control; the session's lines are:
    # text            copied to the transcript
    -> {json}         a request; consecutive requests go out in one write (the VMM applies
                      them at one slice boundary), then every answer is read
    raw TEXT          a request line sent as it is (malformed ones)
    wait EVENT NAME   read until EVENT about the VM NAME arrives
    sleep SECONDS     let the VMs run a while (what follows then depends on the host)
    until NAME STATE  ask query-vms (not in the transcript) until the VM NAME is in STATE
    terminate         send the VMM SIGTERM (it ends as after quit)
The transcript holds what was sent (->), what came back (<-), the VMM's exit status and its
console output. @GUESTS@ in a request is the guests' folder. --normalise sets the values of
these keys to 0 (for what depends on how the host scheduled things); --console-by-vm puts each
VM's console lines ("[name] ...") together, in their order (VMs on host threads of their own
interleave their lines differently on every run); --stdin gives the VMM that file as its standard
input (for --console-input). @GUESTS@ in VMM_ARGS is the guests' folder too. Exit status 1 when the
transcript differs from EXPECTED (the difference is printed), 0 when it is the same.
"""
import difflib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time


def normalise(line, keys):
    if not keys:
        return line
    try:
        value = json.loads(line)
    except ValueError:
        return line

    def walk(v):
        if isinstance(v, dict):
            return {k: (0 if k in keys else walk(x)) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x) for x in v]
        return v

    return json.dumps(walk(value), separators=(",", ":"), ensure_ascii=False)


class Session:
    def __init__(self, path, keys):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(60)
        self.sock.connect(path)
        self.buffer = b""
        self.keys = keys
        self.out = []
        self.events = []  # every event received, so that a wait sees one that came early
        greeting = json.loads(self.read_line())
        greeting["trapeze"]["version"] = "VERSION"
        self.out.append("<- " + json.dumps(greeting, separators=(",", ":")))

    def read_line(self):
        while b"\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("the VMM closed the socket")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode()

    def receive(self):
        line = self.read_line()
        self.out.append("<- " + normalise(line, self.keys))
        reply = json.loads(line)
        if "event" in reply:
            self.events.append(reply)
        return reply

    def send(self, lines):
        if not lines:
            return
        for line in lines:
            self.out.append("-> " + line)
        self.sock.sendall("".join(line + "\n" for line in lines).encode())
        answers = 0
        while answers < len(lines):
            reply = self.receive()
            if "return" in reply or "error" in reply:
                answers += 1

    def until(self, name, state):
        self.out.append(f"(waiting until {name} is {state})")
        deadline = time.monotonic() + 60
        while True:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{name} is not {state} after 60 s")
            self.sock.sendall(b'{"execute":"query-vms","id":"until"}\n')
            while True:
                line = self.read_line()
                reply = json.loads(line)
                if reply.get("id") == "until":
                    break
                self.out.append("<- " + normalise(line, self.keys))  # an event
            if any(vm["name"] == name and vm["state"] == state for vm in reply.get("return", [])):
                return
            time.sleep(0.02)

    def wait(self, event, name):
        self.out.append(f"(waiting for {event} of {name})")
        matches = lambda e: e.get("event") == event and e.get("data", {}).get("name") == name
        while not any(matches(e) for e in self.events):
            self.receive()
        self.events = []  # the next wait looks at what comes after this one


def main():
    args = sys.argv[1:]
    vmm_args = []
    if "--" in args:
        vmm_args = args[args.index("--") + 1:]
        args = args[: args.index("--")]
    vmm, session_file, expected = args[0], args[1], args[2]
    guests, keys, update, by_vm, stdin = os.getcwd(), set(), False, False, None
    i = 3
    while i < len(args):
        if args[i] == "--guests":
            guests, i = os.path.abspath(args[i + 1]), i + 2
        elif args[i] == "--normalise":
            keys, i = set(args[i + 1].split(",")), i + 2
        elif args[i] == "--stdin":
            stdin, i = args[i + 1], i + 2
        elif args[i] == "--console-by-vm":
            by_vm, i = True, i + 1
        elif args[i] == "--update":
            update, i = True, i + 1
        else:
            sys.exit(f"control_session.py: unknown option {args[i]}")

    work = tempfile.mkdtemp(prefix="trapeze-control-")
    path = os.path.join(work, "vmm.sock")
    console = open(os.path.join(work, "console.txt"), "w+")
    errors = open(os.path.join(work, "stderr.txt"), "w+")
    vmm_args = [a.replace("@GUESTS@", guests) for a in vmm_args]
    process = subprocess.Popen([vmm, "--control", path, "--quiet"] + vmm_args, stdout=console, stderr=errors,
                               stdin=open(stdin) if stdin else subprocess.DEVNULL)
    for _ in range(1000):
        if os.path.exists(path) or process.poll() is not None:
            break
        time.sleep(0.01)
    try:
        s = Session(path, keys)
        batch = []
        for raw in open(session_file).read().splitlines():
            line = raw.replace("@GUESTS@", guests)
            if line.startswith("-> "):
                batch.append(line[3:])
            elif line.startswith("raw "):
                batch.append(line[4:])
            else:
                s.send(batch)
                batch = []
                if line.startswith("wait "):
                    _, event, name = line.split()
                    s.wait(event, name)
                elif line == "terminate":
                    s.out.append(line)
                    process.terminate()
                elif line.startswith("until "):
                    _, name, state = line.split()
                    s.until(name, state)
                elif line.startswith("sleep "):
                    time.sleep(float(line.split()[1]))
                    s.out.append(line)
                elif line.startswith("#") or not line.strip():
                    s.out.append(line)
                else:
                    sys.exit(f"control_session.py: {session_file}: cannot read: {line}")
        s.send(batch)
        status = process.wait(timeout=60)
    except Exception as e:  # the transcript says what went wrong
        process.kill()
        process.wait()
        s_out = locals().get("s")
        transcript = (s_out.out if s_out else []) + [f"!! {type(e).__name__}: {e}"]
        status = "killed"
    else:
        transcript = s.out
    console.seek(0)
    errors.seek(0)
    transcript.append(f"== exit status {status}")
    transcript.append("== console")
    lines = console.read().splitlines()
    if by_vm:
        vm_of = lambda line: line.split("] ", 1)[0] if line.startswith("[") and "] " in line else ""
        lines.sort(key=vm_of)  # stable: each VM's lines keep their order
    transcript.extend(lines)
    if errors.read().strip():
        errors.seek(0)
        transcript.append("== stderr")
        transcript.extend(errors.read().splitlines())
    text = "\n".join(transcript).replace(os.path.abspath(guests), "@GUESTS@") + "\n"
    if update:
        open(expected, "w").write(text)
        return 0
    want = open(expected).read() if os.path.exists(expected) else ""
    if text == want:
        return 0
    sys.stdout.writelines(difflib.unified_diff(want.splitlines(True), text.splitlines(True), expected, "this run"))
    return 1


if __name__ == "__main__":
    sys.exit(main())
