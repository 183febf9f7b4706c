#!/usr/bin/python3
"""The broker's benchmarks (issue 10), on loopback only: one ssh-callhomed,
a fleet of BENCH_PARKED callers from bench/caller (C, HMAC on), and

  rate      verified calls per second: from the first connect until the
            daemon lists every device parked and verified; the fleet calls
            in two halves, the second once the first is parked (the
            pause to read the daemon's memory in between is not counted)
  memory    the daemon's RSS growth per parked call (after the registry is
            loaded, before the first call), and how much of it is the
            pending table (/proc/PID/smaps: its large anonymous mapping,
            resident as far as callers were in flight at once); and the
            growth over the second half alone, which finds the pending
            table already touched by the first
  idle      the daemon's wakeups per second while the calls sit parked
            (/proc/PID/task/*/schedstat, run count over BENCH_IDLE_SECONDS)
  list      `ssh-callhome --broker --list` wall time, BENCH_LIST_RUNS runs
  (knobs: BENCH_PARKED, BENCH_IDLE_SECONDS, BENCH_LIST_RUNS, BENCH_TAKES,
  BENCH_BROKER_WAIT, BENCH_MAX_STARTUPS: see below)
  take      `take ID 0` latency, request written to descriptor received,
            over BENCH_TAKES distinct parked devices (Python client)

Run by bench/run (BENCH_ONLY=broker for this part alone), or directly:
    BENCH_BUILDDIR=. bench/broker.py
Results on stdout and in $BENCH_OUT/broker.txt.  Every process is started
here and stopped by its PID; every wait is bounded.
"""
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

from benchlib import (BUILD, E, OUT, free_port, keep_or_remove, need, save,
                      say, write_secret)

N = int(E.get("BENCH_PARKED", "10000"))
IDLE = float(E.get("BENCH_IDLE_SECONDS", "5"))
LIST_RUNS = int(E.get("BENCH_LIST_RUNS", "5"))
TAKES = int(E.get("BENCH_TAKES", "2000"))
WAIT = float(E.get("BENCH_BROKER_WAIT", "120"))
# The daemon's pending table holds this many callers still sending their
# preamble (its slots are allocated once, touched as they are used).
STARTUPS = int(E.get("BENCH_MAX_STARTUPS", str(N + 100)))


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for ln in f:
            if ln.startswith("VmRSS:"):
                return int(ln.split()[1])
    raise RuntimeError("no VmRSS")


def pending_kib(pid):
    """Resident KiB of anonymous mappings of 1 MiB or more: the pending
    table, calloc()ed once for --max-startups callers (glibc mmap()s it;
    its pages become resident as far as callers were in flight at once),
    and the per-source counts sized by it (one source here: one page)."""
    total = 0
    big = False
    with open("/proc/%d/smaps" % pid) as f:
        for ln in f:
            head = ln.split()
            if "-" in head[0] and ":" not in head[0]:
                lo, hi = (int(x, 16) for x in head[0].split("-"))
                big = len(head) < 6 and hi - lo >= 1 << 20
            elif big and head[0] == "Rss:":
                total += int(head[1])
    return total


def runs(pid):
    """Times the process's threads were put on a CPU (schedstat field 3)."""
    total = 0
    for t in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/schedstat" % (pid, t)) as f:
            total += int(f.read().split()[2])
    return total


class Control:
    """A client of the control protocol (src/nms/ctlproto.h)."""

    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(30)
        self.s.connect(path)
        self.buf = b""
        greet = self.line()
        if not greet.startswith("ssh-callhomed "):
            raise RuntimeError("greeting: %r" % greet)

    def line(self, fds=None):
        while b"\n" not in self.buf:
            if fds is None:
                d = self.s.recv(65536)
            else:
                d, got, _, _ = socket.recv_fds(self.s, 65536, 1)
                fds.extend(got)
            if not d:
                raise RuntimeError("control socket closed")
            self.buf += d
        ln, self.buf = self.buf.split(b"\n", 1)
        return ln.decode()

    def list(self):
        self.s.sendall(b"list\n")
        out = []
        while True:
            ln = self.line()
            if ln == "end":
                return out
            out.append(ln.split(" "))

    def take(self, dev):
        fds = []
        self.s.sendall(b"take %s 0\n" % dev.encode())
        ln = self.line(fds)
        return ln, fds

    def close(self):
        self.s.close()


def parked_verified(ctl):
    return sum(1 for f in ctl.list()
               if f[0] == "device" and f[2] == "parked" and f[6] == "verified")


