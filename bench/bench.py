#!/usr/bin/python3
"""The sshd-callhome benchmarks (issue 6).  Run through bench/run.

Paths, all on loopback, same sshd binary, host key type (ed25519), cipher,
key exchange and user key:

  A  sshd-callhome -> ssh-callhome --fdpass -> stock ssh   (call home)
  B  stock ssh -> sshd -D -p PORT -f CONFIG                (direct, the floor)
  C  device: [autossh -M 0] ssh -N -R PORT:127.0.0.1:SSHDPORT nms
     NMS: ssh -p PORT 127.0.0.1                            (reverse tunnel)

Figures: 1 setup, 2 throughput, 3 footprint, 4 re-dial, 5 fleet storm,
6 ssh-callhome acceptance rate.  Every process started here is recorded
and stopped by its PID (its own process group), every wait is bounded.
Results: a table on stdout and in OUT/results.txt, CSV files in OUT/.
"""

import csv
from math import comb
import json
import os
import pwd
import re
import resource
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from benchlib import BenchError, free_port, now, wait_until

MiB = 1024 * 1024
CLK_TCK = os.sysconf("SC_CLK_TCK")
EOM = b"]]>]]>"

CLIENT_HELLO = (b'<?xml version="1.0" encoding="UTF-8"?>\n<hello xmlns="urn:'
                b'ietf:params:xml:ns:netconf:base:1.0"><capabilities>'
                b'<capability>urn:ietf:params:netconf:base:1.0</capability>'
                b'</capabilities></hello>' + EOM)
CLOSE = (b'<rpc message-id="999" xmlns="urn:ietf:params:xml:ns:netconf:'
         b'base:1.0"><close-session/></rpc>' + EOM)


def env_int(name, default):
    v = os.environ.get(name, "")
    return int(v) if v.strip() else default


def env_float(name, default):
    v = os.environ.get(name, "")
    return float(v) if v.strip() else default


def log(msg):
    sys.stderr.write("bench: %s\n" % msg)
    sys.stderr.flush()


def listening(port):
    """A TCP socket listens on port (from /proc, without connecting)."""
    hexport = ":%04X" % port
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(name) as f:
                next(f)
                for line in f:
                    fs = line.split()
                    if fs[1].endswith(hexport) and fs[3] == "0A":
                        return True
        except OSError:
            pass
    return False


def med(xs):
    return statistics.median(xs) if xs else None


def pct(xs, q):
    if not xs:
        return None
    s = sorted(xs)
    k = (len(s) - 1) * q
    i = int(k)
    j = min(i + 1, len(s) - 1)
    return s[i] + (s[j] - s[i]) * (k - i)


# ---------------------------------------------------------------- /proc

def proc_stats(pid):
    """VmRSS/VmHWM (KiB), context switches, CPU ticks, PSS, open fds."""
    st = {}
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
                    st[k] = int(v.split()[0])
                elif k in ("voluntary_ctxt_switches",
                           "nonvoluntary_ctxt_switches"):
                    st[k] = int(v)
        with open("/proc/%d/stat" % pid) as f:
            fs = f.read().rpartition(")")[2].split()
        st["ticks"] = int(fs[11]) + int(fs[12])
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    st["Pss"] = int(line.split()[1])
        st["fds"] = len(os.listdir("/proc/%d/fd" % pid))
    except OSError:
        return None
    st["ctx"] = st.get("voluntary_ctxt_switches", 0) + \
        st.get("nonvoluntary_ctxt_switches", 0)
    return st


def tree_cpu(roots):
    """CPU seconds of the process trees under roots: every live process's
    own time plus the time of the children it has reaped (cutime)."""
    total = 0
    for root in roots:
        for pid in [root] + descendants(root):
            try:
                with open("/proc/%d/stat" % pid) as f:
                    fs = f.read().rpartition(")")[2].split()
                total += sum(int(x) for x in fs[11:15])
            except (OSError, IndexError, ValueError):
                pass
    return total / CLK_TCK


def children_cpu():
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def children(pid):
    out = []
    try:
        for t in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/children" % (pid, t)) as f:
                out += [int(x) for x in f.read().split()]
    except OSError:
        pass
    return out


def descendants(pid):
    out, todo = [], children(pid)
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children(p)
    return out


def comm(pid):
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return "?"


# ---------------------------------------------------------------- bench

