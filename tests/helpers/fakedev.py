#!/usr/bin/python3
"""A device for ssh-callhome's tests, written apart from sshd-callhome.

It dials the management side and sends what the test asks for: a
Junos-style preamble built here (its HMAC from Python's hmac module, with
the variants real devices send), or raw bytes from a file, at once or one
byte at a time.  Then, per --then:

  close   close the connection
  hold    keep it open until the peer closes it (bounded by --hold)
  exec    put the socket on fd 0 and 1 and exec the rest of the command
          line (e.g. a real "sshd -i"), as a device would
  answer  read until the peer's EOF, then send "got N bytes" and close
  reset   close with a TCP RST (SO_LINGER 0), as a device that reboots;
          with --send-timeout, what does not fit in that time is dropped

--report FILE gets one line: how the connection ended from here
("peer-closed" or "held"); --count N opens N such connections at once.
"""

import argparse
import hashlib
import hmac
import os
import select
import socket
import struct
import sys
import time


def preamble(a):
    eol = b"\n" if a.eol == "lf" else b"\r\n"
    sep = b"" if a.no_space else b" "
    out = (b"MSG-ID:" + sep + b"DEVICE-CONN-INFO" + eol +
           b"MSG-VER:" + sep + b"V1" + eol +
           b"DEVICE-ID:" + sep + a.device_id.encode() + eol)
    if a.key:
        key = a.key.encode()
        with open(a.secret, "rb") as f:
            secret = f.read().rstrip(b"\r\n")
        if a.swapped:
            mac = hmac.new(key, secret, hashlib.sha1).hexdigest()
        else:
            mac = hmac.new(secret, key, hashlib.sha1).hexdigest()
        if a.upper:
            mac = mac.upper()
        out += b"HOST-KEY:" + sep + key + (b"\0" if a.nul else b"") + eol
        out += b"HMAC:" + (b"" if a.hmac_no_space else sep)
        out += mac.encode() + eol
    return out


def dial(host, port, deadline):
    while True:
        try:
            return socket.create_connection((host, port), timeout=5)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def wait_close(s, until):
    """Read until the peer closes or until; True if the peer closed."""
    while time.monotonic() < until:
        r, _, _ = select.select([s], [], [], until - time.monotonic())
        if not r:
            continue
        try:
            if not s.recv(65536):
                return True
        except OSError:
            return True
    return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--connect", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--device-id")
    ap.add_argument("--key", help='"<type> <base64>" for HOST-KEY')
    ap.add_argument("--secret")
    ap.add_argument("--nul", action="store_true")
    ap.add_argument("--eol", choices=["crlf", "lf"], default="crlf")
    ap.add_argument("--no-space", action="store_true")
    ap.add_argument("--hmac-no-space", action="store_true")
    ap.add_argument("--swapped", action="store_true")
    ap.add_argument("--upper", action="store_true")
    ap.add_argument("--data", help="raw bytes to send (after a preamble)")
    ap.add_argument("--byte-delay", type=float, default=0.0)
    ap.add_argument("--max-time", type=float, default=30.0)
    ap.add_argument("--send-timeout", type=float,
                    help="give up sending after this long (a peer that "
                    "does not read)")
    ap.add_argument("--then", default="close",
                    choices=["close", "hold", "exec", "answer", "reset"])
    ap.add_argument("--hold", type=float, default=10.0)
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--report")
    ap.add_argument("cmd", nargs="*")
    a = ap.parse_args()

    out = preamble(a) if a.device_id else b""
    if a.data:
        with open(a.data, "rb") as f:
            out += f.read()
    deadline = time.monotonic() + a.max_time
    socks = [dial(a.connect, a.port, deadline) for _ in range(a.count)]
    for s in socks:
        s.settimeout(a.send_timeout)
    try:
        if a.byte_delay > 0:
            live = list(socks)
            for i in range(len(out)):
                if time.monotonic() > deadline or not live:
                    break
                for s in list(live):
                    try:
                        s.sendall(out[i:i + 1])
                    except OSError:
                        live.remove(s)  # closed by the peer: the others go on
                time.sleep(a.byte_delay)
        else:
            for s in socks:
                s.sendall(out)
    except OSError as e:
        # The peer may well close a hostile caller first.
        sys.stderr.write("fakedev: send: %s\n" % e)
    for s in socks:
        s.settimeout(None)
    if a.then == "exec":
        s = socks[0]
        os.dup2(s.fileno(), 0)
        os.dup2(s.fileno(), 1)
        s.close()
        try:
            os.setsid()
        except PermissionError:
            pass    # already leads a process group (lib.sh's bg): keep it
        os.execv(a.cmd[0], a.cmd)
    if a.then == "reset":
        for s in socks:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                         struct.pack("ii", 1, 0))
            s.close()
        return 0
    if a.then == "answer":
        s = socks[0]
        got = 0
        while time.monotonic() < deadline:
            r, _, _ = select.select([s], [], [], 1)
            if r:
                b = s.recv(65536)
                if not b:
                    break
                got += len(b)
        s.sendall(b"got %d bytes\n" % got)
        s.close()
        return 0
    closed = "held"
    if a.then == "hold":
        until = min(deadline, time.monotonic() + a.hold)
        closed = "peer-closed"
        for s in socks:
            if not wait_close(s, until):
                closed = "held"
    if a.report:
        with open(a.report, "w") as f:
            f.write(closed + "\n")
    for s in socks:
        s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
