#!/usr/bin/env python3
"""Drive a VMM's control socket through a session file and compare the transcript.

    control_session.py VMM SESSION EXPECTED [--guests DIR] [--normalise KEY,...] [--console-by-vm] [--stdin FILE]
                       [--peer] [--peer-normalise KEY,...] [--update] [-- VMM_ARGS...]

The VMM runs with --control; the session's lines are:
    # text            copied to the transcript
    -> {json}         a request; consecutive requests go out in one write (the VMM applies
                      them at one slice boundary), then every answer is read
    raw TEXT          a request line sent as it is (malformed ones)
    wait EVENT NAME   read until EVENT about the VM NAME arrives
    sleep SECONDS     let the VMs run a while (what follows then depends on the host)
    until NAME STATE  ask query-vms (not in the transcript) until the VM NAME is in STATE
    terminate         send the VMM SIGTERM (it ends as after quit)
    dst: LINE         any of the above, to the peer (--peer: a second VMM, the same program, for
                      live migration between the two; --peer-normalise: keys normalised in its
                      lines only, for what depends on when the other process sent something)
    same-console NAME GUEST   at the end: the console lines of the VM NAME, on the VMM and then
                      on the peer, must be those of GUEST run alone (an unmoved run)
@WORK@ in a request is the folder both sockets are in (written @WORK@ in the transcript).
The transcript holds what was sent (->), what came back (<-), the VMM's exit status and its
console output (the peer's grouped by VM: its VMs' lines interleave as the host schedules the
two processes). @GUESTS@ in a request is the guests' folder. --normalise sets the values of
these keys to 0 (for what depends on how the host scheduled things); --console-by-vm puts each
VM's console lines ("[name] ...") together, in their order (VMs on host threads of their own
interleave their lines differently on every run); --stdin gives the VMM that file as its standard
input (for --console-input). @GUESTS@ in VMM_ARGS is the guests' folder too. Exit status 1 when the
transcript differs from EXPECTED (the difference is printed), 0 when it is the same.
"""
import difflib
import json
import os
import shutil
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
    def __init__(self, path, keys, label=""):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(60)
        self.sock.connect(path)
        self.buffer = b""
        self.keys = keys
        self.out = []
        self.label = label
        self.events = []  # every event received, so that a wait sees one that came early
        greeting = json.loads(self.read_line())
        greeting["trapeze"]["version"] = "VERSION"
        self.note("<- " + json.dumps(greeting, separators=(",", ":")))

    def note(self, line):
        self.out.append(self.label + line)

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
        self.note("<- " + normalise(line, self.keys))
        reply = json.loads(line)
        if "event" in reply:
            self.events.append(reply)
        return reply

    def send(self, lines):
        if not lines:
            return
        for line in lines:
            self.note("-> " + line)
        self.sock.sendall("".join(line + "\n" for line in lines).encode())
        answers = 0
        while answers < len(lines):
            reply = self.receive()
            if "return" in reply or "error" in reply:
                answers += 1

    def until(self, name, state):
        self.note(f"(waiting until {name} is {state})")
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
                self.note("<- " + normalise(line, self.keys))  # an event
            if any(vm["name"] == name and vm["state"] == state for vm in reply.get("return", [])):
                return
            time.sleep(0.02)

    def wait(self, event, name):
        self.note(f"(waiting for {event} of {name})")
        matches = lambda e: e.get("event") == event and e.get("data", {}).get("name") == name
        while not any(matches(e) for e in self.events):
            self.receive()
        self.events = []  # the next wait looks at what comes after this one


def start(vmm, path, vmm_args, work, name, stdin=None):
    console = open(os.path.join(work, name + "-console.txt"), "w+")
    errors = open(os.path.join(work, name + "-stderr.txt"), "w+")
    process = subprocess.Popen([vmm, "--control", path, "--quiet"] + vmm_args, stdout=console, stderr=errors,
                               stdin=open(stdin) if stdin else subprocess.DEVNULL)
    for _ in range(1000):
        if os.path.exists(path) or process.poll() is not None:
            break
        time.sleep(0.01)
    return process, console, errors


def vm_of(line):
    return line.split("] ", 1)[0] if line.startswith("[") and "] " in line else ""


def lines_of(vm, console_text):
    prefix = f"[{vm}] "
    return [line[len(prefix):] for line in console_text.splitlines() if line.startswith(prefix)]


