#!/usr/bin/python3
"""Many devices calling at once, for ssh-callhome's acceptance rate.

Each of --concurrency workers plays a device: it connects to one of the
--ports (in turn), sends a 5-line preamble (DEVICE-ID, HOST-KEY and an
HMAC-SHA1 of the host key keyed with the secret, computed here with
hmac/hashlib, apart from the code under test), and waits for "OK": the
benchmark's fd receiver writes it into the very socket that ssh-callhome
handed off, so an "OK" is proof of a verified call passed on.  A call that
is closed without "OK" (ssh-callhome took another caller and closes the
rest: they re-dial) counts as dropped; a refused connect (no ssh-callhome
listening at that moment) is retried after 1 ms.

Prints one JSON object: counts and the connect-to-OK latencies.
"""

import argparse
import asyncio
import hashlib
import hmac
import json
import resource
import statistics
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ports", required=True)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--duration", type=float, default=5.0)
    ap.add_argument("--secret-file", required=True)
    ap.add_argument("--host-key-file", required=True)
    a = ap.parse_args()

    ports = [int(p) for p in a.ports.split(",")]
    with open(a.secret_file, "rb") as f:
        secret = f.read()
    if secret.endswith(b"\n"):
        secret = secret[:-1]
    with open(a.host_key_file, "rb") as f:
        key = b" ".join(f.read().split()[:2])
    mac = hmac.new(secret, key, hashlib.sha1).hexdigest().encode()

    def preamble(i):
        return (b"MSG-ID: DEVICE-CONN-INFO\r\nMSG-VER: V1\r\n"
                b"DEVICE-ID: caller-%d\r\nHOST-KEY: %s\r\nHMAC: %s\r\n" %
                (i, key, mac))

    st = {"ok": 0, "dropped": 0, "refused": 0, "latency": []}
    deadline = time.monotonic() + a.duration

    async def worker(i):
        pre = preamble(i)
        k = i
        while time.monotonic() < deadline:
            port = ports[k % len(ports)]
            k += 1
            t0 = time.monotonic()
            try:
                r, w = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                st["refused"] += 1
                await asyncio.sleep(0.001)
                continue
            try:
                w.write(pre)
                await w.drain()
                got = await asyncio.wait_for(r.readexactly(2), 10)
                if got == b"OK":
                    st["ok"] += 1
                    st["latency"].append(time.monotonic() - t0)
                else:
                    st["dropped"] += 1
            except (OSError, asyncio.IncompleteReadError,
                    asyncio.TimeoutError):
                st["dropped"] += 1
            finally:
                w.transport.abort()

    async def run():
        t0 = time.monotonic()
        await asyncio.gather(*(worker(i) for i in range(a.concurrency)))
        return time.monotonic() - t0

    elapsed = asyncio.run(run())
    lat = sorted(st["latency"])
    out = {
        "ok": st["ok"], "dropped": st["dropped"], "refused": st["refused"],
        "elapsed": elapsed,
        "rate": st["ok"] / elapsed if elapsed > 0 else 0.0,
        "lat_median": statistics.median(lat) if lat else None,
        "lat_min": lat[0] if lat else None,
        "lat_max": lat[-1] if lat else None,
        "lat_p90": lat[int(0.9 * (len(lat) - 1))] if lat else None,
        "cpu": sum(resource.getrusage(resource.RUSAGE_SELF)[:2]),
    }
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
