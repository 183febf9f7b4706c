#!/usr/bin/python3
"""A test oracle for the management side, written apart from ssh-callhome.

It listens on loopback, accepts calls, records each call's first bytes
exactly as they arrived, and then, per --mode:

  fdpass  read --lines preamble lines byte by byte, pass the socket to ssh
          on stdout (ProxyCommand with ProxyUseFdpass), exit; with --next,
          first record what follows the lines (peeked, not consumed):
          ssh ignores lines before the banner, so only this shows that
          nothing more came before it; with --delay, first hold the call
          untouched for that long (a broker's parked call)
  close   close each call at once (a server that accepts and drops)
  hold    answer as an NMS's ssh client would, with an SSH identification
          line, then keep each call open until the peer closes it or
          --hold-time
  silent  like hold, but never send a byte: a call taken and not answered
  record  read what the peer sends for --hold-time, record it all
  garbage send junk instead of an SSH banner, then hold like hold
  reset   close each call with a TCP reset (SO_LINGER 0)
  blackhole  accept nothing: the queue is kept full, so that a connect
          hangs as it would towards a dropped route (Linux drops the SYN)

The port is written to --port-file once listening; one line per accepted
call ("<monotonic seconds> <peer>") goes to --log; --log-wall stamps it
with the wall clock instead, --log-port adds the peer's port.
"""

import argparse
import os
import select
import socket
import struct
import sys
import time


def write_atomic(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)


def read_lines(conn, n, deadline):
    """n lines, one byte at a time: nothing after them is consumed."""
    data = b""
    while data.count(b"\n") < n:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        r, _, _ = select.select([conn], [], [], left)
        if not r:
            break
        b = conn.recv(1)
        if not b:
            break
        data += b
    return data


def peek(conn, n, deadline):
    """Up to n bytes of what comes next, left in the socket for ssh."""
    data = b""
    while len(data) < n and time.monotonic() < deadline:
        r, _, _ = select.select([conn], [], [],
                                max(deadline - time.monotonic(), 0))
        if not r:
            break
        got = conn.recv(n, socket.MSG_PEEK)
        if not got:
            break
        if got == data:
            time.sleep(0.01)    # readable, but nothing new yet
        data = got
    return data


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--record", help="file for the bytes of each call")
    ap.add_argument("--next", help="fdpass: file for the 4 bytes after "
                    "the lines (\"SSH-\" when the banner follows)")
    ap.add_argument("--log", help="one line per accepted call")
    ap.add_argument("--log-wall", action="store_true",
                    help="stamp --log lines with the wall clock")
    ap.add_argument("--log-port", action="store_true",
                    help="add the peer's port to --log lines")
    ap.add_argument("--mode", default="fdpass",
                    choices=["fdpass", "close", "hold", "silent", "record",
                             "blackhole", "garbage", "reset"])
    ap.add_argument("--lines", type=int, default=3)
    ap.add_argument("--calls", type=int, default=1)
    ap.add_argument("--hold-time", type=float, default=5.0)
    ap.add_argument("--timeout", type=float, default=30.0)
    ap.add_argument("--delay", type=float, default=0.0,
                    help="fdpass: seconds to hold the call before")
    a = ap.parse_args()

    family = socket.AF_INET6 if ":" in a.listen else socket.AF_INET
    ls = socket.socket(family, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((a.listen, a.port))
    if a.mode == "blackhole":
        ls.listen(0)
        fill = []
        for _ in range(2):
            c = socket.socket(family, socket.SOCK_STREAM)
            c.setblocking(False)
            try:
                c.connect(ls.getsockname()[:2])
            except BlockingIOError:
                pass
            fill.append(c)
        write_atomic(a.port_file, "%d\n" % ls.getsockname()[1])
        time.sleep(a.timeout)
        return 0
    ls.listen(64)
    write_atomic(a.port_file, "%d\n" % ls.getsockname()[1])
    deadline = time.monotonic() + a.timeout
    for i in range(a.calls):
        left = deadline - time.monotonic()
        r, _, _ = select.select([ls], [], [], max(left, 0))
        if not r:
            sys.stderr.write("callrecv: no call within %.0fs\n" % a.timeout)
            return 1
        conn, peer = ls.accept()
        if a.log:
            with open(a.log, "a") as f:
                f.write("%.3f %s%s\n" % (
                    time.time() if a.log_wall else time.monotonic(),
                    peer[0], " %d" % peer[1] if a.log_port else ""))
        if a.mode == "close":
            conn.close()
            continue
        if a.mode == "reset":
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                            struct.pack("ii", 1, 0))
            conn.close()
            continue
        if a.mode == "hold":
            try:
                conn.sendall(b"SSH-2.0-callrecv\r\n")
            except OSError:
                pass
        if a.mode == "garbage":
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n\x00\xff" * 4)
        if a.mode == "fdpass":
            time.sleep(a.delay)
            data = read_lines(conn, a.lines, time.monotonic() + 10)
        else:
            data = b""
            until = time.monotonic() + a.hold_time
            while time.monotonic() < until:
                r, _, _ = select.select([conn], [], [],
                                        until - time.monotonic())
                if not r:
                    break
                try:
                    b = conn.recv(65536)
                except OSError:
                    break
                if not b:
                    break
                if a.mode == "record":
                    data += b
        if a.record:
            with open(a.record + ("" if a.calls == 1 else ".%d" % i),
                      "wb") as f:
                f.write(data)
        if a.mode == "fdpass" and a.next:
            with open(a.next, "wb") as f:
                f.write(peek(conn, 4, time.monotonic() + 10))
        if a.mode == "fdpass":
            out = socket.socket(fileno=os.dup(1))
            socket.send_fds(out, [b"\0"], [conn.fileno()])
            return 0
        conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
