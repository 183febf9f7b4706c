#!/bin/bash
# Hostile callers: 500 connections, half silent and half sending one byte
# a second, from 127.0.0.2-127.0.0.5, each re-opened as soon as the daemon
# drops it.  Meanwhile 20 real devices (sshd-callhome + sshd -i,
# --wait-for-client=0) call, one every 0.2 s: each must be parked within
# 2 s of its start.
#
# The operator's tuning, as for sshd's MaxStartups: the hostile sources are
# few, so --per-source-max-startups=8 keeps them to 4 x 8 = 32 pending
# calls, below --max-startups=64:30:256 (the default, given explicitly):
# no random early drop starts while only they wait, and a real device is
# always admitted.  The default alone is not enough: without the
# per-source bound the attackers hold ~255 of 256 slots and most devices
# are parked only after 2-35 s.  BROKER_HOSTILE_UNTUNED=1 runs
# --max-startups=10 with no per-source bound instead: the attackers hold
# the table and the test must fail.
. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

N=20
HOSTILE=500
need_test_user
setup_sshd "$(unprivileged_user)"
[ -x "$NMSD" ] || skip_all "ssh-callhomed not built"

port=$(free_port)
CTL=$T/control

if [ -n "${BROKER_HOSTILE_UNTUNED:-}" ]; then
	tuning="--max-startups=10"
else
	tuning="--max-startups=64:30:256 --per-source-max-startups=8"
fi
# shellcheck disable=SC2086
bg "$NMSD" --listen=127.0.0.1:"$port" --secret-file="$NMS_SECRET" \
    --control="$CTL" --preamble-timeout=5 $tuning -vv 2>"$T/d.log"
DPID=$BGPID
wait_until 10 listening "$port" 0100007F && wait_for 10 -S "$CTL" ||
    diag "the daemon did not start: $(cat "$T/d.log")"

# The attackers: keep HOSTILE connections open, spread over 4 source
# addresses; odd ones send a byte of a preamble each second.  Re-opens at
# most 100 per 0.25 s.  Writes "open N opened M" to hostile.count each
# tick; exits on $T/stop.
cat >"$T/hostile.py" <<-'PY'
import os, selectors, socket, sys, time
port, n, d = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
junk = b"MSG-ID: DEVICE-CONN-INFO\r\nMSG-VER: V1\r\nDEVICE-ID: x" + b"y" * 4096
sel = selectors.DefaultSelector()
conns = {}              # slot -> [socket, bytes sent]
opened = 0
def dial(i):
    global opened
    s = socket.socket()
    s.setblocking(False)
    s.bind(("127.0.0.%d" % (2 + i % 4), 0))
    try:
        s.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    except OSError:
        s.close()
        return
    opened += 1
    conns[i] = [s, 0]
    sel.register(s, selectors.EVENT_READ, i)
last = 0
for _ in range(2400):   # 10 minutes at most
    if os.path.exists(d + "/stop"):
        break
    budget = 100
    for i in range(n):
        if i not in conns and budget > 0:
            dial(i)
            budget -= 1
    end = time.time() + 0.25
    while time.time() < end:
        for key, _ in sel.select(max(0, end - time.time())):
            i = key.data
            try:
                gone = not key.fileobj.recv(4096)
            except OSError:
                gone = True
            if gone:
                sel.unregister(key.fileobj)
                key.fileobj.close()
                del conns[i]
    if time.time() - last >= 1:
        last = time.time()
        for i, c in list(conns.items()):
            if i % 2 and c[1] < len(junk):
                try:
                    c[0].send(junk[c[1]:c[1] + 1])
                    c[1] += 1
                except OSError:
                    pass
    with open(d + "/hostile.count.new", "w") as f:
        f.write("open %d opened %d\n" % (len(conns), opened))
    os.rename(d + "/hostile.count.new", d + "/hostile.count")
PY
bg "$PYTHON" "$T/hostile.py" "$port" "$HOSTILE" "$T" 2>"$T/hostile.log"
HPID=$BGPID
hostile() {
	awk -v f="$1" '{ for (i = 1; i < NF; i++) if ($i == f) n = $(i + 1) }
	    END { print n + 0 }' "$T/hostile.count" 2>/dev/null || echo 0
}
hostile_up() { [ "$(hostile opened)" -ge "$HOSTILE" ]; }
check "the attackers opened $HOSTILE connections" wait_until 20 hostile_up
sleep 2
diag "attackers: $(cat "$T/hostile.count")"

# The devices, one every 0.2 s; the list polled every ~0.1 s to see when
# each is first parked.
declare -A started parked
k=0 np=0
deadline=$((SECONDS + 40))
while [ $SECONDS -lt $deadline ] && [ $np -lt $N ]; do
	if [ $k -lt $N ] && { [ $k = 0 ] ||
	    [ $(( ${EPOCHREALTIME/./} - ${started[dev-$k]/./} )) -ge 200000 ]; }; then
		k=$((k + 1))
		started[dev-$k]=$EPOCHREALTIME
		bg as_device "$CALLHOME" -v --device-id="dev-$k" \
		    --secret-file="$T/secret" --host-key="$T/host_ed25519.pub" \
		    --wait-for-client=0 --sshd-config="$T/sshd_config" \
		    --retry=1 --timeout=5 --backoff-max=2 --redial-jitter=1 \
		    "127.0.0.1:$port" >>"$T/dev-$k.dev" 2>&1 </dev/null
	fi
	now=$EPOCHREALTIME
	for id in $(raw | awk '$1 == "device" && $3 == "parked" && $7 == "verified" { print $2 }'); do
		[ -n "${parked[$id]:-}" ] && continue
		parked[$id]=$now
		np=$((np + 1))
	done
	sleep 0.1
done
slow='' worst=0
for i in $(seq 1 $N); do
	if [ -z "${parked[dev-$i]:-}" ]; then
		slow="$slow dev-$i(never)"
		continue
	fi
	ms=$(( (${parked[dev-$i]/./} - ${started[dev-$i]/./}) / 1000 ))
	[ "$ms" -gt "$worst" ] && worst=$ms
	[ "$ms" -le 2000 ] || slow="$slow dev-$i(${ms}ms)"
done
check "all $N devices parked within 2 s of their start (slowest ${worst} ms)${slow:+; not:$slow}" \
    [ -z "$slow" ]
diag "attackers: $(cat "$T/hostile.count")"
n=$(grep -c "too many pending calls from its address" "$T/d.log")
diag "daemon: $n callers dropped by --per-source-max-startups," \
    "$(grep -c "the pending table is full" "$T/d.log") by a full table"
check "the attack went on all along: still $HOSTILE open or re-opening" \
    [ "$(hostile opened)" -gt "$HOSTILE" ]
check "no device call was refused as unverified" \
    [ "$(raw | grep -c '^unknown dev-')" -eq 0 ]

touch "$T/stop"
wait_pid 10 "$HPID"
for p in $PIDS; do
	[ "$p" = "$DPID" ] || kill -TERM "$p" 2>/dev/null
done
kill -TERM "$DPID"
wait_pid 10 "$DPID"
check "the daemon exits 0 on SIGTERM" [ $? -eq 0 ]
done_testing
