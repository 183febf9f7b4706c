#!/usr/bin/python3
"""Misbehaving proxies for the proxy scenarios, on loopback.

--mode silent        accept, read, never answer; wait for the caller to
                     hang up
--mode garbage       answer whatever comes with a line that is neither
                     SOCKS5 nor HTTP
--mode early-socks5  a correct SOCKS5 server (no auth) that sends its
                     success reply and the "server's" first bytes (an SSH
                     identification line) in one segment, then listens
--mode early-http    the same with HTTP CONNECT and a 200

Each connection is logged as one line:
    accept=T close=T request=R answered=yes|no
where R says what the caller asked for (SOCKS5: "atyp=N host=H port=P";
HTTP: the request line), and answered says whether the caller's side,
after the tunnel was open, went on past its SSH identification line
(sshd sends its key exchange only after reading ours, so "yes" means the
early line reached sshd).  Every wait is bounded.
"""
import argparse
import os
import select
import socket
import struct
import sys
import time

EARLY = b"SSH-2.0-EarlyBird\r\n"


def recv_exact(c, n, deadline):
    buf = b""
    while len(buf) < n:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([c], [], [], left)[0]:
            raise TimeoutError
        d = c.recv(n - len(buf))
        if not d:
            raise EOFError
        buf += d
    return buf


def recv_until(c, mark, deadline, limit=16384):
    buf = b""
    while mark not in buf and len(buf) < limit:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([c], [], [], left)[0]:
            raise TimeoutError
        d = c.recv(1)
        if not d:
            raise EOFError
        buf += d
    return buf


def wait_close(c, deadline):
    """Read until the caller hangs up or the deadline; what came."""
    buf = b""
    while time.monotonic() < deadline:
        r = select.select([c], [], [], deadline - time.monotonic())[0]
        if not r:
            break
        try:
            d = c.recv(4096)
        except OSError:
            break
        if not d:
            break
        buf += d
    return buf


def went_on(c, seconds):
    """After the tunnel: the caller's stream past its own SSH line."""
    stream = read_past_banner(c, time.monotonic() + seconds)
    i = stream.find(b"SSH-2.0-")
    if i < 0:
        return "no"
    j = stream.find(b"\n", i)
    return "yes" if j >= 0 and len(stream) > j + 1 else "no"


def read_past_banner(c, deadline):
    """Read until a byte follows an SSH identification line, bounded."""
    buf = b""
    while time.monotonic() < deadline:
        r = select.select([c], [], [], min(0.2, max(0, deadline -
                                                    time.monotonic())))[0]
        if r:
            try:
                d = c.recv(4096)
            except OSError:
                break
            if not d:
                break
            buf += d
        i = buf.find(b"SSH-2.0-")
        if i >= 0:
            j = buf.find(b"\n", i)
            if j >= 0 and len(buf) > j + 1:
                break
    return buf


def early_socks(c, deadline):
    greet = recv_exact(c, 2, deadline)
    recv_exact(c, greet[1], deadline)
    c.sendall(b"\x05\x00")
    head = recv_exact(c, 4, deadline)
    atyp = head[3]
    if atyp == 1:
        host = socket.inet_ntop(socket.AF_INET, recv_exact(c, 4, deadline))
    elif atyp == 4:
        host = socket.inet_ntop(socket.AF_INET6, recv_exact(c, 16, deadline))
    else:
        n = recv_exact(c, 1, deadline)[0]
        host = recv_exact(c, n, deadline).decode("ascii", "replace")
    port = struct.unpack("!H", recv_exact(c, 2, deadline))[0]
    c.sendall(b"\x05\x00\x00\x01\x7f\x00\x00\x01\x10\xee" + EARLY)
    return "atyp=%d host=%s port=%d" % (atyp, host, port)


def early_http(c, deadline):
    head = recv_until(c, b"\r\n\r\n", deadline)
    line = head.split(b"\r\n", 1)[0].decode("ascii", "replace")
    c.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n" + EARLY)
    return line.replace(" ", "_")


def serve(c, mode, log):
    t0 = time.monotonic()
    request, answered = "-", "-"
    deadline = t0 + 60
    try:
        if mode == "silent":
            wait_close(c, deadline)
        elif mode == "garbage":
            select.select([c], [], [], 5)
            c.sendall(b"220 mail.example ESMTP ready\r\n")
            wait_close(c, t0 + 30)
        elif mode == "early-socks5":
            request = early_socks(c, t0 + 10)
            answered = went_on(c, 10)
        elif mode == "early-http":
            request = early_http(c, t0 + 10)
            answered = went_on(c, 10)
    except (TimeoutError, EOFError, OSError) as e:
        request = request if request != "-" else type(e).__name__
    t1 = time.monotonic()
    c.close()
    log.write("accept=%.3f close=%.3f request=%s answered=%s\n" %
              (time.time() - (time.monotonic() - t0), time.time() -
               (time.monotonic() - t1), request, answered))
    log.flush()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", required=True, choices=[
        "silent", "garbage", "early-socks5", "early-http"])
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--calls", type=int, default=50)
    ap.add_argument("--timeout", type=float, default=300)
    a = ap.parse_args()
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    with open(a.port_file + ".tmp", "w") as f:
        f.write("%d\n" % s.getsockname()[1])
    os.rename(a.port_file + ".tmp", a.port_file)
    end = time.monotonic() + a.timeout
    with open(a.log, "a") as log:
        for _ in range(a.calls):
            left = end - time.monotonic()
            if left <= 0 or not select.select([s], [], [], left)[0]:
                break
            c, _ = s.accept()
            serve(c, a.mode, log)
    return 0


if __name__ == "__main__":
    sys.exit(main())