def stop(p, name):
    if p is None or p.poll() is not None:
        return
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(10)
    except subprocess.TimeoutExpired:
        say("%s (pid %d) ignored SIGTERM: killed" % (name, p.pid))
        p.kill()
        p.wait(10)


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def main():
    # bench/run's timeout sends SIGTERM: stop the daemon and the caller.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(124))
    need("ssh-callhomed", "ssh-callhome", "bench/caller")
    # Both the daemon and the caller hold N sockets: raise the soft limit
    # to the hard one for them (children inherit it).
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < N + 64:
        sys.exit("bench/broker.py: ulimit -Hn is %d, need %d for %d calls"
                 % (hard, N + 64, N))
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    os.makedirs(OUT, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="bench-broker.")
    daemon = None
    callers = []
    try:
        key = os.path.join(tmp, "host")
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "",
                        "-f", key], check=True)
        secret = os.path.join(tmp, "secret")
        write_secret(secret)
        ids = ["bench-%05d" % i for i in range(N)]
        with open(os.path.join(tmp, "ids"), "w") as f:
            f.write("\n".join(ids) + "\n")
        half = N // 2
        for name, part in (("ids-a", ids[:half]), ("ids-b", ids[half:])):
            with open(os.path.join(tmp, name), "w") as f:
                f.write("\n".join(part) + "\n")
        shutil.copy(os.path.join(tmp, "ids"), os.path.join(tmp, "devices"))
        ctlpath = os.path.join(tmp, "control")
        port = free_port()

        dlog = open(os.path.join(tmp, "daemon.log"), "w")
        daemon = subprocess.Popen(
            [os.path.join(BUILD, "ssh-callhomed"),
             "--listen=127.0.0.1:%d" % port,
             "--devices=" + os.path.join(tmp, "devices"),
             "--secret-file=" + secret, "--control=" + ctlpath,
             "--preamble-timeout=60", "--max-startups=%d" % STARTUPS, "-q"],
            stdin=subprocess.DEVNULL, stdout=dlog, stderr=dlog)
        t = time.monotonic()
        while not os.path.exists(ctlpath):
            if daemon.poll() is not None or time.monotonic() - t > 10:
                sys.exit("the daemon did not start: " +
                         open(os.path.join(tmp, "daemon.log")).read())
            time.sleep(0.05)
        ctl = Control(ctlpath)
        assert parked_verified(ctl) == 0
        time.sleep(0.5)
        rss0 = rss_kib(daemon.pid)
        pend0 = pending_kib(daemon.pid)
        say("broker: %d devices in the registry, daemon pid %d, RSS %d KiB"
            % (N, daemon.pid, rss0))

        # rate: two callers, each holding its half of the calls open.
        clines = []
        t1 = 0.0
        got = 0
        for name, want in (("ids-a", half), ("ids-b", N)):
            cout = open(os.path.join(tmp, name + ".out"), "w")
            t0 = time.monotonic()
            c = subprocess.Popen(
                [os.path.join(BUILD, "bench", "caller"), "-p", str(port),
                 "-s", secret, "-k", key + ".pub", "-i",
                 os.path.join(tmp, name)],
                stdin=subprocess.DEVNULL, stdout=cout)
            cout.close()
            callers.append(c)
            while got < want and t1 + time.monotonic() - t0 < WAIT:
                if c.poll() is not None:
                    sys.exit("bench/caller exited %d" % c.returncode)
                time.sleep(0.02)
                got = parked_verified(ctl)
            t1 += time.monotonic() - t0
            if got < want:
                break
            if want == half:
                rssh = rss_kib(daemon.pid)
                pendh = pending_kib(daemon.pid)
        for name in ("ids-a", "ids-b"):
            with open(os.path.join(tmp, name + ".out")) as f:
                clines.append(f.read().strip())
        say("rate: %d of %d calls parked and verified in %.2f s: %.0f calls/s"
            " (callers: %s)" % (got, N, t1, got / t1, "; ".join(clines)))
        if got < N:
            return 1

        time.sleep(1)
        rss1 = rss_kib(daemon.pid)
        pend1 = pending_kib(daemon.pid)
        say("memory: RSS %d -> %d KiB with %d parked: %.0f bytes per parked"
            " call; of which the pending table %d -> %d KiB, the rest %.0f"
            " bytes per parked call"
            % (rss0, rss1, N, (rss1 - rss0) * 1024.0 / N, pend0, pend1,
               ((rss1 - rss0) - (pend1 - pend0)) * 1024.0 / N))
        say("memory, second half: RSS %d -> %d KiB for %d more parked: %.0f"
            " bytes per parked call (pending table %+d KiB)"
            % (rssh, rss1, N - half, (rss1 - rssh) * 1024.0 / (N - half),
               pend1 - pendh))

        r0 = runs(daemon.pid)
        time.sleep(IDLE)
        r1 = runs(daemon.pid)
        say("idle: %d wakeups in %.0f s with %d parked: %.1f/s"
            % (r1 - r0, IDLE, N, (r1 - r0) / IDLE))

        times = []
        for _ in range(LIST_RUNS):
            a = time.monotonic()
            p = subprocess.run([os.path.join(BUILD, "ssh-callhome"),
                                "--broker=" + ctlpath, "--list"],
                               stdout=subprocess.PIPE, timeout=60, check=True)
            times.append(time.monotonic() - a)
        say("list: ssh-callhome --broker --list with %d devices: median %.1f"
            " ms, min %.1f ms over %d runs (%d lines)"
            % (N, statistics.median(times) * 1e3, min(times) * 1e3,
               LIST_RUNS, p.stdout.count(b"\n")))

        lat = []
        for dev in ids[:min(TAKES, N)]:
            a = time.perf_counter()
            ln, fds = ctl.take(dev)
            b = time.perf_counter()
            if not ln.startswith("ok ") or len(fds) != 1:
                sys.exit("take %s: %r, %d fds" % (dev, ln, len(fds)))
            for fd in fds:
                os.close(fd)
            lat.append(b - a)
        say("take: %d takes with %d..%d parked: p50 %.3f ms, p90 %.3f ms,"
            " p99 %.3f ms, max %.3f ms"
            % (len(lat), N, N - len(lat) + 1, pct(lat, 0.50) * 1e3,
               pct(lat, 0.90) * 1e3, pct(lat, 0.99) * 1e3, max(lat) * 1e3))
        ctl.close()
        return 0
    finally:
        for c in callers:
            stop(c, "bench/caller")
        stop(daemon, "ssh-callhomed")
        save("broker.txt")
        keep_or_remove(tmp)


if __name__ == "__main__":
    sys.exit(main())