def main():
    args = sys.argv[1:]
    vmm_args = []
    if "--" in args:
        vmm_args = args[args.index("--") + 1:]
        args = args[: args.index("--")]
    vmm, session_file, expected = args[0], args[1], args[2]
    guests, keys, update, peer_keys, by_vm, stdin = os.getcwd(), set(), False, None, False, None
    i = 3
    while i < len(args):
        if args[i] == "--guests":
            guests, i = os.path.abspath(args[i + 1]), i + 2
        elif args[i] == "--normalise":
            keys, i = set(args[i + 1].split(",")), i + 2
        elif args[i] == "--peer":
            peer_keys, i = peer_keys or set(), i + 1
        elif args[i] == "--peer-normalise":
            peer_keys, i = set(args[i + 1].split(",")), i + 2
        elif args[i] == "--stdin":
            stdin, i = args[i + 1], i + 2
        elif args[i] == "--console-by-vm":
            by_vm, i = True, i + 1
        elif args[i] == "--update":
            update, i = True, i + 1
        else:
            sys.exit(f"control_session.py: unknown option {args[i]}")

    work = tempfile.mkdtemp(prefix="trapeze-control-")
    vmm_args = [a.replace("@GUESTS@", guests) for a in vmm_args]
    processes = {"": start(vmm, os.path.join(work, "vmm.sock"), vmm_args, work, "vmm", stdin)}
    if peer_keys is not None:
        processes["dst: "] = start(vmm, os.path.join(work, "dst.sock"), [], work, "dst")
    paths = {"": os.path.join(work, "vmm.sock"), "dst: ": os.path.join(work, "dst.sock")}
    out = []
    sessions = {}
    same_console = []
    try:
        for label in processes:
            s = Session(paths[label], keys | peer_keys if label else keys, label)
            out.extend(s.out)
            s.out = out  # one transcript, in the order things happened
            sessions[label] = s
        batches = {label: [] for label in sessions}
        for raw in open(session_file).read().splitlines():
            line = raw.replace("@GUESTS@", guests).replace("@WORK@", work)
            label = "dst: " if line.startswith("dst: ") else ""
            if label:
                line = line[len(label):]
            s = sessions[label]
            if line.startswith("-> ") or line.startswith("raw "):
                for other in batches:  # what the other VMM was asked goes first
                    if other != label:
                        sessions[other].send(batches[other])
                        batches[other] = []
                batches[label].append(line[3:] if line.startswith("-> ") else line[4:])
                continue
            for other, batch in batches.items():
                sessions[other].send(batch)
                batches[other] = []
            if line.startswith("wait "):
                _, event, name = line.split()
                s.wait(event, name)
            elif line == "terminate":
                s.note(line)
                processes[label][0].terminate()
            elif line.startswith("until "):
                _, name, state = line.split()
                s.until(name, state)
            elif line.startswith("sleep "):
                time.sleep(float(line.split()[1]))
                s.note(line)
            elif line.startswith("same-console "):
                same_console.append(line.split()[1:])
            elif line.startswith("#") or not line.strip():
                s.note(line)
            else:
                sys.exit(f"control_session.py: {session_file}: cannot read: {line}")
        for label, batch in batches.items():
            sessions[label].send(batch)
        statuses = {label: p[0].wait(timeout=60) for label, p in processes.items()}
    except Exception as e:  # the transcript says what went wrong
        for p in processes.values():
            p[0].kill()
            p[0].wait()
        out.append(f"!! {type(e).__name__}: {e}")
        statuses = {label: "killed" for label in processes}
    transcript = out
    consoles = {}
    for label, (process, console, errors) in processes.items():
        console.seek(0)
        errors.seek(0)
        consoles[label] = console.read()
        name = label.rstrip(": ") + " " if label else ""
        transcript.append(f"== {name}exit status {statuses[label]}")
        if label:  # the peer's VMs, one after the other
            lines = consoles[label].splitlines()
            transcript.append(f"== {name}console (by VM)")
            transcript.extend(sorted(lines, key=vm_of))
        else:
            transcript.append("== console")
            lines = consoles[label].splitlines()
            if by_vm:
                lines.sort(key=vm_of)  # stable: each VM's lines keep their order
            transcript.extend(lines)
        if errors.read().strip():
            errors.seek(0)
            transcript.append(f"== {name}stderr")
            transcript.extend(errors.read().splitlines())
    for vm, guest in same_console:
        guest = guest.replace("@GUESTS@", guests)
        alone = subprocess.run([vmm, guest, "--quiet"], capture_output=True, text=True, timeout=60).stdout.splitlines()
        moved = lines_of(vm, consoles[""]) + lines_of(vm, consoles.get("dst: ", ""))
        if moved == alone:
            transcript.append(f"== {vm}'s console, here and then there: the same {len(alone)} lines as {os.path.basename(guest)} alone")
        else:
            transcript.append(f"== {vm}'s console differs from {os.path.basename(guest)} alone:")
            transcript.extend(difflib.unified_diff(alone, moved, "alone", vm, lineterm=""))
    text = "\n".join(transcript).replace(os.path.abspath(guests), "@GUESTS@").replace(work, "@WORK@") + "\n"
    for _, console, errors in processes.values():
        console.close()
        errors.close()
    shutil.rmtree(work, ignore_errors=True)
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
