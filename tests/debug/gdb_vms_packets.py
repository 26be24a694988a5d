#!/usr/bin/env python3
"""The GDB stub on a machine of two VMs, packet by packet: the multiprocess extension when GDB
offers it (thread ids pPID.TID, each VM a process), attaching the second VM, registers and
memory of the thread Hg selects, a breakpoint in one VM only, a step of one thread, and the
packets that name no thread or process (a clear E01, and the stub goes on).

usage: gdb_vms_packets.py TARGET SCENARIO
"""
import sys

from gdb_malformed import Stub, check, framed


def main():
    target, scenario = sys.argv[1], sys.argv[2]
    stub = Stub(target, scenario)
    supported = stub.ask(b"qSupported:multiprocess+;swbreak+")
    check("multiprocess+ offered back", b";multiprocess+" in supported, True)
    check("the first VM is attached", stub.ask(b"?"), b"T05thread:p1.1;")
    check("qC", stub.ask(b"qC"), b"QCp1.1")
    check("threads before attach", stub.ask(b"qfThreadInfo"), b"mp1.1")
    check("extended mode", stub.ask(b"!"), b"OK")
    check("attach the second VM", stub.ask(b"vAttach;2"), b"T05thread:p2.1;")
    check("threads after attach", stub.ask(b"qfThreadInfo"), b"mp1.1,p2.1")
    check("qsThreadInfo", stub.ask(b"qsThreadInfo"), b"l")
    check("thread p2.1's name", bytes.fromhex(stub.ask(b"qThreadExtraInfo,p2.1").decode()), b"b/vcpu0, virtual EL1")
    check("thread p2.1 is alive", stub.ask(b"Tp2.1"), b"OK")
    # Bad thread and process ids: a clear error each.
    for packet in [b"Tp3.1", b"Tp1.2", b"Tpzz.1", b"Hgp9.1", b"Hgp1.x", b"Hx1", b"qThreadExtraInfo,p3.1",
                   b"vAttach;7", b"vAttach;zz", b"D;9", b"vCont;s:p5.1", b"vCont;s:p1.1:x"]:
        check(f"{packet.decode()} names no thread", stub.ask(packet), b"E01")
    # Registers and memory act on the thread Hg selected: set x0 in VM b only.
    check("Hg p2.1", stub.ask(b"Hgp2.1"), b"OK")
    check("P x0 in b", stub.ask(b"P0=efbeadde00000000"), b"OK")
    check("p x0 in b", stub.ask(b"p0"), b"efbeadde00000000")
    check("Hg p1.1", stub.ask(b"Hgp1.1"), b"OK")
    check("p x0 in a is untouched", stub.ask(b"p0"), b"0000000000000000")
    check("g is the core registers (x0..x30, sp, pc, cpsr)", len(stub.ask(b"g")), 2 * (33 * 8 + 4))
    # A breakpoint inserted while a thread of b is selected stops in b only: main, which a
    # reaches first. The machine runs both VMs (vCont;c), so the stop names p2.1.
    check("Hg p2.1 again", stub.ask(b"Hgp2.1"), b"OK")
    check("Z0 main in b", stub.ask(b"Z0,40080040,4"), b"OK")
    check("continue", stub.ask(b"vCont;c"), b"T05thread:p2.1;")
    check("pc of b", stub.ask(b"p20"), b"4000084000000000")
    check("z0 main in b", stub.ask(b"z0,40080040,4"), b"OK")
    # A step of thread p1.1 comes back when a has made its step, whoever runs in between.
    check("Hg p1.1 for its pc", stub.ask(b"Hgp1.1"), b"OK")
    pc_before = stub.ask(b"p20")
    check("step p1.1", stub.ask(b"vCont;s:p1.1;c"), b"T05thread:p1.1;")
    check("a's pc moved one instruction", int.from_bytes(bytes.fromhex(stub.ask(b"p20").decode()), "little"),
          int.from_bytes(bytes.fromhex(pc_before.decode()), "little") + 4)
    check("detach b", stub.ask(b"D;2"), b"OK")
    check("threads after detaching b", stub.ask(b"qfThreadInfo"), b"mp1.1")
    check("detach a again is the last", stub.ask(b"D;1"), b"OK")
    status = stub.process.wait(timeout=30)
    check("the machine runs to its end once both are detached", status, 0)
    print("the stub kept two VMs apart, packet by packet")


if __name__ == "__main__":
    main()
