#!/usr/bin/python3
"""A TCP proxy that can play dead: the non-root stand-in for a silently
vanished peer.  It forwards one connection from --port-file's port to
--to HOST:PORT; once the file --freeze exists it stops forwarding and
stops accepting, without closing anything: no FIN, no RST, just silence.
"""

import argparse
import os
import select
import socket
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--to", required=True)
    ap.add_argument("--freeze", required=True)
    ap.add_argument("--timeout", type=float, default=120)
    a = ap.parse_args()
    host, port = a.to.rsplit(":", 1)

    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(8)
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(tmp, a.port_file)

    end = time.monotonic() + a.timeout
    r, _, _ = select.select([ls], [], [], a.timeout)
    if not r:
        return 1
    dev, _ = ls.accept()
    nms = socket.create_connection((host, int(port)), timeout=10)
    peer = {dev: nms, nms: dev}
    while time.monotonic() < end:
        if os.path.exists(a.freeze):
            ls.close()          # new calls are refused
            time.sleep(max(0, end - time.monotonic()))
            return 0            # frozen: everything open, nothing moves
        r, _, _ = select.select(list(peer), [], [], 0.1)
        for s in r:
            try:
                b = s.recv(65536)
            except OSError:
                b = b""
            if not b:
                return 0
            peer[s].sendall(b)
    return 0


if __name__ == "__main__":
    sys.exit(main())
