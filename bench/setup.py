#!/usr/bin/python3
"""Session setup through the broker (issue 10), on loopback only.

Stock ssh, timed from its start to the NETCONF <hello> read from the
`netconf` subsystem and to a remote `true` finishing, on two paths:

  A  broker   a real device (sshd-callhome --wait-for-client=0, which
              execs `sshd -i` on its call) keeps a call parked in
              ssh-callhomed; ssh reaches it with
              ProxyCommand ssh-callhome --broker --device-id=%n --fdpass
              and ProxyUseFdpass yes
  B  direct   the same sshd binary and sshd_config as `sshd -D` on a
              loopback port; ssh connects to it

in one interleaved run: every round times A <hello>, B <hello>, A true,
B true.  After every A sample the device calls again (SIGHUP: dial now);
the harness waits until `ssh-callhome --broker --list --format=raw` shows
the new call parked and verified and the device's `sshd -i` banner queued
in the daemon's end of the socket (/proc/net/tcp), then BENCH_SETTLE
seconds more, before the next sample: outside the timed window.
Then the same two figures over a ControlMaster (ControlMaster auto,
ControlPath, ControlPersist) through the broker, once the master exists,
interleaved with the same over a master of path B.

The sessions run with HOME set to an empty directory (sshd_config SetEnv),
so that the login shell reads no start-up files of the account.

Knobs: BENCH_SETUP_ROUNDS (30), BENCH_MUX_ROUNDS (30), BENCH_SETTLE (0.2 s),
BENCH_STRACE_ROUNDS (10): more rounds of `ssh true` under strace, for where
the time goes (0: none; needs strace), BENCH_SETUP_KEX: ssh's KexAlgorithms
for both paths (default OpenSSH's own, sntrup761x25519-sha512 first),
BENCH_LOGIN_HOME=1 keeps the account's own HOME (and its ~/.bashrc),
BENCH_KEEP=1 keeps the work directory.  Run by bench/run
(BENCH_ONLY=brokersetup for this part alone), or directly:
    BENCH_BUILDDIR=. bench/setup.py
Results on stdout, in $BENCH_OUT/setup.txt and every sample in
$BENCH_OUT/setup.csv.  Every process is started here and stopped by its
PID; every wait is bounded.
"""
import os
import pwd
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

from benchlib import (BUILD, E, OUT, BenchError, free_port, keep_or_remove,
                      need, now, save, say, wait_until, write_secret)

SSHD = E.get("SSHD", "/usr/sbin/sshd")
ROUNDS = int(E.get("BENCH_SETUP_ROUNDS", "30"))
MUX_ROUNDS = int(E.get("BENCH_MUX_ROUNDS", "30"))
SETTLE = float(E.get("BENCH_SETTLE", "0.2"))
STRACE_ROUNDS = int(E.get("BENCH_STRACE_ROUNDS", "10"))
KEX = E.get("BENCH_SETUP_KEX", "")
SSH = shutil.which("ssh") or "/usr/bin/ssh"
NMS = os.path.join(BUILD, "ssh-callhome")
EOM = b"]]>]]>"
CLIENT = (b'<?xml version="1.0" encoding="UTF-8"?>\n<hello xmlns="urn:ietf:'
          b'params:xml:ns:netconf:base:1.0"><capabilities><capability>'
          b'urn:ietf:params:netconf:base:1.0</capability></capabilities>'
          b'</hello>' + EOM + b'\n<rpc message-id="1" xmlns="urn:ietf:params'
          b':xml:ns:netconf:base:1.0"><close-session/></rpc>' + EOM + b'\n')

procs = []


def spawn(argv, **kw):
    p = subprocess.Popen(argv, stdin=kw.pop("stdin", subprocess.DEVNULL),
                         **kw)
    procs.append(p)
    return p


def stop(p, grace=5.0):
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(grace)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(5)


