#!/bin/bash
# Socket activation across a restart.  A holder (standing in for systemd)
# binds the listening socket once and runs ssh-callhomed on it as
# descriptor 3 with LISTEN_PID/LISTEN_FDS; on SIGUSR1 it stops the daemon
# (SIGTERM, by PID), waits for it, and starts a new one on the SAME socket.
# Meanwhile 50 devices call in a loop.  No dial may be refused or reset,
# and after a restart every device is parked again within its backoff.
#
# The 50 devices are a python caller fleet (one process, a thread each)
# sending valid, HMAC-signed preambles, not 50 sshd-callhome + sshd -i:
# with the churn wanted here (a call every ~0.5 s per device, so that the
# kernel queue is busy while the daemon restarts) real devices would start
# ~100 sshd -i a second on this shared 2-core machine.  Beside them, R=5
# real devices (sshd-callhome + sshd -i, --wait-for-client=0) stay parked
# and re-dial when a restart hangs up on them; their logs must show no
# "Connection refused" either.  53-broker-fleet covers a real fleet.
#
# BROKER_RESTART_REBIND=1 runs the holder without socket activation: each
# daemon binds its own listener (--listen), so the port is closed between
# the old daemon's exit and the new one's bind.  The test must then fail.
. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

N=50
R=5
BACKOFF=0.5	# a fleet device re-dials at most this long after a hang-up
need_test_user
setup_sshd "$(unprivileged_user)"
[ -x "$NMSD" ] || skip_all "ssh-callhomed not built"

port=$(free_port)
CTL=$T/control
parked_count() {
	raw | awk '$1 == "device" && $3 == "parked" && $7 == "verified" { n++ }
	    END { print n + 0 }'
}
all_parked() { [ "$(parked_count)" -eq $((N + R)) ]; }
# daemon k: the PID of the k-th daemon the holder started.
daemon() { sed -n "${1}p" "$T/daemons" 2>/dev/null; }

cat >"$T/holder.py" <<-'PY'
import os, signal, socket, sys, time
mode, port, pidfile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
cmd = sys.argv[4:]
sigs = {signal.SIGUSR1, signal.SIGTERM, signal.SIGCHLD}
signal.pthread_sigmask(signal.SIG_BLOCK, sigs)
sock = None
if mode == "activate":
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(1024)

def start():
    pid = os.fork()
    if pid == 0:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, sigs)
        if sock is not None:
            os.dup2(sock.fileno(), 3)
            os.set_inheritable(3, True)
            # LISTEN_PID names the process that execs the daemon: this one.
            os.environ["LISTEN_PID"] = str(os.getpid())
            os.environ["LISTEN_FDS"] = "1"
            os.execv(cmd[0], cmd)
        os.execv(cmd[0], cmd + ["--listen=127.0.0.1:%d" % port])
    with open(pidfile, "a") as f:
        f.write("%d\n" % pid)
    return pid

def stop(pid):
    os.kill(pid, signal.SIGTERM)
    for _ in range(100):
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)

pid = start()
while True:
    s = signal.sigtimedwait(sigs, 120)
    if s is None or s.si_signo == signal.SIGTERM:
        stop(pid)
        sys.exit(0)
    if s.si_signo == signal.SIGUSR1:
        stop(pid)
        pid = start()
    elif os.waitpid(pid, os.WNOHANG)[0] == pid:
        sys.exit("holder: the daemon died on its own")
PY

# The fleet: dev-1..dev-N; while $T/cycle exists each call is held
# 0.2-0.6 s and hung up, else until the daemon hangs up; then a re-dial
# after 0.05-BACKOFF s.  On $T/stop it writes its counts and exits.
cat >"$T/fleet.py" <<-'PY'
import errno, hmac, hashlib, os, random, select, socket, sys, threading, time
port, n, keyfile, secret, d, backoff = (int(sys.argv[1]), int(sys.argv[2]),
    sys.argv[3], sys.argv[4], sys.argv[5], float(sys.argv[6]))
key = " ".join(open(keyfile).read().split()[:2])
mac = hmac.new(open(secret, "rb").read().strip(), key.encode(),
    hashlib.sha1).hexdigest()
lock = threading.Lock()
count = {"dials": 0, "refused": 0, "reset": 0, "other": 0}
stop = lambda: os.path.exists(d + "/stop")

def note(what, dev, e):
    with lock:
        count[what] += 1
        with open(d + "/fleet.err", "a") as f:
            f.write("%.3f %s %s: %s\n" % (time.time(), dev, what, e))

def caller(dev):
    pre = ("MSG-ID: DEVICE-CONN-INFO\r\nMSG-VER: V1\r\nDEVICE-ID: %s\r\n"
           "HOST-KEY: %s\r\nHMAC: %s\r\n" % (dev, key, mac)).encode()
    while not stop():
        s = socket.socket()
        try:
            with lock:
                count["dials"] += 1
            s.connect(("127.0.0.1", port))
            s.sendall(pre)
            until = (time.time() + random.uniform(0.2, 0.6)
                     if os.path.exists(d + "/cycle") else None)
            while not stop() and (until is None or time.time() < until):
                if select.select([s], [], [], 0.1)[0] and not s.recv(4096):
                    break       # the daemon hung up
        except ConnectionRefusedError as e:
            note("refused", dev, e)
        except ConnectionResetError as e:
            note("reset", dev, e)
        except OSError as e:
            note("other", dev, e)
        s.close()
        time.sleep(random.uniform(0.05, backoff))

