#!/usr/bin/python3
"""The broker restarting under socket activation, with a fleet calling
(issue 10), on loopback only; the data for bench/restart.gp.

This script stands in for systemd, as tests/scenarios/54-broker-restart.sh
does: it binds the listening socket once and runs ssh-callhomed on it as
descriptor 3 (LISTEN_PID, LISTEN_FDS=1); to restart, it sends the daemon
SIGTERM, waits for it, and starts a new one on the same socket.  The fleet
is BENCH_RESTART_FLEET real sshd-callhome processes with the defaults
(--redial-jitter=1, --backoff-max=120) and HMAC on, each with bench/holder
as its sshd (BENCH_HOLDER_GRACE=1: a call parked for more than 1 s counts
as parked, not as a failure).  Every ~100 ms `ssh-callhome --broker --list
--format=raw` gives the parked count and the daemon's per-device call
counts, whose growth between samples is the calls/s; the daemon restarts
at BENCH_RESTART_AT seconds (10,20) of a BENCH_RESTART_SECONDS (30) run.

Run by bench/run (BENCH_ONLY=restart for this part alone), or directly:
    BENCH_BUILDDIR=. bench/restart.py
Output in $BENCH_OUT: restart.dat (t, parked, calls/s, daemon), restart.txt
and, with gnuplot, restart.png.  Every process is started here and stopped
by its PID; every wait is bounded.
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from benchlib import (BUILD, E, OUT, SRC, BenchError, keep_or_remove, need,
                      now, save, say, write_secret)

FLEET = int(E.get("BENCH_RESTART_FLEET", "50"))
SECONDS = float(E.get("BENCH_RESTART_SECONDS", "30"))
AT = [float(x) for x in E.get("BENCH_RESTART_AT", "10,20").split(",") if x]
STEP = 0.1
NMS = os.path.join(BUILD, "ssh-callhome")

class Daemon:
    """ssh-callhomed on an inherited listening socket, as systemd runs it."""

    def __init__(self, T, argv):
        self.T, self.argv = T, argv
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1024)
        self.port = self.sock.getsockname()[1]
        self.pid = None
        self.log = open(os.path.join(T, "daemon.log"), "ab")

    def start(self):
        env = dict(os.environ, LISTEN_FDS="1")
        pid = os.fork()
        if pid == 0:
            try:
                os.dup2(self.sock.fileno(), 3)
                os.set_inheritable(3, True)
                os.dup2(self.log.fileno(), 2)
                nul = os.open(os.devnull, os.O_RDWR)
                os.dup2(nul, 0)
                os.dup2(nul, 1)
                # LISTEN_PID names the process that execs the daemon.
                env["LISTEN_PID"] = str(os.getpid())
                os.execve(self.argv[0], self.argv, env)
            finally:
                os._exit(127)
        self.pid = pid

    def stop(self):
        if self.pid is None:
            return
        os.kill(self.pid, signal.SIGTERM)
        for _ in range(100):
            if os.waitpid(self.pid, os.WNOHANG)[0] == self.pid:
                self.pid = None
                return
            time.sleep(0.05)
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        self.pid = None
        say("restart: the daemon ignored SIGTERM for 5 s: killed")


def listing(ctl):
    """{device: (state, calls)}, or None when no daemon answers."""
    try:
        p = subprocess.run([NMS, "--broker=" + ctl, "--list", "--format=raw"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                           timeout=5)
    except subprocess.TimeoutExpired:
        return None
    if p.returncode != 0:
        return None
    out = {}
    for ln in p.stdout.decode().splitlines():
        f = ln.split()
        if len(f) >= 8 and f[0] == "device":
            out[f[1]] = (f[2] == "parked" and f[6] == "verified", int(f[7]))
    return out


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(124))
    need("ssh-callhomed", "ssh-callhome", "sshd-callhome", "bench/holder")
    os.makedirs(OUT, exist_ok=True)
    T = tempfile.mkdtemp(prefix="bench-restart.")
    devs, daemon = [], None
    rows, marks = [], []
    try:
        key = os.path.join(T, "host_ed25519")
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "",
                        "-f", key], check=True, timeout=30)
        secret = os.path.join(T, "secret")
        write_secret(secret)
        ids = ["dev-%02d" % i for i in range(FLEET)]
        with open(os.path.join(T, "devices"), "w") as f:
            f.write("\n".join(ids) + "\n")
        ctl = os.path.join(T, "control")
        daemon = Daemon(T, [os.path.join(BUILD, "ssh-callhomed"),
                            "--devices=" + os.path.join(T, "devices"),
                            "--secret-file=" + secret, "--control=" + ctl,
                            "--preamble-timeout=5"])
        daemon.start()
        end = now() + 10
        while listing(ctl) is None:
            if now() > end:
                raise BenchError("ssh-callhomed did not start: see %s" % T)
            time.sleep(0.05)

        env = dict(os.environ, BENCH_HOLDER_GRACE="1")
        # t = 0 when the fleet is started; one daemon generation per start.
        t0, gen, prev, total, last = now(), 1, {}, {}, 0.0
        rows.append((0.0, 0, 0.0, gen))
        for d in ids:
            with open(os.path.join(T, d + ".log"), "w") as ef:
                devs.append(subprocess.Popen(
                    [os.path.join(BUILD, "sshd-callhome"), "--device-id=" + d,
                     "--sshd=" + os.path.join(BUILD, "bench/holder"),
                     "--services=any", "--host-key=" + key + ".pub",
                     "--secret-file=" + secret, "-v",
                     "127.0.0.1:%d" % daemon.port],
                    env=env, stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL, stderr=ef))

        todo = list(AT)
        while now() - t0 < SECONDS:
            if todo and now() - t0 >= todo[0]:
                todo.pop(0)
                tr = now() - t0
                # No sample while no daemon runs: a gap in the plot.
                rows.append((tr, None, None, gen))
                daemon.stop()
                daemon.start()
                gen += 1
                end = now() + 10
                while listing(ctl) is None and now() < end:
                    time.sleep(0.01)
                marks.append((tr, now() - t0))
                prev, last = {}, tr
            tick = now()
            cur = listing(ctl)
            t = now() - t0
            if cur is None:
                rows.append((t, None, None, gen))
            else:
                # Calls since the last sample, in this daemon's counts; the
                # first sample after a restart counts from the new start.
                new = sum(c - prev.get(d, (0, 0))[1] for d, (_, c) in
                          cur.items())
                parked = sum(1 for p, _ in cur.values() if p)
                rows.append((t, parked, new / max(t - last, 1e-3), gen))
                prev, last = cur, t
                total[gen] = sum(c for _, c in cur.values())
            time.sleep(max(0.0, STEP - (now() - tick)))

        refused = 0
        for d in ids:
            with open(os.path.join(T, d + ".log"), errors="replace") as f:
                refused += f.read().count("refused")
        say("Broker restart under socket activation: %d sshd-callhome "
            "(--sshd=bench/holder, HMAC), %d samples of --list in %.0f s"
            % (FLEET, len(rows), SECONDS))
        for k, (tr, tu) in enumerate(marks):
            full = next((t for t, p, _, g in rows
                         if g == k + 2 and p == FLEET), None)
            peak = max((c for _, p, c, g in rows if g == k + 2 and
                        c is not None), default=0)
            say("restart %d at t=%.2f s: new daemon answering %.0f ms later;"
                " all %d parked again %s; peak %.0f calls/s; %d calls"
                " into the new daemon"
                % (k + 1, tr, (tu - tr) * 1e3, FLEET,
                   "%.2f s after the restart" % (full - tr) if full else
                   "NEVER", peak, total.get(k + 2, 0)))
        with open(os.path.join(T, "daemon.log"), errors="replace") as f:
            fromsd = f.read().count("from systemd")
        say("dials refused in the devices' logs: %d; daemons that took the"
            " socket from the holder (LISTEN_FDS): %d of %d"
            % (refused, fromsd, len(marks) + 1))
        return 0
    except BenchError as e:
        say("bench/restart.py: %s" % e)
        return 1
    finally:
        for p in devs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in devs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)
        if daemon is not None:
            daemon.stop()
        dat = os.path.join(OUT, "restart.dat")
        with open(dat, "w") as f:
            f.write("# t_s parked calls_per_s daemon  ('?': no daemon "
                    "answered)\n")
            for t, p, c, g in rows:
                f.write("%.3f %s %s %d\n" % (
                    t, "?" if p is None else p,
                    "?" if c is None else "%.1f" % c, g))
        save("restart.txt")
        if rows and shutil.which("gnuplot"):
            subprocess.run(
                ["gnuplot", "-e", "dat='%s'; png='%s'; fleet=%d; secs=%g; "
                 "restarts='%s'" % (dat, os.path.join(OUT, "restart.png"),
                                   FLEET, SECONDS, " ".join(
                                       "%.2f" % tr for tr, _ in marks)),
                 os.path.join(SRC, "bench", "restart.gp")], timeout=60)
        keep_or_remove(T)


if __name__ == "__main__":
    sys.exit(main())
