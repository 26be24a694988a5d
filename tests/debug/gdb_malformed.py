#!/usr/bin/env python3
"""Feeds the GDB stub malformed and hostile packets, then checks that it still answers good
ones, that Ctrl-C (0x03) interrupts a continue, and that `k` ends the run.

usage: gdb_malformed.py TARGET GUEST
"""
import re
import socket
import subprocess
import sys
import time


def framed(payload: bytes) -> bytes:
    return b"$" + payload + b"#" + b"%02x" % (sum(payload) & 0xFF)


class Stub:
    def __init__(self, target, guest):
        self.process = subprocess.Popen([target, guest, "--gdb", "0", "--gdb-wait", "--quiet"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        line = self.process.stderr.readline().decode()
        port = int(re.search(r"127\.0\.0\.1:(\d+)", line).group(1))
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buffer = b""

    def send(self, raw: bytes):
        self.sock.sendall(raw)

    def read_until(self, predicate, timeout=10):
        end = time.time() + timeout
        while time.time() < end:
            result = predicate(self.buffer)
            if result is not None:
                return result
            self.sock.settimeout(max(0.05, end - time.time()))
            try:
                chunk = self.sock.recv(4096)
            except socket.timeout:
                continue
            if not chunk:
                break
            self.buffer += chunk
        raise AssertionError(f"no answer; received so far: {self.buffer!r}")

    def ack(self):
        """The next acknowledgement byte, '+' or '-'."""
        def take(buffer):
            if buffer[:1] in (b"+", b"-"):
                self.buffer = buffer[1:]
                return buffer[:1]
            return None
        return self.read_until(take)

    def packet(self):
        """The next whole packet's payload (acks before it skipped)."""
        def take(buffer):
            match = re.match(rb"^[+-]*\$([^#]*)#([0-9a-f]{2})", buffer)
            if not match:
                return None
            self.buffer = buffer[match.end():]
            payload = match.group(1)
            assert int(match.group(2), 16) == sum(payload) & 0xFF, f"bad checksum from the stub: {match.group(0)!r}"
            return payload
        return self.read_until(take)

    def ask(self, payload: bytes) -> bytes:
        self.send(framed(payload))
        return self.packet()


def check(what, got, expected):
    if got != expected:
        raise AssertionError(f"{what}: got {got!r}, expected {expected!r}")
    print(f"ok: {what}")


def main():
    target, guest = sys.argv[1], sys.argv[2]
    stub = Stub(target, guest)
    try:
        session(stub)
    finally:
        if stub.process.poll() is None:
            stub.process.kill()
            stub.process.wait()


def session(stub):
    # A bad checksum is refused with '-' (GDB would send the packet again).
    stub.send(b"$g#00")
    check("bad checksum", stub.ack(), b"-")
    stub.send(b"$g#zz")
    check("checksum that is not hex", stub.ack(), b"-")
    stub.send(b"$m}#ea")  # an escape at the very end, with the right checksum
    check("escape at the end", stub.ack(), b"-")
    stub.send(b"garbage before a packet \x01\x02")
    check("noise, then a good packet", stub.ask(b"?"), b"T05thread:1;")
    check("m with no comma", stub.ask(b"m40080000"), b"E01")
    check("m with bad hex", stub.ask(b"mzz,4"), b"E01")
    check("m too long", stub.ask(b"m40080000,100000"), b"E01")
    check("m outside memory", stub.ask(b"m10,4"), b"E0e")
    check("m in a device", stub.ask(b"m9000000,4"), b"E0e")
    check("m of the first instruction", stub.ask(b"m40080000,4"), b"00040091")  # add x0, x0, #1
    check("M with the wrong length", stub.ask(b"M40080000,4:00"), b"E01")
    check("M with no data", stub.ask(b"M40080000,4"), b"E01")
    check("p of no register", stub.ask(b"p999"), b"E01")
    check("p with bad hex", stub.ask(b"pxyz"), b"E01")
    check("P with no value", stub.ask(b"P1"), b"E01")
    check("P with a short value", stub.ask(b"P1=1234"), b"E01")
    check("G with bad hex", stub.ask(b"Gzz"), b"E01")
    check("Z with too few fields", stub.ask(b"Z0,40080000"), b"E01")
    check("Z at an unaligned address", stub.ask(b"Z0,40080002,4"), b"E0e")
    check("Z3 (read watchpoints) unsupported", stub.ask(b"Z3,40080000,4"), b"")
    check("Z2 on a device", stub.ask(b"Z2,9000000,4"), b"E0e")
    check("Z2 of zero bytes", stub.ask(b"Z2,40080000,0"), b"E01")
    check("H of no thread", stub.ask(b"Hg7"), b"E01")
    check("T of no thread", stub.ask(b"T0"), b"E01")
    check("unknown packet", stub.ask(b"Xyzzy"), b"")
    check("qXfer of another object", stub.ask(b"qXfer:features:read:other.xml:0,100"), b"E00")
    check("qXfer with a bad range", stub.ask(b"qXfer:features:read:target.xml:zz"), b"E01")
    check("qRcmd with bad hex", stub.ask(b"qRcmd,zz"), b"E01")
    check("vCont with an unknown action", stub.ask(b"vCont;r"), b"E01")
    check("c at a bad address", stub.ask(b"cxyz"), b"E01")
    stub.send(b"$" + b"A" * 70000)  # a packet that never ends
    stub.send(b"#00")
    # After all that, the stub still works: registers, and a real session.
    registers = stub.ask(b"g")
    check("g still answers (pc of the entry)", registers[32 * 16 : 33 * 16], b"0000084000000000")
    check("no-ack mode", stub.ask(b"QStartNoAckMode"), b"OK")
    check("vCont?", stub.ask(b"vCont?"), b"vCont;c;C;s;S")
    stub.send(framed(b"c"))
    time.sleep(0.5)
    stub.send(b"\x03")  # Ctrl-C
    check("Ctrl-C stops a continue", stub.packet(), b"T02thread:1;")
    stub.send(framed(b"k"))
    status = stub.process.wait(timeout=10)
    stderr = stub.process.stderr.read().decode()
    check("k stops the VM (exit status 1)", status, 1)
    if "killed from GDB" not in stderr:
        raise AssertionError(f"the stop reason is not given: {stderr}")
    print("the stub answered every malformed packet and kept working")


if __name__ == "__main__":
    main()
