#!/usr/bin/env python3
"""Stands between a migrating Trapeze and its destination, to break the stream on purpose.

  stream_proxy.py relay LISTEN DEST --flip OFFSET   forwards the source's stream to DEST with
                                                    the byte at OFFSET inverted (a corrupt stream)
  stream_proxy.py vanish LISTEN --after BYTES       plays a destination that reads BYTES of the
                                                    stream and then dies (its socket closes)
  stream_proxy.py garbage DEST                      sends a destination bytes that are no stream

LISTEN and DEST are Unix socket paths. Prints what it did on stdout."""
import os
import socket
import sys
import threading


def listen(path):
    if os.path.exists(path):
        os.unlink(path)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)
    server.settimeout(60)
    conn, _ = server.accept()
    server.close()
    os.unlink(path)
    return conn


def relay(listen_path, dest_path, flip):
    dest = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dest.connect(dest_path)
    source = listen(listen_path)

    def back():  # the destination's answers go back untouched
        while True:
            data = dest.recv(65536)
            if not data:
                break
            try:
                source.sendall(data)
            except OSError:
                break
        source.close()

    threading.Thread(target=back, daemon=True).start()
    seen = 0
    while True:
        data = bytearray(source.recv(65536))
        if not data:
            break
        if seen <= flip < seen + len(data):
            data[flip - seen] ^= 0xFF
        seen += len(data)
        try:
            dest.sendall(data)
        except OSError:
            break
    dest.close()
    print(f"relayed {seen} bytes, byte {flip} inverted")


def vanish(listen_path, after):
    source = listen(listen_path)
    seen = 0
    while seen < after:
        data = source.recv(min(65536, after - seen))
        if not data:
            break
        seen += len(data)
    source.close()
    print(f"read {seen} bytes, then closed")


def garbage(dest_path):
    dest = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dest.connect(dest_path)
    try:
        dest.sendall(b"GET / HTTP/1.1\r\nHost: trapeze\r\n\r\n")
        dest.recv(65536)
    except OSError:
        pass
    dest.close()
    print("sent an HTTP request")


def main(argv):
    if len(argv) >= 5 and argv[1] == "relay" and argv[4] == "--flip" and len(argv) == 6:
        relay(argv[2], argv[3], int(argv[5]))
    elif len(argv) == 5 and argv[1] == "vanish" and argv[3] == "--after":
        vanish(argv[2], int(argv[4]))
    elif len(argv) == 3 and argv[1] == "garbage":
        garbage(argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