ts = [threading.Thread(target=caller, args=("dev-%d" % k,), daemon=True)
      for k in range(1, n + 1)]
for t in ts:
    t.start()
for _ in range(1200):
    if stop():
        break
    time.sleep(0.1)
for t in ts:
    t.join(5)
with open(d + "/fleet.count", "w") as f:
    f.write("dials %(dials)d refused %(refused)d reset %(reset)d "
            "other %(other)d\n" % count)
PY

mode=activate
[ -n "${BROKER_RESTART_REBIND:-}" ] && mode=rebind
bg "$PYTHON" "$T/holder.py" "$mode" "$port" "$T/daemons" \
    "$NMSD" --secret-file="$NMS_SECRET" --control="$CTL" \
    --preamble-timeout=5 2>"$T/d.log"
HPID=$BGPID
wait_until 10 listening "$port" 0100007F && wait_for 10 -S "$CTL" ||
    diag "the daemon did not start: $(cat "$T/d.log")"

touch "$T/cycle"
bg "$PYTHON" "$T/fleet.py" "$port" "$N" "$T/host_ed25519.pub" "$NMS_SECRET" \
    "$T" "$BACKOFF" 2>"$T/fleet.log"
FPID=$BGPID
# The real devices: re-dial within --backoff-max=2 + --redial-jitter=1.
for k in $(seq 1 $R); do
	bg as_device "$CALLHOME" -v --device-id="rdev-$k" --secret-file="$T/secret" \
	    --host-key="$T/host_ed25519.pub" --wait-for-client=0 \
	    --sshd-config="$T/sshd_config" --retry=1 --timeout=5 \
	    --backoff-max=2 --redial-jitter=1 "127.0.0.1:$port" \
	    >>"$T/rdev-$k.dev" 2>&1 </dev/null
done

# restart k: SIGUSR1 to the holder; until the k-th daemon runs and the
# one before it is gone.
restart() {
	local old
	old=$(daemon $(($1 - 1)))
	kill -USR1 "$HPID"
	wait_until 15 sh -c "[ -n \"\$(sed -n '$1p' '$T/daemons')\" ]" &&
	    wait_until 15 gone "$old"
}

# 1: restart while the fleet churns (a call every ~0.5 s per device).
sleep 3
if restart 2; then
	ok "restart under churn: daemon $(daemon 1) replaced by $(daemon 2)"
else
	not_ok "restart under churn"; diag "$(cat "$T/d.log")"
fi
sleep 3

# 2: the fleet holds its calls; all parked; restart; all parked again.
rm -f "$T/cycle"
if wait_until 20 all_parked; then
	ok "all $N + $R devices parked before the second restart"
else
	not_ok "$(parked_count) of $N + $R devices parked before the second restart"
fi
t0=$EPOCHREALTIME
restart 3 || diag "the third daemon did not start: $(cat "$T/d.log")"
if wait_until 20 all_parked; then
	t1=$EPOCHREALTIME
	ms=$(( (${t1/./} - ${t0/./}) / 1000 ))
	# The bound: the real devices' backoff (2 s + 1 s jitter; the fleet's
	# is BACKOFF) plus a margin for the restart on a shared, noisy machine.
	check "after the restart all $N + $R are parked again, verified, in ${ms} ms (bound 6000)" \
	    [ "$ms" -le 6000 ]
else
	not_ok "after the restart only $(parked_count) of $N + $R parked again"
	diag "$(raw | head -5)"
fi

touch "$T/stop"
wait_pid 20 "$FPID"
read -r _ dials _ refused _ reset _ other <"$T/fleet.count" ||
    dials=0 refused=none reset=none other=none
diag "fleet: $dials dials, $refused refused, $reset reset, $other other errors"
[ -s "$T/fleet.err" ] && diag "$(head -5 "$T/fleet.err")"
check "the fleet dialled through both restarts ($dials dials)" [ "$dials" -ge $((N * 4)) ]
check "no dial was refused ($refused)" [ "$refused" = 0 ]
check "no call was reset ($reset) and no other error ($other)" \
    [ "$reset" = 0 ] && [ "$other" = 0 ]
n=$(cat "$T"/rdev-*.dev | grep -c "Connection refused")
check "the real devices logged no refused dial ($n)" [ "$n" -eq 0 ]
n=$(cat "$T"/rdev-*.dev | grep -c ": connected$")
check "... and called again after the restarts ($n calls, at least $((R * 3)))" \
    [ "$n" -ge $((R * 3)) ]
n=$(grep -c "listening on 1 socket(s) from systemd" "$T/d.log")
check "each of the 3 daemons took the socket from the holder ($n)" [ "$n" -eq 3 ]

for p in $PIDS; do
	[ "$p" = "$HPID" ] || kill -TERM "$p" 2>/dev/null
done
kill -TERM "$HPID"
wait_pid 20 "$HPID"
check "the holder stopped the last daemon and exited 0" [ $? -eq 0 ]
done_testing