class Bench:
    def __init__(self):
        e = os.environ
        self.builddir = os.path.abspath(e.get("BENCH_BUILDDIR", "."))
        self.srcdir = os.path.abspath(e.get(
            "BENCH_SRCDIR", os.path.join(os.path.dirname(__file__), "..")))
        self.out = os.path.abspath(e.get(
            "BENCH_OUT", os.path.join(self.builddir, "bench", "out")))
        self.sshd = e.get("SSHD", "/usr/sbin/sshd")
        self.callhome = os.path.join(self.builddir, "sshd-callhome")
        self.nms = os.path.join(self.builddir, "ssh-callhome")
        self.stub = os.path.join(self.builddir, "tests/helpers/netconf-stub")
        self.holder = os.path.join(self.builddir, "bench/holder")
        self.nojitter = os.path.join(self.builddir, "bench/nojitter.so")
        self.py = "/usr/bin/python3"
        self.nms_py = os.path.join(self.srcdir, "bench/nms.py")
        self.bulk_py = os.path.join(self.srcdir, "bench/netconf-bulk.py")
        self.callers_py = os.path.join(self.srcdir, "bench/callers.py")
        self.ssh = shutil.which("ssh") or "/usr/bin/ssh"
        self.autossh = shutil.which("autossh")
        self.runs = env_int("BENCH_RUNS", 9)
        self.bulk_runs = env_int("BENCH_BULK_RUNS", 5)
        self.bulk_mib = env_int("BENCH_BULK_MIB", 512)
        self.reply_mib = env_int("BENCH_REPLY_MIB", 8)
        self.idle_s = env_float("BENCH_IDLE_SECONDS", 10)
        self.sessions = env_int("BENCH_SESSIONS", 1000)
        self.fleet = env_int("BENCH_FLEET", 200)
        self.restarts = env_int("BENCH_STORM_RESTARTS", 3)
        self.down_s = env_float("BENCH_STORM_DOWN", 5)
        self.storm_wait = env_float("BENCH_STORM_WAIT", 60)
        self.accept_s = env_float("BENCH_ACCEPT_SECONDS", 5)
        self.cipher = e.get("BENCH_CIPHER", "aes128-gcm@openssh.com")
        self.only = set(x for x in e.get("BENCH_ONLY", "").split(",") if x)
        self.user = pwd.getpwuid(os.getuid()).pw_name
        self.procs = []
        self.phases = []
        self.results = {}
        self.lines = []
        self.t_start = now()
        self.load_start = os.getloadavg()

    # ------------------------------------------------------ processes

    def spawn(self, argv, **kw):
        kw.setdefault("start_new_session", True)
        kw.setdefault("stdin", subprocess.DEVNULL)
        p = subprocess.Popen(argv, **kw)
        self.procs.append(p)
        return p

    def stop(self, p, grace=5.0):
        """SIGTERM to the process group we made for p, then SIGKILL."""
        if p is None:
            return
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5)):
            if p.poll() is not None and not self._group_alive(p.pid):
                break
            try:
                os.killpg(p.pid, sig)
            except ProcessLookupError:
                pass
            try:
                p.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                continue
            if not self._group_alive(p.pid):
                break
            time.sleep(0.05)
        if p in self.procs:
            self.procs.remove(p)

    @staticmethod
    def _group_alive(pgid):
        try:
            os.killpg(pgid, 0)
            return True
        except (ProcessLookupError, PermissionError):
            return False

    def cleanup(self):
        for p in reversed(list(self.procs)):
            try:
                self.stop(p, grace=3)
            except Exception:  # noqa: BLE001 - cleanup must go on
                pass

    def want(self, fig):
        return not self.only or fig in self.only

    # ------------------------------------------------------ setup

    def setup(self):
        os.makedirs(self.out, exist_ok=True)
        self.T = tempfile.mkdtemp(prefix="callhome-bench.")
        os.chmod(self.T, 0o755)
        T = self.T
        for name in ("host_ed25519", "nms_host_ed25519", "user_key"):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "",
                            "-C", name, "-f", os.path.join(T, name)],
                           check=True, timeout=30)
        shutil.copy(os.path.join(T, "user_key.pub"),
                    os.path.join(T, "authorized_keys"))
        os.chmod(os.path.join(T, "authorized_keys"), 0o644)
        with open(os.path.join(T, "secret"), "w") as f:
            f.write("bench-fleet-secret\n")
        os.chmod(os.path.join(T, "secret"), 0o600)
        common = (
            "AuthorizedKeysFile %s/authorized_keys\n"
            "StrictModes no\nPubkeyAuthentication yes\n"
            "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
            "UsePAM no\nPidFile none\nLoginGraceTime 30\nLogLevel ERROR\n"
            "ClientAliveInterval 15\nClientAliveCountMax 3\n" % T)
        self.cfg = os.path.join(T, "sshd_config")
        with open(self.cfg, "w") as f:
            f.write("HostKey %s/host_ed25519\n" % T + common +
                    "Subsystem netconf %s\n" % self.stub +
                    "Subsystem netconf-bulk %s %s %d\n" %
                    (self.py, self.bulk_py, self.reply_mib))
        self.nms_cfg = os.path.join(T, "nms_sshd_config")
        with open(self.nms_cfg, "w") as f:
            f.write("HostKey %s/nms_host_ed25519\n" % T + common +
                    "AllowTcpForwarding remote\nGatewayPorts no\n")
        self.port_a = free_port()
        self.port_b = free_port()
        self.port_n = free_port()
        self.port_t = free_port()
        self.port_off = free_port()

    def ssh_base(self):
        T = self.T
        return [self.ssh, "-F", "/dev/null", "-i", T + "/user_key",
                "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
                "-o", "StrictHostKeyChecking=no",
                "-o", "UserKnownHostsFile=/dev/null",
                "-o", "GlobalKnownHostsFile=/dev/null",
                "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=20",
                "-o", "Ciphers=" + self.cipher,
                "-o", "HostKeyAlgorithms=ssh-ed25519",
                "-o", "Compression=no", "-o", "ControlPath=none",
                "-o", "ForwardAgent=no", "-o", "ForwardX11=no",
                "-l", self.user]

    def nms_proxy(self):
        return ("%s --listen=127.0.0.1:%d --fdpass --secret-file=%s/secret "
                "--device-id=bench-dev --timeout=30 -v" %
                (self.nms, self.port_a, self.T))

    def ssh_argv(self, path, opts=()):
        base = self.ssh_base() + list(opts)
        if path == "A":
            return base + ["-o", "ProxyCommand=" + self.nms_proxy(),
                           "-o", "ProxyUseFdpass=yes", "bench-dev"]
        if path == "B":
            return base + ["-p", str(self.port_b), "127.0.0.1"]
        return base + ["-p", str(self.port_t), "127.0.0.1"]

    def start_servers(self):
        T = self.T
        self.sshd_b = self.spawn(
            [self.sshd, "-D", "-e", "-p", str(self.port_b), "-o",
             "ListenAddress=127.0.0.1", "-f", self.cfg],
            stderr=open(T + "/sshd_b.log", "w"))
        self.sshd_n = self.spawn(
            [self.sshd, "-D", "-e", "-p", str(self.port_n), "-o",
             "ListenAddress=127.0.0.1", "-f", self.nms_cfg],
            stderr=open(T + "/sshd_nms.log", "w"))
        if not wait_until(10, lambda: listening(self.port_b) and
                          listening(self.port_n)):
            raise BenchError("sshd -D did not start; see %s" % T)
        tun = self.ssh_base() + [
            "-N", "-R", "127.0.0.1:%d:127.0.0.1:%d" % (self.port_t,
                                                      self.port_b),
            "-o", "ExitOnForwardFailure=yes", "-o", "ServerAliveInterval=15",
            "-o", "ServerAliveCountMax=3", "-p", str(self.port_n),
            "127.0.0.1"]
        env = dict(os.environ)
        if self.autossh:
            env.update(AUTOSSH_GATETIME="0", AUTOSSH_PATH=self.ssh)
            tun = [self.autossh, "-M", "0"] + tun[1:]
        self.tunnel = self.spawn(tun, env=env,
                                 stderr=open(T + "/tunnel.log", "w"))
        if not wait_until(20, lambda: listening(self.port_t)):
            raise BenchError("the reverse tunnel did not come up; see %s/"
                             "tunnel.log" % T)
        # Path A's device: persistent, dials when told (SIGHUP, "dial now").
        self.dev_a_log = T + "/device_a.log"
        self.dev_a = self.spawn(
            [self.callhome, "--device-id=bench-dev", "--sshd-config=" +
             self.cfg, "--services=any", "--secret-file=" + T + "/secret",
             "--sshd=" + self.sshd, "127.0.0.1:%d" % self.port_a],
            stderr=open(self.dev_a_log, "w"))
        # Devices whose server is down: they only back off.
        self.dev_off = self.spawn(
            [self.callhome, "--device-id=bench-off", "--sshd-config=" +
             self.cfg, "--services=any", "--secret-file=" + T + "/secret",
             "--sshd=" + self.sshd, "127.0.0.1:%d" % self.port_off],
            stderr=open(T + "/device_off.log", "w"))
        self.dev_off2 = self.spawn(
            [self.callhome, "--device-id=bench-off2", "--sshd-config=" +
             self.cfg, "--services=any", "--sshd=" + self.sshd,
             "127.0.0.1:%d" % self.port_off],
            stderr=open(T + "/device_off2.log", "w"))
        time.sleep(0.3)
        for p, what in ((self.dev_a, "sshd-callhome (path A)"),
                        (self.dev_off, "sshd-callhome (backing off)"),
                        (self.dev_off2, "sshd-callhome (backing off)")):
            if p.poll() is not None:
                raise BenchError("%s exited with %d; see %s" %
                                 (what, p.returncode, T))

    # ------------------------------------------------------ one client

    class Client:
        """A stock ssh as the NMS; for path A, the device is told to dial
        as soon as ssh-callhome (ssh's ProxyCommand) is listening."""

        def __init__(self, b, path, opts, cmd, stdin=subprocess.PIPE,
                     stdout=subprocess.PIPE):
            self.b, self.path = b, path
            self.err = []
            self.t_listen = self.t_accepted = None
            self.listening = threading.Event()
            self.t0 = now()
            self.p = b.spawn(b.ssh_argv(path, opts) + list(cmd), stdin=stdin,
                             stdout=stdout, stderr=subprocess.PIPE)
            self.th = threading.Thread(target=self._drain, daemon=True)
            self.th.start()
            if path == "A":
                if not self.listening.wait(20):
                    self.close()
                    raise BenchError("ssh-callhome did not listen: %s" %
                                     self.errors())
                os.kill(b.dev_a.pid, signal.SIGHUP)

        def _drain(self):
            for line in self.p.stderr:
                if b"listening on" in line:
                    self.t_listen = now()
                    self.listening.set()
                elif b"accepted the call" in line:
                    self.t_accepted = now()
                self.err.append(line)
                del self.err[:-20]

        def errors(self):
            return b"".join(self.err).decode("utf-8", "replace").strip()

        def read_until(self, marker, secs=60, count=None):
            """Read stdout until marker; (time found, bytes read)."""
            fd = self.p.stdout.fileno()
            end = now() + secs
            tail, total = b"", 0
            while True:
                left = end - now()
                if left <= 0:
                    raise BenchError("%s: timed out waiting for %r" %
                                     (self.path, marker))
                r, _, _ = select.select([fd], [], [], left)
                if not r:
                    continue
                chunk = os.read(fd, MiB)
                if not chunk:
                    raise BenchError("%s: end of output before %r: %s" %
                                     (self.path, marker, self.errors()))
                total += len(chunk)
                if count is not None:
                    count(chunk)
                hay = tail + chunk
                if marker in hay:
                    return now(), total
                tail = hay[-(len(marker) - 1):]

        def write(self, data):
            fd = self.p.stdin.fileno()
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]

        def finish(self, secs=60):
            try:
                if self.p.stdin:
                    self.p.stdin.close()
            except OSError:
                pass
            try:
                rc = self.p.wait(timeout=secs)
            except subprocess.TimeoutExpired:
                self.close()
                raise BenchError("%s: ssh did not finish" % self.path)
            self.th.join(5)
            self.b.stop(self.p)
            if rc != 0:
                raise BenchError("%s: ssh exited %d: %s" %
                                 (self.path, rc, self.errors()))
            return now()

        def close(self):
            self.b.stop(self.p, grace=2)

    # ------------------------------------------------------ figure 1, 2

    def t_true(self, path):
        c = self.Client(self, path, [], ["true"], stdin=subprocess.DEVNULL,
                        stdout=subprocess.DEVNULL)
        return c.finish() - c.t0

    def t_hello(self, path):
        c = self.Client(self, path, ["-s"], ["netconf"])
        t1, _ = c.read_until(EOM, 30)
        c.write(CLIENT_HELLO + CLOSE)
        c.read_until(EOM, 30)
        c.finish()
        if path == "A" and c.t_listen and c.t_accepted:
            self.phases.append((c.t_listen - c.t0, c.t_accepted - c.t0,
                                t1 - c.t0))
        return t1 - c.t0

    def bulk_down(self, path):
        n = self.bulk_mib * MiB
        cpu0 = self.ssh_cpu()
        c = self.Client(self, path, [], ["head -c %d /dev/zero" % n],
                        stdin=subprocess.DEVNULL)
        fd = c.p.stdout.fileno()
        first = flen = None
        total = 0
        buf = bytearray(MiB)
        end = now() + 300
        while now() < end:
            r, _, _ = select.select([fd], [], [], 5)
            if not r:
                continue
            k = os.readv(fd, [buf])
            if not k:
                break
            if first is None:
                first, flen = now(), k
            total += k
        t_end = now()
        c.finish()
        cpu1 = self.ssh_cpu(settle=True)
        if total != n:
            raise BenchError("%s: download got %d of %d bytes" %
                             (path, total, n))
        moved = (total - flen) / MiB
        return moved / (t_end - first), self.cpu_per_gib(cpu0, cpu1, n)

    def bulk_up(self, path):
        n = self.bulk_mib * MiB
        chunk = bytes(MiB)
        cpu0 = self.ssh_cpu()
        c = self.Client(self, path, [], ["cat >/dev/null"],
                        stdout=subprocess.DEVNULL)
        c.write(chunk)
        first = now()   # ssh has taken ~1 MiB: the session is moving data
        for _ in range(n // MiB - 1):
            c.write(chunk)
        t_end = c.finish(300)
        cpu1 = self.ssh_cpu(settle=True)
        moved = (n - MiB) / MiB
        return moved / (t_end - first), self.cpu_per_gib(cpu0, cpu1, n)

    def ssh_cpu(self, settle=False):
        """CPU seconds so far of every SSH process of the three paths: the
        NMS clients (our children, with their ProxyCommand), the device's
        sshd sessions (sshd-callhome's or sshd -D's children), the NMS
        sshd and the tunnel of path C.  settle: first wait (bounded) until
        the session just ended has been reaped."""
        roots = [self.dev_a.pid, self.sshd_b.pid, self.sshd_n.pid,
                 self.tunnel.pid]
        if settle:
            wait_until(3, lambda: not descendants(self.dev_a.pid) and
                       not descendants(self.sshd_b.pid), 0.01)
        return (children_cpu(), tree_cpu(roots[:2]), tree_cpu(roots[2:]))

    @staticmethod
    def cpu_per_gib(c0, c1, nbytes):
        """CPU s per GiB: total, NMS ssh client, device sshd, C's tunnel."""
        parts = [(b - a) / (nbytes / MiB) * 1024 for a, b in zip(c0, c1)]
        return [sum(parts)] + parts

    def netconf_reply(self, path):
        c = self.Client(self, path, ["-s"], ["netconf-bulk"])
        c.read_until(EOM, 30)
        c.write(CLIENT_HELLO)
        c.write(b'<rpc message-id="1" xmlns="urn:ietf:params:xml:ns:netconf:'
                b'base:1.0"><get mib="%d"/></rpc>' % self.reply_mib + EOM)
        t0 = now()
        t1, nbytes = c.read_until(EOM, 120)
        c.write(CLOSE)
        c.read_until(EOM, 30)
        c.finish()
        return nbytes / MiB / (t1 - t0)

    def fig12(self):
        paths = ("A", "B", "C")
        rows = []
        log("warm-up: one session per path")
        for p in paths:
            self.t_true(p)
        if self.want("setup"):
            for r in range(self.runs):
                order = paths[r % 3:] + paths[:r % 3]
                for p in order:
                    rows.append((r, p, "hello_s", self.t_hello(p)))
                    rows.append((r, p, "true_s", self.t_true(p)))
                log("setup round %d/%d done" % (r + 1, self.runs))
        if self.want("bulk"):
            ctx0 = proc_stats(self.dev_a.pid)["ctx"]
            for r in range(self.bulk_runs):
                order = paths[r % 3:] + paths[:r % 3]
                for p in order:
                    for d, fn in (("down", self.bulk_down),
                                  ("up", self.bulk_up)):
                        rate, cpu = fn(p)
                        rows.append((r, p, d + "_MiBps", rate))
                        for part, v in zip(("", "_client", "_sshd",
                                            "_tunnel"), cpu):
                            rows.append((r, p, d + "_cpu_s_per_GiB" + part,
                                         v))
                    rows.append((r, p, "netconf_MiBps",
                                 self.netconf_reply(p)))
                log("throughput round %d/%d done" % (r + 1, self.bulk_runs))
            # Out of the data path: the supervisor only wakes to dial and
            # to reap (3 path-A sessions a round, a few switches each).
            self.results["ctx_a_bulk"] = (
                proc_stats(self.dev_a.pid)["ctx"] - ctx0, 3 * self.bulk_runs)
        with open(os.path.join(self.out, "paths.csv"), "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["round", "path", "metric", "value"])
            for row in rows:
                w.writerow([row[0], row[1], row[2], "%.6f" % row[3]])
        self.results["paths"] = rows

    # ------------------------------------------------------ figure 3, 4

    def start_listener(self, name, hold, port=0, lines=3):
        pf = os.path.join(self.T, name + ".port")
        lg = os.path.join(self.out if name.startswith("storm") else self.T,
                          name + ".csv")
        if os.path.exists(pf):
            os.unlink(pf)
        p = self.spawn([self.py, self.nms_py, "--port", str(port),
                        "--port-file", pf, "--log", lg, "--hold", str(hold),
                        "--lines", str(lines)],
                       stderr=open(os.path.join(self.T, name + ".err"), "a"))
        if not wait_until(10, lambda: os.path.exists(pf)):
            raise BenchError("listener %s did not start" % name)
        with open(pf) as f:
            return p, int(f.read()), lg

    @staticmethod
    def read_events(path):
        ev = []
        try:
            with open(path) as f:
                for line in f:
                    fs = line.strip().split(",")
                    if fs[0] == "call" and len(fs) == 5:
                        ev.append(("call", float(fs[1]), fs[3], int(fs[4])))
                    elif fs[0] in ("close", "eof") and len(fs) == 4:
                        ev.append((fs[0], float(fs[1]), fs[2], int(fs[3])))
        except OSError:
            pass
        return ev

    def device_argv(self, dev_id, port, extra=()):
        return [self.callhome, "--device-id=" + dev_id, "--sshd=" +
                self.holder, "--services=any", "--host-key=" + self.T +
                "/host_ed25519.pub"] + list(extra) + ["127.0.0.1:%d" % port]

    def device_env(self, grace, jitter=None):
        env = dict(os.environ)
        env["BENCH_HOLDER_GRACE"] = str(grace)
        if jitter:
            env["LD_PRELOAD"] = self.nojitter
            env["BENCH_JITTER"] = jitter
        return env

    REDIAL = [
        # name, NMS holds each call (s), holder's LoginGraceTime (s),
        # options, no-jitter shim, samples, what the supervisor should do
        ("healthy, defaults", 1.3, 1, [], None, 10,
         "session outlived LoginGraceTime: wait uniform(0, 1 s)"),
        ("short, --backoff-max=1", 0.2, 120, ["--backoff-max=1"], None, 10,
         "session < LoginGraceTime: backoff window min(1 s, 2^n s)"),
        ("short, defaults", 0.2, 120, [], None, 4,
         "session < LoginGraceTime: windows 1, 2, 4, 8 s (cap 120 s)"),
        ("healthy, no jitter (max)", 1.3, 1, [], "max", 8,
         "shim: every wait is the whole window: exactly 1 s"),
        ("any, no wait (min)", 0.3, 1, [], "min", 10,
         "shim: every wait is 0: the mechanics of a re-dial"),
    ]

    def fig34(self):
        T = self.T
        redial = []
        if self.want("redial"):
            for i, (name, hold, grace, opts, jit, n, _) in \
                    enumerate(self.REDIAL):
                lp, port, lg = self.start_listener("redial%d" % i, hold)
                dp = self.spawn(self.device_argv("redial-%d" % i, port, opts),
                                env=self.device_env(grace, jit),
                                stderr=open(T + "/redial%d.dev" % i, "w"))
                redial.append((name, lp, dp, lg, n))
        fp = []
        if self.want("footprint"):
            fp = self.footprint_idle()
        if redial:
            def enough():
                for name, lp, dp, lg, n in redial:
                    ev = self.read_events(lg)
                    if sum(1 for e in ev if e[0] == "call") < n + 1:
                        return False
                return True
            wait_until(60, enough, 0.2)
            rows = []
            for name, lp, dp, lg, n in redial:
                self.stop(dp)
                self.stop(lp)
                ev = self.read_events(lg)
                closes = sorted(e[1] for e in ev if e[0] == "close")
                calls = sorted(e[1] for e in ev if e[0] == "call")
                k = 0
                for tc in closes:
                    nxt = [t for t in calls if t > tc]
                    if nxt and k < n:
                        rows.append((name, k + 1, nxt[0] - tc))
                        k += 1
            with open(os.path.join(self.out, "redial.csv"), "w",
                      newline="") as f:
                w = csv.writer(f)
                w.writerow(["config", "n", "seconds"])
                for r in rows:
                    w.writerow([r[0], r[1], "%.6f" % r[2]])
            self.results["redial"] = rows
        if self.want("footprint"):
            fp += self.thousand_sessions()
            with open(os.path.join(self.out, "footprint.csv"), "w",
                      newline="") as f:
                w = csv.writer(f)
                w.writerow(["state", "process", "pid", "vmrss_kib",
                            "vmhwm_kib", "pss_kib", "fds", "cpu_percent",
                            "wakeups_per_s", "seconds"])
                for r in fp:
                    w.writerow(r)
            self.results["footprint"] = fp

    def footprint_idle(self):
        """RSS, CPU and wakeups over a quiet window, side by side."""
        W = self.idle_s
        c = self.Client(self, "A", [], ["echo up; exec sleep 3600"],
                        stdin=subprocess.DEVNULL)
        c.read_until(b"up", 30)
        time.sleep(0.5)
        targets = [("A session up", "sshd-callhome", self.dev_a.pid),
                   ("A backing off", "sshd-callhome", self.dev_off.pid),
                   ("A backing off", "sshd-callhome, no secret",
                    self.dev_off2.pid)]
        sess = descendants(self.dev_a.pid)
        for pid in sess:
            targets.append(("A session up", "  sshd session: " + comm(pid),
                            pid))
        tpid = self.tunnel.pid
        targets.append(("C tunnel up", comm(tpid), tpid))
        for pid in descendants(tpid):
            targets.append(("C tunnel up", "  " + comm(pid), pid))
        off_log = self.T + "/device_off.log"
        passes0 = open(off_log).read().count("no server took the call")
        smaps = self.smaps_top(self.dev_a.pid)
        s0 = {pid: proc_stats(pid) for _, _, pid in targets}
        t0 = now()
        time.sleep(W)
        dt = now() - t0
        s1 = {pid: proc_stats(pid) for _, _, pid in targets}
        passes = open(off_log).read().count("no server took the call") - \
            passes0
        rows = []
        for state, name, pid in targets:
            a, b = s0.get(pid), s1.get(pid)
            if not a or not b:
                continue
            rows.append((state, name, pid, b["VmRSS"], b["VmHWM"],
                         b.get("Pss", 0), b["fds"],
                         "%.3f" % (100.0 * (b["ticks"] - a["ticks"]) /
                                   CLK_TCK / dt),
                         "%.3f" % ((b["ctx"] - a["ctx"]) / dt), "%.1f" % dt))
        rows.append(("A backing off", "(dial passes in the window)",
                     self.dev_off.pid, "", "", "", "", "", "%d" % passes,
                     "%.1f" % dt))
        self.results["smaps"] = smaps
        c.close()
        return rows

    @staticmethod
    def smaps_top(pid, n=6):
        """Resident KiB by mapping (library) of one process: where RSS is."""
        rss, dirty, name = {}, {}, "?"
        try:
            with open("/proc/%d/smaps" % pid) as f:
                for line in f:
                    fs = line.split()
                    if re.match(r"^[0-9a-f]+-[0-9a-f]+$", fs[0]):
                        name = fs[5] if len(fs) > 5 else "[anon]"
                    elif fs[0] == "Rss:":
                        rss[name] = rss.get(name, 0) + int(fs[1])
                    elif fs[0] == "Private_Dirty:":
                        dirty[name] = dirty.get(name, 0) + int(fs[1])
        except OSError:
            return []
        top = sorted(rss.items(), key=lambda kv: -kv[1])[:n]
        return [(os.path.basename(k), v, dirty.get(k, 0)) for k, v in top]

    def thousand_sessions(self):
        """One supervisor, N short sessions (the NMS closes each call once
        the preamble is in; SIGHUP, "dial now", skips the backoff)."""
        N = self.sessions
        lp, port, lg = self.start_listener("sessions", 0, lines=5)
        dp = self.spawn(self.device_argv("bench-1000", port, [
            "--backoff-max=1", "--secret-file=" + self.T + "/secret"]),
            env=self.device_env(120), stderr=subprocess.PIPE)
        rows, marks = [], {1, 10, 100, N // 2, N}
        count = 0
        t0 = now()
        end = t0 + 240
        fd = dp.stderr.fileno()
        buf = b""
        while count < N and now() < end:
            r, _, _ = select.select([fd], [], [], 2)
            if not r:
                os.kill(dp.pid, signal.SIGHUP)
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            buf += chunk
            *lines, buf = buf.split(b"\n")
            for line in lines:
                if b"session ended" not in line:
                    continue
                count += 1
                if count in marks:
                    st = proc_stats(dp.pid)
                    rows.append(("after %d sessions" % count,
                                 "sshd-callhome", dp.pid, st["VmRSS"],
                                 st["VmHWM"], st.get("Pss", 0), st["fds"],
                                 "%.3f" % (st["ticks"] / CLK_TCK), "",
                                 "%.1f" % (now() - t0)))
                os.kill(dp.pid, signal.SIGHUP)
        self.stop(dp)
        self.stop(lp)
        self.results["sessions_done"] = (count, now() - t0)
        # cpu_percent column holds total CPU seconds for these rows
        return rows

    # ------------------------------------------------------ figure 5

    STORM = [
        ("default", [], None,
         "defaults: --backoff-max=120, full jitter"),
        ("backoff-max=1", ["--backoff-max=1"], None,
         "--backoff-max=1: full jitter, windows never above 1 s"),
        ("no jitter", [], "max",
         "defaults, random source made constant (shim): waits exactly "
         "1 s, then 1, 2, 4 ... s"),
    ]

    def fig5(self):
        grace = 2
        allrows, summary = [], []
        for cname, opts, jit, _ in self.STORM:
            log("storm: %d devices, %s" % (self.fleet, cname))
            tag = "storm-" + re.sub(r"[^a-z0-9]+", "-", cname).strip("-")
            lg = os.path.join(self.out, tag + ".csv")
            if os.path.exists(lg):
                os.unlink(lg)
            lp, port, lg = self.start_listener(tag, -1)
            ddir = os.path.join(self.T, tag)
            os.makedirs(ddir, exist_ok=True)
            env = self.device_env(grace, jit)
            devs = []
            t_spawn = now()
            for i in range(self.fleet):
                with open(os.path.join(ddir, "d%03d.log" % i), "w") as ef:
                    devs.append(self.spawn(
                        self.device_argv("dev-%03d" % i, port, opts),
                        env=env, stderr=ef))

            def arrived_since(t):
                return set(e[2] for e in self.read_events(lg)
                           if e[0] == "call" and e[1] > t)
            ok = wait_until(60, lambda: len(arrived_since(t_spawn)) >=
                            self.fleet, 0.1)
            t_up0 = now() - t_spawn
            if not ok:
                log("storm: only %d of %d devices called" %
                    (len(arrived_since(t_spawn)), self.fleet))
            for k in range(self.restarts):
                time.sleep(grace + 0.5)    # every session outlived grace
                refused0 = self.count_refused(ddir)
                t_stop = now()
                self.stop(lp, grace=2)
                time.sleep(self.down_s)
                t_restart = now()
                lp, _, _ = self.start_listener(tag, -1, port)
                done = wait_until(self.storm_wait, lambda: len(
                    arrived_since(t_stop)) >= self.fleet, 0.1)
                time.sleep(0.2)
                first = {}
                for e in self.read_events(lg):
                    if e[0] == "call" and e[1] > t_stop and \
                            e[2] not in first:
                        first[e[2]] = e[1] - t_stop
                arr = sorted(first.values())
                for dev, t in sorted(first.items()):
                    allrows.append((cname, k + 1, dev, "%.6f" % t,
                                    "%.6f" % (t_restart - t_stop)))
                refused = self.count_refused(ddir) - refused0
                summary.append(self.storm_summary(
                    cname, k + 1, arr, t_restart - t_stop, refused, done,
                    t_up0))
            for p in devs:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
            for p in devs:
                self.stop(p, grace=5)
            self.stop(lp)
        with open(os.path.join(self.out, "storm.csv"), "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["config", "restart", "device", "t_since_stop",
                        "nms_down_s"])
            w.writerows(allrows)
        with open(os.path.join(self.out, "storm-summary.csv"), "w",
                  newline="") as f:
            w = csv.writer(f)
            w.writerow(["config", "restart", "devices_back", "first_s",
                        "all_back_s", "all_back_after_restart_s",
                        "p10_s", "p50_s", "p90_s", "spread_p10_p90_s",
                        "peak_per_1s", "peak_per_100ms", "refused_dials",
                        "nms_down_s", "cold_start_all_up_s"])
            for s in summary:
                w.writerow([s[k] if not isinstance(s[k], float) else
                            "%.3f" % s[k] for k in
                            ("config", "restart", "back", "first", "all",
                             "all_after", "p10", "p50", "p90", "spread",
                             "peak1s", "peak100", "refused", "down",
                             "cold")])
        self.results["storm"] = summary
        self.storm_plot(allrows)

    @staticmethod
    def count_refused(ddir):
        n = 0
        for name in os.listdir(ddir):
            with open(os.path.join(ddir, name), "rb") as f:
                n += f.read().count(b"Connection refused")
        return n

    def storm_summary(self, cname, k, arr, down, refused, done, cold):
        def peak(width):
            best, j = 0, 0
            for i in range(len(arr)):
                while arr[i] - arr[j] >= width:
                    j += 1
                best = max(best, i - j + 1)
            return best
        s = {"config": cname, "restart": k, "back": len(arr),
             "first": arr[0] if arr else float("nan"),
             "all": arr[-1] if arr else float("nan"),
             "all_after": (arr[-1] - down) if arr else float("nan"),
             "p10": pct(arr, 0.1), "p50": pct(arr, 0.5), "p90": pct(arr, 0.9),
             "peak1s": peak(1.0), "peak100": peak(0.1), "refused": refused,
             "down": down, "cold": cold, "complete": done}
        s["spread"] = (s["p90"] - s["p10"]) if arr else float("nan")
        return s

    def storm_plot(self, allrows):
        """storm.dat: arrivals per 100 ms after the NMS stopped, first
        restart of each configuration; storm.png via gnuplot."""
        names = [c[0] for c in self.STORM]
        by = {n: [float(r[3]) for r in allrows if r[0] == n and r[1] == 1]
              for n in names}
        tmax = max([max(v) for v in by.values() if v] + [1.0])
        nb = int(tmax / 0.1) + 2
        bins = {n: [0] * nb for n in names}
        for n, ts in by.items():
            for t in ts:
                bins[n][int(t / 0.1)] += 1
        dat = os.path.join(self.out, "storm.dat")
        with open(dat, "w") as f:
            f.write("# t_s " + " ".join('"%s"' % n for n in names) +
                    "  (arrivals per 100 ms; then cumulative)\n")
            cum = {n: 0 for n in names}
            for i in range(nb):
                for n in names:
                    cum[n] += bins[n][i]
                f.write("%.2f %s %s\n" % (
                    i * 0.1, " ".join(str(bins[n][i]) for n in names),
                    " ".join(str(cum[n]) for n in names)))
        gp = shutil.which("gnuplot")
        png = os.path.join(self.out, "storm.png")
        if not gp:
            log("gnuplot not installed: no storm.png (apt-get install "
                "gnuplot-nox)")
            return
        down = [s["down"] for s in self.results["storm"] if s["restart"] == 1]
        subprocess.run([gp, "-e", "dat='%s'; png='%s'; down=%.3f; "
                        "fleet=%d" % (dat, png, med(down) or 0, self.fleet),
                        os.path.join(self.srcdir, "bench/storm.gp")],
                       check=False, timeout=60)

    # ------------------------------------------------------ figure 6

    def fig6(self):
        rows = []
        for slots, conc in ((1, 1), (4, 16), (4, 64)):
            rows.append(self.accept_rate(slots, conc))
        with open(os.path.join(self.out, "accept.csv"), "w",
                  newline="") as f:
            w = csv.writer(f)
            w.writerow(["nms_processes", "callers", "seconds",
                        "verified_calls", "calls_per_s", "dropped",
                        "refused", "latency_median_ms", "latency_p90_ms",
                        "nms_cpu_ms_per_call"])
            for r in rows:
                w.writerow(r)
        self.results["accept"] = rows

    def accept_rate(self, slots, conc):
        ports = [free_port() for _ in range(slots)]
        stop = threading.Event()
        handed = [0]
        lock = threading.Lock()
        errors = []

        def slot(port):
            while not stop.is_set():
                a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    p = subprocess.Popen(
                        [self.nms, "--listen=127.0.0.1:%d" % port,
                         "--fdpass", "--secret-file=%s/secret" % self.T,
                         "--timeout=5", "-q"], stdin=subprocess.DEVNULL,
                        stdout=b, stderr=subprocess.DEVNULL)
                    b.close()
                    a.settimeout(6)
                    try:
                        _, fds, _, _ = socket.recv_fds(a, 1, 1)
                    except (OSError, socket.timeout):
                        fds = []
                    for fd in fds:
                        s = socket.socket(fileno=fd)
                        try:
                            s.sendall(b"OK")
                            with lock:
                                handed[0] += 1
                        except OSError:
                            pass
                        s.close()
                    try:
                        p.wait(timeout=10)
                    except subprocess.TimeoutExpired:
                        p.kill()
                        p.wait()
                except Exception as ex:  # noqa: BLE001
                    errors.append(repr(ex))
                    time.sleep(0.1)
                finally:
                    a.close()
        ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        ths = [threading.Thread(target=slot, args=(p,), daemon=True)
               for p in ports]
        for t in ths:
            t.start()
        wait_until(5, lambda: all(listening(p) for p in ports))
        cp = self.spawn([self.py, self.callers_py, "--ports",
                         ",".join(map(str, ports)), "--concurrency",
                         str(conc), "--duration", str(self.accept_s),
                         "--secret-file", self.T + "/secret",
                         "--host-key-file", self.T + "/host_ed25519.pub"],
                        stdout=subprocess.PIPE)
        out, _ = cp.communicate(timeout=self.accept_s + 60)
        self.procs.remove(cp)
        stop.set()
        for t in ths:
            t.join(15)
        ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        res = json.loads(out)
        # Children's CPU: every ssh-callhome, and the callers process,
        # whose own CPU it reports and is taken off here.
        cpu = (ru1.ru_utime + ru1.ru_stime - ru0.ru_utime - ru0.ru_stime -
               res.get("cpu", 0))
        if errors:
            log("accept: %d errors, first: %s" % (len(errors), errors[0]))
        ms_per_call = 1000.0 * cpu / max(handed[0], 1)
        return (slots, conc, "%.2f" % res["elapsed"], res["ok"],
                "%.1f" % res["rate"], res["dropped"], res["refused"],
                "%.2f" % (1000 * (res["lat_median"] or 0)),
                "%.2f" % (1000 * (res["lat_p90"] or 0)),
                "%.2f" % ms_per_call)

    # ------------------------------------------------------ report

    def p(self, s=""):
        self.lines.append(s)
        print(s)
        sys.stdout.flush()

    def report(self):
        P = self.p
        P()
        P("sshd-callhome benchmarks, %s" % time.strftime("%Y-%m-%d %H:%M %Z"))
        P("machine: %s; %d CPUs; %s" % (cpu_model(), os.cpu_count(),
                                        " ".join(os.uname()[2:3] +
                                                 os.uname()[4:5])))
        P("OpenSSH: %s; cipher %s; host key ed25519; user key ed25519; "
          "kex: OpenSSH default" % (ssh_version(), self.cipher))
        P("load average (1/5/15 min) at start %s, at end %s: other work on "
          "the machine shows here" % (
              "/".join("%.2f" % x for x in self.load_start),
              "/".join("%.2f" % x for x in os.getloadavg())))
        P("path C device side: %s" % ("autossh -M 0 + ssh" if self.autossh
                                      else "ssh (autossh not installed)"))
        P()
        rows = self.results.get("paths")
        if rows:
            self.report_paths(rows)
        if "footprint" in self.results:
            self.report_footprint()
        if "redial" in self.results:
            self.report_redial()
        if "storm" in self.results:
            self.report_storm()
        if "accept" in self.results:
            self.report_accept()
        P("wall time of the whole run: %.0f s" % (now() - self.t_start))
        with open(os.path.join(self.out, "results.txt"), "w") as f:
            f.write("\n".join(self.lines) + "\n")

    def report_paths(self, rows):
        P = self.p
        metrics = [
            ("hello_s", "1 setup to NETCONF <hello> (ms)", 1000, "A/B<=1.10"),
            ("true_s", "1 setup to remote `true` done (ms)", 1000,
             "A/B<=1.10"),
            ("down_MiBps", "2 bulk %d MiB device->NMS (MiB/s)" %
             self.bulk_mib, 1, "A/B>=0.95"),
            ("up_MiBps", "2 bulk %d MiB NMS->device (MiB/s)" %
             self.bulk_mib, 1, "A/B>=0.95"),
            ("netconf_MiBps", "2 NETCONF %d MiB <get> reply (MiB/s)" %
             self.reply_mib, 1, "A/B>=0.95"),
            ("down_cpu_s_per_GiB", "2 CPU s per GiB device->NMS, all ssh*",
             1, ""),
            ("up_cpu_s_per_GiB", "2 CPU s per GiB NMS->device, all ssh*",
             1, ""),
            ("down_cpu_s_per_GiB_client", "   of which NMS ssh, device->NMS",
             1, ""),
            ("down_cpu_s_per_GiB_sshd", "   of which device sshd, dev->NMS",
             1, ""),
            ("up_cpu_s_per_GiB_client", "   of which NMS ssh, NMS->device",
             1, ""),
            ("up_cpu_s_per_GiB_sshd", "   of which device sshd, NMS->dev",
             1, ""),
        ]
        P("Figures 1-2: median [min-max] over rounds; ratios are per round "
          "(paths interleaved), median [min-max]")
        hdr = "%-40s %-22s %-22s %-22s %-19s %-14s %-19s %s" % (
            "metric", "A call home", "B direct", "C reverse tunnel", "A/B",
            "A won, sign p", "A/C", "target")
        P(hdr)
        P("-" * len(hdr))
        self.ratios = {}
        for key, label, scale, target in metrics:
            vals = {p: [v * scale for (r, pp, m, v) in rows
                        if pp == p and m == key] for p in "ABC"}
            if not vals["A"]:
                continue
            byround = {}
            for (r, pp, m, v) in rows:
                if m == key:
                    byround.setdefault(r, {})[pp] = v

            def ratio(x, y):
                rs = [d[x] / d[y] for d in byround.values()
                      if x in d and y in d]
                return rs

            ab, ac = ratio("A", "B"), ratio("A", "C")
            self.ratios[key] = ab
            verdict = ""
            if ab and target:
                m = med(ab)
                ok = m <= 1.10 if key.endswith("_s") else m >= 0.95
                verdict = "%s %s" % (target, "met" if ok else "MISSED")
            k, n, pv = sign_test(ab, "MiBps" not in key)
            P("%-40s %-22s %-22s %-22s %-19s %-14s %-19s %s" % (
                label, fmt3(vals["A"]), fmt3(vals["B"]), fmt3(vals["C"]),
                fmtr(ab), "%d/%d p=%.2f" % (k, n, pv), fmtr(ac), verdict))
        if self.phases:
            ph = list(zip(*self.phases))
            P("path A to <hello>, median: ssh-callhome listening %.1f ms "
              "after the NMS ssh started, the call verified and handed to "
              "ssh at %.1f ms, <hello> at %.1f ms" % tuple(
                  1000 * med(x) for x in ph))
        P("A won, sign p: rounds in which A did better than B, and the "
          "two-sided sign-test p (small p: a real difference; large p: "
          "the rounds split as noise would)")
        if any(m.startswith("down_cpu") for (_, _, m, _) in rows):
            P("* CPU s per GiB: user+system time of every process of the "
              "three paths (NMS ssh and ProxyCommand, device sshd sessions, "
              "NMS sshd and tunnel of C), whatever else runs on the machine")
        if "ctx_a_bulk" in self.results:
            P("sshd-callhome context switches during all of path A's "
              "throughput runs: %d (for %d sessions: dial, fork, reap)" %
              self.results["ctx_a_bulk"])
        P()

    def report_footprint(self):
        P = self.p
        P("Figure 3: footprint (VmRSS/VmHWM/PSS in KiB from /proc; CPU and "
          "wakeups = context switches over a %.0f s quiet window)" %
          self.idle_s)
        hdr = "%-20s %-30s %8s %8s %8s %5s %8s %10s" % (
            "state", "process", "VmRSS", "VmHWM", "PSS", "fds", "CPU%",
            "wakeups/s")
        P(hdr)
        P("-" * len(hdr))
        for r in self.results["footprint"]:
            if r[0].startswith("after"):
                continue
            P("%-20s %-30s %8s %8s %8s %5s %8s %10s" %
              (r[0], r[1], r[3], r[4], r[5], r[6], r[7], r[8]))
        P("VmRSS is now, VmHWM the peak: this kernel reclaims pages of idle "
          "processes, so VmHWM is the figure to hold against a target; PSS "
          "shares each page among the processes that map it.")
        if self.results.get("smaps"):
            P("sshd-callhome (session up) resident KiB by mapping, "
              "(private dirty): " + ", ".join(
                  "%s %d (%d)" % m for m in self.results["smaps"]))
        P()
        n, secs = self.results.get("sessions_done", (0, 0))
        P("sshd-callhome over %d short sessions with a secret (%.1f s; the "
          "NMS closes each call once the preamble is in, SIGHUP skips the "
          "backoff):" % (n, secs))
        hdr = "%-22s %8s %8s %8s %5s %12s" % ("checkpoint", "VmRSS",
                                              "VmHWM", "PSS", "fds",
                                              "CPU total s")
        P(hdr)
        P("-" * len(hdr))
        cpu = {}
        for r in self.results["footprint"]:
            if r[0].startswith("after"):
                P("%-22s %8s %8s %8s %5s %12s" % (r[0], r[3], r[4], r[5],
                                                   r[6], r[7]))
                cpu[int(r[0].split()[1])] = float(r[7])
        if len(cpu) >= 2:
            a, b = min(cpu), max(cpu)
            if b > a:
                P("CPU per session: %.3f ms" %
                  (1000 * (cpu[b] - cpu[a]) / (b - a)))
        P()

    def report_redial(self):
        P = self.p
        P("Figure 4: re-dial time, from the NMS closing a session to the "
          "next call arriving (s)")
        hdr = "%-28s %4s %-26s %s" % ("configuration", "n",
                                      "median [min-max]", "meaning")
        P(hdr)
        P("-" * len(hdr))
        rows = self.results["redial"]
        for name, _, _, _, _, _, meaning in self.REDIAL:
            v = [r[2] for r in rows if r[0] == name]
            if name == "short, defaults":
                P("%-28s %4d %-26s %s" % (name, len(v), "sequence " +
                                          " ".join("%.2f" % x for x in v),
                                          meaning))
            else:
                P("%-28s %4d %-26s %s" % (name, len(v), fmt3(v, "%.3f"),
                                          meaning))
        P()

    def report_storm(self):
        P = self.p
        P("Figure 5: fleet storm: %d sshd-callhome (--sshd=bench/holder), "
          "NMS stopped for %.0f s, %d restarts each; median [min-max] over "
          "restarts; times from the NMS stop" % (self.fleet, self.down_s,
                                                  self.restarts))
        hdr = "%-16s %-20s %-20s %-20s %-20s %-16s %-16s %s" % (
            "configuration", "all back (s)", "after restart (s)",
            "p50 arrival (s)", "spread p10-p90 (s)", "peak calls/1s",
            "peak /100ms", "refused dials while down")
        P(hdr)
        P("-" * len(hdr))
        for cname, _, _, meaning in self.STORM:
            ss = [s for s in self.results["storm"] if s["config"] == cname]
            if not ss:
                continue
            P("%-16s %-20s %-20s %-20s %-20s %-16s %-16s %s" % (
                cname, fmt3([s["all"] for s in ss], "%.2f"),
                fmt3([s["all_after"] for s in ss], "%.2f"),
                fmt3([s["p50"] for s in ss], "%.2f"),
                fmt3([s["spread"] for s in ss], "%.2f"),
                fmt3([s["peak1s"] for s in ss], "%.0f"),
                fmt3([s["peak100"] for s in ss], "%.0f"),
                fmt3([s["refused"] for s in ss], "%.0f")))
            if not all(s["complete"] for s in ss):
                P("  (%s: not every device was back %.0f s after the stop: "
                  "%s of %d; the times above are of those that were)" % (
                      cname, self.storm_wait,
                      "/".join(str(s["back"]) for s in ss), self.fleet))
        for cname, _, _, meaning in self.STORM:
            P("  %-14s %s" % (cname, meaning))
        P("  plot: %s/storm.png" % self.out)
        P()

    def report_accept(self):
        P = self.p
        P("Figure 6: ssh-callhome acceptance rate (one ssh-callhome process "
          "per call, as a ProxyCommand; preamble with HMAC, verified, fd "
          "handed off, 'OK' written back through it)")
        hdr = "%-14s %-8s %-9s %-10s %-9s %-9s %-14s %s" % (
            "NMS processes", "callers", "verified", "calls/s", "dropped",
            "refused", "latency ms", "NMS-side CPU ms/call")
        P(hdr)
        P("-" * len(hdr))
        for r in self.results["accept"]:
            P("%-14s %-8s %-9s %-10s %-9s %-9s %-14s %s" % (
                r[0], r[1], r[3], r[4], r[5], r[6],
                "%s (p90 %s)" % (r[7], r[8]), r[9]))
        P()


def sign_test(ratios, lower_is_better):
    """Rounds where A beat B, and the two-sided binomial p of a tie-free
    sign test: how likely a split this uneven is if A and B are equal."""
    n = len(ratios)
    k = sum(1 for r in ratios if (r < 1) == lower_is_better and r != 1)
    m = min(k, n - k)
    tail = sum(comb(n, i) for i in range(m + 1)) / 2.0 ** n if n else 1
    return k, n, min(1.0, 2 * tail)


def fmt3(xs, f="%.1f"):
    xs = [x for x in xs if x is not None and x == x]
    if not xs:
        return "-"
    return (f + " [" + f + "-" + f + "]") % (med(xs), min(xs), max(xs))


def fmtr(xs):
    if not xs:
        return "-"
    return "%.3f [%.2f-%.2f]" % (med(xs), min(xs), max(xs))


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "?"


def ssh_version():
    r = subprocess.run(["ssh", "-V"], capture_output=True, text=True,
                       timeout=10)
    return (r.stderr or r.stdout).strip()


def main():
    b = Bench()
    for path, what in ((b.callhome, "sshd-callhome"), (b.nms, "ssh-callhome"),
                       (b.stub, "tests/helpers/netconf-stub"),
                       (b.holder, "bench/holder"),
                       (b.nojitter, "bench/nojitter.so")):
        if not os.path.exists(path):
            log("missing %s (%s): run 'make bench' or 'make %s'" %
                (what, path, what))
            return 2

    def on_signal(sig, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    rc = 0
    try:
        b.setup()
        log("work directory %s, results in %s" % (b.T, b.out))
        b.start_servers()
        if b.want("setup") or b.want("bulk"):
            b.fig12()
            log("figures 1-2 done at %.0f s" % (now() - b.t_start))
        if b.want("footprint") or b.want("redial"):
            log("footprint and re-dial")
            b.fig34()
            log("figures 3-4 done at %.0f s" % (now() - b.t_start))
        if b.want("storm"):
            b.fig5()
            log("figure 5 done at %.0f s" % (now() - b.t_start))
        if b.want("accept"):
            log("acceptance rate")
            b.fig6()
            log("figure 6 done at %.0f s" % (now() - b.t_start))
        b.report()
    except BenchError as ex:
        log("FAILED: %s" % ex)
        rc = 1
    except KeyboardInterrupt:
        log("interrupted")
        rc = 130
    finally:
        b.cleanup()
        if hasattr(b, "T"):
            if rc == 1 or os.environ.get("BENCH_KEEP"):
                log("kept %s for inspection" % b.T)
            else:
                shutil.rmtree(b.T, ignore_errors=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
