"""What the benchmark scripts share (bench/bench.py, broker.py, setup.py,
restart.py): where the build tree and the results are, the report lines,
the fleet's secret, bounded waits.  The scripts find it next to them (their
own directory is first on sys.path).
"""
import os
import shutil
import socket
import sys
import time

E = os.environ
BUILD = os.path.abspath(E.get("BENCH_BUILDDIR", "."))
SRC = os.path.abspath(E.get("BENCH_SRCDIR", os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..")))
OUT = E.get("BENCH_OUT", os.path.join(BUILD, "bench", "out"))
now = time.monotonic

# Every line said, for the script's .txt in OUT.
lines = []


class BenchError(Exception):
    pass


def say(s=""):
    print(s, flush=True)
    lines.append(s)


def save(name):
    """The lines said so far, as OUT/name."""
    with open(os.path.join(OUT, name), "w") as f:
        f.write("\n".join(lines) + "\n")


def need(*files):
    """Exit, naming the first one missing, unless the build tree has these
    programs."""
    me = os.path.basename(sys.argv[0])
    for f in files:
        if not os.access(os.path.join(BUILD, f), os.X_OK):
            sys.exit("bench/%s: %s/%s is missing: run 'make bench'"
                     % (me, BUILD, f))


def write_secret(path):
    """The fleet's secret, private from its creation."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, b"bench-fleet-secret\n")
    os.close(fd)


def keep_or_remove(T):
    """The work directory goes, unless BENCH_KEEP asks to keep it."""
    if E.get("BENCH_KEEP"):
        say("kept " + T)
    else:
        shutil.rmtree(T, ignore_errors=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_until(secs, cond, step=0.02):
    end = now() + secs
    while now() < end:
        if cond():
            return True
        time.sleep(step)
    return cond()