def stop_pid(pid):
    """A process that is not our child (an ssh master), by its PID."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    for _ in range(50):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def pct(xs, q):
    """Nearest-rank percentile."""
    xs = sorted(xs)
    return xs[max(0, min(len(xs) - 1, -(-int(q * 100) * len(xs) // 100) - 1))]


class Bench:
    def __init__(self):
        self.T = tempfile.mkdtemp(prefix="bench-setup.")
        os.chmod(self.T, 0o755)
        self.user = pwd.getpwuid(os.getuid()).pw_name
        self.masters = []
        self.rows = []
        self.ready = []

    def path(self, name):
        return os.path.join(self.T, name)

    def prepare(self):
        T = self.T
        for name in ("host_ed25519", "user_key"):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "",
                            "-C", name, "-f", self.path(name)],
                           check=True, timeout=30)
        shutil.copy(self.path("user_key.pub"), self.path("authorized_keys"))
        write_secret(self.path("secret"))
        with open(self.path("devices"), "w") as f:
            f.write("bench-dev\n")
        open(self.path("kh"), "w").close()
        self.port_d = free_port()
        self.port_b = free_port()
        self.ctl = self.path("control")
        # One sshd_config for the device's `sshd -i` and for `sshd -D`.
        # SetEnv HOME: bash, run by sshd, reads ~/.bashrc for `true` and
        # for the subsystem; an account's own start-up files (pyenv init:
        # 280 ms for root here) would swamp what is measured.
        os.mkdir(self.path("home"))
        home = "" if E.get("BENCH_LOGIN_HOME") else \
            "SetEnv HOME=%s\n" % self.path("home")
        with open(self.path("sshd_config"), "w") as f:
            f.write(home)
            f.write("HostKey %s/host_ed25519\n"
                    "AuthorizedKeysFile %s/authorized_keys\n"
                    "StrictModes no\nPubkeyAuthentication yes\n"
                    "PasswordAuthentication no\n"
                    "KbdInteractiveAuthentication no\nUsePAM no\n"
                    "PidFile none\nLoginGraceTime 30\nLogLevel ERROR\n"
                    "Subsystem netconf %s/tests/helpers/netconf-stub\n"
                    % (T, T, BUILD))
        with open(self.path("host_ed25519.pub")) as f:
            key = " ".join(f.read().split()[:2])
        with open(self.path("kh_b"), "w") as f:
            f.write("[127.0.0.1]:%d %s\n" % (self.port_b, key))
        os.mkdir(self.path("cm"))
        # Host A: the README's "Managing a fleet" entry; Host B: a plain
        # sshd.  The same client settings for both (Host * at the end).
        proxy = ("ProxyCommand %s --broker=%s --device-id=%%n --fdpass "
                 "--timeout=20\n    ProxyUseFdpass yes\n" % (NMS, self.ctl))
        with open(self.path("ssh_config"), "w") as f:
            f.write("Host bench-dev\n    UserKnownHostsFile %s/kh\n    %s"
                    "Host direct\n    HostName 127.0.0.1\n    Port %d\n"
                    "    UserKnownHostsFile %s/kh_b\n"
                    "Host *\n    User %s\n    IdentityFile %s/user_key\n"
                    "    IdentitiesOnly yes\n    BatchMode yes\n"
                    "    StrictHostKeyChecking yes\n"
                    "    GlobalKnownHostsFile /dev/null\n"
                    "    LogLevel ERROR\n    ConnectTimeout 20\n"
                    "    ControlMaster no\n    ControlPath none\n"
                    % (T, proxy, self.port_b, T, self.user, T))
            if KEX:
                f.write("    KexAlgorithms %s\n" % KEX)

    def start(self):
        self.dlog = self.path("daemon.log")
        self.daemon = spawn(
            [os.path.join(BUILD, "ssh-callhomed"),
             "--listen=127.0.0.1:%d" % self.port_d,
             "--devices=" + self.path("devices"),
             "--secret-file=" + self.path("secret"),
             "--known-hosts=" + self.path("kh"), "--control=" + self.ctl,
             "--preamble-timeout=5", "-v"],
            stdout=subprocess.DEVNULL, stderr=open(self.dlog, "w"))
        if not wait_until(10, lambda: os.path.exists(self.ctl)):
            raise BenchError("ssh-callhomed did not start: see %s" % self.dlog)
        self.sshd_b = spawn(
            [SSHD, "-D", "-e", "-p", str(self.port_b),
             "-o", "ListenAddress=127.0.0.1", "-f", self.path("sshd_config")],
            stdout=subprocess.DEVNULL,
            stderr=open(self.path("sshd_b.log"), "w"))
        # --backoff-max=1: a call that an ssh session ended after less
        # than LoginGraceTime counts as "short"; SIGHUP skips the wait.
        self.dev = spawn(
            [os.path.join(BUILD, "sshd-callhome"), "--device-id=bench-dev",
             "--secret-file=" + self.path("secret"),
             "--host-key=" + self.path("host_ed25519.pub"),
             "--wait-for-client=0", "--services=any", "--sshd=" + SSHD,
             "--sshd-config=" + self.path("sshd_config"), "--retry=1",
             "--timeout=5", "--backoff-max=1", "--redial-jitter=1",
             "127.0.0.1:%d" % self.port_d],
            stdout=subprocess.DEVNULL,
            stderr=open(self.path("device.log"), "w"))
        # No SIGHUP yet: the device catches it only once it is running.
        if not self.wait_parked(20, hup=False):
            raise BenchError("the device's call was never parked: see %s"
                             % self.T)

    def parked(self):
        p = subprocess.run([NMS, "--broker=" + self.ctl, "--list",
                            "--format=raw"], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, timeout=10)
        for ln in p.stdout.decode().splitlines():
            f = ln.split()
            if (len(f) >= 7 and f[0] == "device" and f[1] == "bench-dev" and
                    f[2] == "parked" and f[6] == "verified"):
                return True
        return False

    def banner_queued(self):
        """The device's sshd -i is up: its banner waits in the receive
        queue of the daemon's end of the parked call (/proc/net/tcp: local
        port the daemon's, ESTABLISHED, rx_queue not 0)."""
        with open("/proc/net/tcp") as f:
            rows = f.readlines()[1:]
        for ln in rows:
            c = ln.split()
            if (c[3] == "01" and int(c[1].split(":")[1], 16) == self.port_d
                    and int(c[4].split(":")[1], 16) > 0):
                return True
        return False

    def wait_parked(self, secs, hup=True):
        """The device called again, is parked, and its sshd -i has written
        its banner: SIGHUP (dial now) until it called, so that its backoff
        does not slow the run down."""
        end = now() + secs
        while now() < end:
            if self.parked():
                t = now()
                if not wait_until(end - now(), self.banner_queued, 0.005):
                    break
                self.ready.append(now() - t)
                time.sleep(SETTLE)
                return True
            if self.dev.poll() is not None:
                raise BenchError("sshd-callhome exited %d"
                                 % self.dev.returncode)
            if hup:
                os.kill(self.dev.pid, signal.SIGHUP)
            time.sleep(0.05)
        return False

    def ssh(self, host, cmd, stdin=subprocess.DEVNULL):
        return spawn([SSH, "-F", self.path("ssh_config")] + host + cmd,
                     stdin=stdin, stdout=subprocess.PIPE,
                     stderr=subprocess.PIPE)

    @staticmethod
    def read_until(p, marker, secs=30):
        fd, tail, end = p.stdout.fileno(), b"", now() + secs
        while now() < end:
            if not select.select([fd], [], [], end - now())[0]:
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                raise BenchError("ssh: end of output before %r: %s" %
                                 (marker, p.stderr.read().decode()))
            hay = tail + chunk
            if marker in hay:
                return now()
            tail = hay[-len(marker):]
        raise BenchError("ssh: no %r in %d s" % (marker, secs))

    def finish(self, p, t0, secs=30):
        try:
            rc = p.wait(secs)
        except subprocess.TimeoutExpired:
            stop(p)
            raise BenchError("ssh did not finish in %d s" % secs)
        t1 = now()
        err = p.stderr.read().decode().strip()
        procs.remove(p)
        if rc != 0:
            raise BenchError("ssh exited %d: %s" % (rc, err))
        return t1 - t0

    def t_hello(self, host):
        t0 = now()
        p = self.ssh(host, ["-s", "netconf"], stdin=subprocess.PIPE)
        t1 = self.read_until(p, EOM)
        p.stdin.write(CLIENT)
        p.stdin.close()
        self.read_until(p, EOM)
        self.finish(p, t0)
        return t1 - t0

    def t_true(self, host):
        t0 = now()
        p = self.ssh(host, ["true"])
        return self.finish(p, t0)

    def sample(self, rnd, path, metric, host):
        t = (self.t_hello if metric == "hello" else self.t_true)(host)
        self.rows.append((rnd, path, metric, t))
        if path == "A" and not self.wait_parked(30):
            raise BenchError("the device did not park again: see %s"
                             % self.T)
        if path != "A":
            time.sleep(SETTLE)
        return t

    def interleaved(self):
        for r in range(ROUNDS):
            self.sample(r, "A", "hello", ["bench-dev"])
            self.sample(r, "B", "hello", ["direct"])
            self.sample(r, "A", "true", ["bench-dev"])
            self.sample(r, "B", "true", ["direct"])

    PHASES = ("to the socket", "to sshd's banner", "key exchange",
              "auth, session, exit")

    def traced(self, host, tag):
        """One `ssh host true` under strace -f -ttt: the times from the ssh
        start to the socket in hand (its own banner written), to sshd's
        banner read, to NEWKEYS written (the key exchange done: the only
        16-byte write), and to its exit."""
        out = self.path("strace-%s" % tag)
        p = subprocess.run(
            ["strace", "-f", "-ttt", "-q", "-o", out,
             "-e", "trace=execve,write,read", SSH, "-F",
             self.path("ssh_config"), host, "true"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60)
        if p.returncode != 0:
            raise BenchError("strace ssh %s: %s" % (host,
                                                    p.stderr.decode()))
        marks, pid = {}, None
        with open(out) as f:
            for ln in f:
                w = ln.split(None, 2)
                if len(w) < 3:
                    continue
                t, call = float(w[1]), w[2]
                if pid is None:
                    pid, marks["start"] = w[0], t
                if w[0] != pid:
                    continue
                if "ready" not in marks and call.startswith("write(") and \
                        '"SSH-2.0-' in call:
                    marks["ready"] = t
                elif ("ready" in marks and "banner" not in marks and
                      call.startswith("read(") and '"S", 1' in call):
                    marks["banner"] = t
                elif ("banner" in marks and "kex" not in marks and
                      call.startswith("write(") and call.rstrip().endswith(
                          "= 16")):
                    marks["kex"] = t
                elif call.startswith("+++ exited"):
                    marks["end"] = t
        if len(marks) != 5:
            raise BenchError("strace of ssh %s: only %s" %
                             (host, sorted(marks)))
        keys = ("start", "ready", "banner", "kex", "end")
        return [marks[b] - marks[a] for a, b in zip(keys, keys[1:])]

    def where(self):
        got = {"A": [], "B": []}
        for r in range(STRACE_ROUNDS):
            for path, host in (("A", "bench-dev"), ("B", "direct")):
                got[path].append(self.traced(host, "%s%d" % (path, r)))
                if path == "A" and not self.wait_parked(30):
                    raise BenchError("the device did not park again")
                if path == "B":
                    time.sleep(SETTLE)
        return got

    def master(self, host):
        """A ControlMaster for host, through its usual ProxyCommand; its
        PID from `ssh -O check`."""
        opts = ["-o", "ControlMaster=auto",
                "-o", "ControlPath=%s/cm/%%C" % self.T,
                "-o", "ControlPersist=300"]
        p = self.ssh(opts + [host], ["true"])
        self.finish(p, now(), 60)
        p = subprocess.run([SSH, "-F", self.path("ssh_config")] + opts +
                           ["-O", "check", host], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=20)
        out = p.stdout.decode()
        if "Master running (pid=" not in out:
            raise BenchError("no ControlMaster for %s: %s" % (host, out))
        self.masters.append(int(out.split("pid=")[1].split(")")[0]))
        return opts + [host]

    def mux(self):
        a = self.master("bench-dev")
        b = self.master("direct")
        for r in range(MUX_ROUNDS):
            for path, host in (("A-mux", a), ("B-mux", b)):
                for metric in ("hello", "true"):
                    self.rows.append((r, path, metric,
                                      (self.t_hello if metric == "hello"
                                       else self.t_true)(host)))
                    time.sleep(0.05)
        takes = sum(1 for ln in open(self.dlog) if "took bench-dev" in ln)
        return takes

    def report(self, takes, wall, phases):
        def xs(path, metric):
            return [t for _, p, m, t in self.rows if p == path and m == metric]

        def pair(metric, a, b):
            ra, rb = {}, {}
            for r, p, m, t in self.rows:
                if m == metric and p == a:
                    ra[r] = t
                elif m == metric and p == b:
                    rb[r] = t
            return [ra[r] / rb[r] for r in ra if r in rb]

        say("Setup through the broker (A) against a listening sshd (B), one"
            " interleaved run, %d rounds (A hello, B hello, A true, B true),"
            " %.0f s, KexAlgorithms %s" % (ROUNDS, wall,
                                           KEX or "OpenSSH's default"))
        hdr = "%-30s %5s %9s %9s %9s %9s" % ("path, to", "n", "median",
                                             "p90", "min", "max")
        say(hdr)
        say("-" * len(hdr))
        names = {"A": "A broker, parked call", "B": "B direct sshd -D",
                 "A-mux": "A broker, ControlMaster", "B-mux":
                 "B direct, ControlMaster"}
        for path in ("A", "B", "A-mux", "B-mux"):
            for metric in ("hello", "true"):
                v = [t * 1e3 for t in xs(path, metric)]
                if v:
                    say("%-30s %5d %9.1f %9.1f %9.1f %9.1f" % (
                        names[path] + (" <hello>" if metric == "hello"
                                       else " true"), len(v),
                        statistics.median(v), pct(v, 0.9), min(v), max(v)))
        say("(milliseconds, from starting ssh to the <hello> read / to ssh"
            " exiting after `true`)")
        for metric in ("hello", "true"):
            a, b = xs("A", metric), xs("B", metric)
            if not a or not b:
                continue
            pr = pair(metric, "A", "B")
            won = sum(1 for x in pr if x < 1)
            ratio = statistics.median(a) / statistics.median(b)
            say("A/B %-6s ratio of medians %.3f, p90 ratio %.3f; per round"
                " median %.3f [%.2f-%.2f], A faster in %d of %d rounds;"
                " target <= 0.90 %s" % (
                    metric, ratio, pct(a, 0.9) / pct(b, 0.9),
                    statistics.median(pr), min(pr), max(pr), won, len(pr),
                    "met" if ratio <= 0.90 else "MISSED"))
        say("the device's sshd -i had its banner out %.0f ms (median; max"
            " %.0f ms) after --list first showed the call parked; every A"
            " sample waited for it, then %.1f s more"
            % (statistics.median(self.ready) * 1e3, max(self.ready) * 1e3,
               SETTLE))
        if phases:
            say("Where the time goes: `ssh host true` under strace -f -ttt"
                " (slower than untraced), %d rounds, median ms of each phase"
                % STRACE_ROUNDS)
            say("%-22s %12s %12s %9s" % ("phase", "A broker", "B direct",
                                         "A - B"))
            for k, name in enumerate(self.PHASES):
                a = statistics.median(x[k] for x in phases["A"]) * 1e3
                b = statistics.median(x[k] for x in phases["B"]) * 1e3
                say("%-22s %12.1f %12.1f %+9.1f" % (name, a, b, a - b))
            a = statistics.median(sum(x) for x in phases["A"]) * 1e3
            b = statistics.median(sum(x) for x in phases["B"]) * 1e3
            say("%-22s %12.1f %12.1f %+9.1f" % ("total", a, b, a - b))
            say("to the socket: A runs the ProxyCommand (shell, ssh-callhome,"
                " take over the control socket, fd passed back), B"
                " connect()s; to sshd's banner: A's is already queued, B"
                " waits for sshd -D to accept, fork and re-exec sshd")
        plain = 2 * ROUNDS + (STRACE_ROUNDS if phases else 0)
        say("ControlMaster through the broker: %d takes in the daemon's log"
            " for %d plain A sessions, the master and %d sessions over it"
            " (%d expected: one per plain session, one for the master)"
            % (takes, plain, 2 * MUX_ROUNDS, plain + 1))

    def cleanup(self):
        for pid in self.masters:
            stop_pid(pid)
        for p in reversed(procs):
            stop(p)
        keep_or_remove(self.T)


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(124))
    need("ssh-callhomed", "ssh-callhome", "sshd-callhome",
         "tests/helpers/netconf-stub")
    if os.getuid() == 0 and not os.path.isdir("/run/sshd"):
        sys.exit("bench/setup.py: sshd needs /run/sshd (bench/run makes it)")
    os.makedirs(OUT, exist_ok=True)
    b = Bench()
    t0 = now()
    try:
        b.prepare()
        b.start()
        b.interleaved()
        # Before the masters: the A master keeps the device's only call.
        phases = b.where() if STRACE_ROUNDS and shutil.which("strace") \
            else None
        takes = b.mux()
        b.report(takes, now() - t0, phases)
    except BenchError as e:
        say("bench/setup.py: %s" % e)
        return 1
    finally:
        b.cleanup()
        with open(os.path.join(OUT, "setup.csv"), "w") as f:
            f.write("round,path,metric,seconds\n")
            for r in b.rows:
                f.write("%d,%s,%s,%.6f\n" % r)
        save("setup.txt")
    return 0


if __name__ == "__main__":
    sys.exit(main())
