#!/usr/bin/python3
"""A loopback stand-in for a management server, for the benchmarks.

It accepts calls from sshd-callhome, reads the preamble (--lines: 3 without
a secret, 5 with one; the HMAC is not checked here), logs every call, and
then holds the call:

  --hold -1   until the device closes it (default; the fleet storm)
  --hold 0    closes it as soon as the preamble is in (1000 sessions)
  --hold S    closes it after S seconds (re-dial times)

Log: one CSV line per event, flushed at once, times from CLOCK_MONOTONIC
(the same clock in every process of the machine):

  call,<t accept>,<t preamble>,<device-id>,<n>
  close,<t>,<device-id>,<n>        (we closed it)
  eof,<t>,<device-id>,<n>          (the device closed it)

Killing the process is how the benchmark "restarts the NMS": the kernel
closes every held call at once.  It exits by itself after --lifetime.
"""

import argparse
import asyncio
import os
import signal
import socket
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--hold", type=float, default=-1.0)
    ap.add_argument("--lines", type=int, default=3,
                    help="preamble lines: 3, or 5 with a secret")
    ap.add_argument("--lifetime", type=float, default=900.0)
    a = ap.parse_args()

    log = open(a.log, "a", buffering=1)
    counter = [0]
    now = time.monotonic

    async def handle(reader, writer):
        t_acc = now()
        counter[0] += 1
        n = counter[0]
        dev = "?"
        try:
            lines = []
            for _ in range(a.lines):
                line = await asyncio.wait_for(reader.readline(), 10)
                if not line:
                    break
                lines.append(line)
            for line in lines:
                if line.startswith(b"DEVICE-ID: "):
                    dev = line[11:].strip().decode("ascii", "replace")
            log.write("call,%.6f,%.6f,%s,%d\n" % (t_acc, now(), dev, n))
            if a.hold < 0:
                while await reader.read(65536):
                    pass
                log.write("eof,%.6f,%s,%d\n" % (now(), dev, n))
            else:
                if a.hold > 0:
                    await asyncio.sleep(a.hold)
                log.write("close,%.6f,%s,%d\n" % (now(), dev, n))
        except (asyncio.TimeoutError, ConnectionError, OSError):
            log.write("eof,%.6f,%s,%d\n" % (now(), dev, n))
        finally:
            writer.transport.abort() if a.hold < 0 else writer.close()

    async def run():
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, lambda: os._exit(0))
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((a.listen, a.port))
        ls.listen(4096)
        # asyncio calls listen() again: give it the backlog ssh-callhome
        # uses (SOMAXCONN), or a herd loses SYNs and waits for a resend.
        server = await asyncio.start_server(handle, sock=ls, backlog=4096)
        tmp = a.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % ls.getsockname()[1])
        os.rename(tmp, a.port_file)
        async with server:
            await asyncio.sleep(a.lifetime)

    asyncio.run(run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
