#!/usr/bin/python3
"""A DNS server that never answers, for tests of lookups that hang.

It binds UDP port 53 on a free address in 127/8 (resolv.conf cannot name
a port), writes that address to --addr-file once bound, and logs one line
per query it swallows to --log.  It exits after --timeout seconds.
"""

import argparse
import os
import random
import socket
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--addr-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--timeout", type=float, default=300.0)
    a = ap.parse_args()

    s = None
    for _ in range(50):
        addr = "127.53.%d.%d" % (random.randint(0, 255),
                                 random.randint(2, 254))
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.bind((addr, 53))
            break
        except OSError:
            s.close()
            s = None
    if s is None:
        sys.exit("silentdns: no free address in 127.53/16 for port 53")
    tmp = a.addr_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(addr + "\n")
    os.rename(tmp, a.addr_file)

    end = time.monotonic() + a.timeout
    s.settimeout(1.0)
    with open(a.log, "a") as log:
        while time.monotonic() < end:
            try:
                data, peer = s.recvfrom(4096)
            except socket.timeout:
                continue
            log.write("%.3f query of %d bytes from %s\n"
                      % (time.monotonic(), len(data), peer[0]))
            log.flush()


main()
