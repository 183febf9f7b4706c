#!/bin/bash
# 14: operation.  --daemon with --pidfile detaches, refuses a second
# instance naming the first, and removes the pidfile on SIGTERM; under
# systemd (NOTIFY_SOCKET) READY=1 comes once the configuration is valid,
# before any server answers, and STATUS= follows every state change.

. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

setup_sshd
port=$(free_port)
args="--device-id=rtr-1 --sshd-config=$T/sshd_config --services=any \
    --retry=1 --timeout=2 --backoff-max=30"

# shellcheck disable=SC2086
"$CALLHOME" $args --daemon --pidfile="$T/pid" 127.0.0.1:"$port"
rc=$?
check "daemon: the parent returns 0 ($rc)" test "$rc" -eq 0
check "daemon: pidfile written" wait_for 5 -s "$T/pid"
dpid=$(cat "$T/pid")
PIDS="$PIDS $dpid"
check "daemon: pid $dpid is running" kill -0 "$dpid"
check "daemon: detached into its own session" \
    test "$(ps -o sid= -p "$dpid" | tr -d ' ')" = "$dpid"
"$CALLHOME" $args --daemon --pidfile="$T/pid" 127.0.0.1:"$port" \
    2>"$T/err2"
rc=$?
check "daemon: a second instance is refused (exit 73, got $rc)" \
    test "$rc" -eq 73
check "daemon: ... naming the running pid" \
    grep -q "already running as pid $dpid" "$T/err2"
title=$(tr '\0' ' ' <"/proc/$dpid/cmdline")
diag "process title: $title"
check "setproctitle shows the state" \
    sh -c "echo '$title' | grep -Eq 'backing off|dialing'"
kill -TERM "$dpid"
check "daemon: SIGTERM ends it" wait_until 10 gone "$dpid"
check "daemon: pidfile removed" test ! -e "$T/pid"

# NOTIFY_SOCKET: a datagram listener made by the test, one line per
# datagram in $T/notes; a probe of our own proves it receives.
notify_listener() {
	rm -f "$T/notify"
	: >"$T/notes"
	bg $PYTHON -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(1)
end = time.monotonic() + float(sys.argv[3])
with open(sys.argv[2], "w") as f:
    while time.monotonic() < end:
        try:
            f.write(s.recv(4096).decode() + "\n")
            f.flush()
        except socket.timeout:
            pass
' "$T/notify" "$T/notes" 20
	npid=$BGPID
	wait_for 5 -S "$T/notify" && notify_probe PROBE=1
}

# notify_probe line: send it to the listener and wait until it is noted:
# datagrams arrive in order, so whatever was sent before is noted too.
notify_probe() {
	$PYTHON -c 'import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendto(sys.argv[2].encode(), sys.argv[1])' "$T/notify" "$1" &&
	    wait_until 5 grep -qx "$1" "$T/notes"
}

check "notify: the test's listener receives" notify_listener
NOTIFY_SOCKET=$T/notify start_callhome --services=any --retry=1 --timeout=2 \
    --backoff-max=30 127.0.0.1:"$port"
check "notify: READY=1 although no server answers" \
    wait_until 10 grep -qx 'READY=1' "$T/notes"
check "notify: STATUS= says it is dialing" \
    wait_until 5 grep -q '^STATUS=dialing 127.0.0.1' "$T/notes"
check "notify: STATUS= says it is backing off" \
    wait_until 5 grep -q '^STATUS=backing off' "$T/notes"
stop_callhome
check "notify: STOPPING=1 on SIGTERM" \
    wait_until 5 grep -qx 'STOPPING=1' "$T/notes"
kill "$npid" 2>/dev/null
wait "$npid" 2>/dev/null

# A broken configuration is not READY: it exits 78 for systemd to see.
# A fresh listener, shown to receive before and after the run.
check "broken config: the test's listener receives" notify_listener
NOTIFY_SOCKET=$T/notify "$CALLHOME" --device-id=x \
    --sshd-config="$T/nonexistent" 127.0.0.1:"$port" 2>/dev/null
rc=$?
check "broken config: exit 78 ($rc)" test "$rc" -eq 78
check "broken config: the listener still receives" notify_probe PROBE=2
check "broken config: no READY=1" sh -c "! grep -q READY '$T/notes'"
kill "$npid" 2>/dev/null
wait "$npid" 2>/dev/null

# --startup-delay=4: a random splay before the first dial, uniform over
# 0 to 4 s, its whole seconds logged.  Four at once; for each, the time
# from the log line to the first dial is at least what it announced and
# less than a second more, and within 4 s: a supervisor that does not
# wait, or waits some other time, fails one of them.
for i in 1 2 3 4; do
	bg "$CALLHOME" --device-id=rtr-$i --sshd-config="$T/sshd_config" \
	    --services=any --retry=1 --timeout=2 --backoff-max=30 \
	    --startup-delay=4 -v 127.0.0.1:"$port" 2> >(stamp >"$T/sd.$i")
done
for i in 1 2 3 4; do
	if ! wait_until 8 grep -q 'Connection refused' "$T/sd.$i"; then
		not_ok "--startup-delay, run $i: no dial within 8 s"
		diag "$(cat "$T/sd.$i")"
		continue
	fi
	# "<stamp> sshd-callhome: startup delay Ns": N and its time.
	read -r t0 n < <(sed -n 's/^\([0-9.]*\) .*startup delay \([0-9]*\)s.*/\1 \2/p' \
	    "$T/sd.$i" | head -n 1)
	t1=$(grep -m1 'Connection refused' "$T/sd.$i" | cut -d' ' -f1)
	if [ -z "${n:-}" ] || [ -z "$t1" ]; then
		not_ok "--startup-delay, run $i: no announced delay in the log"
		diag "$(cat "$T/sd.$i")"
		continue
	fi
	dt=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
	check "--startup-delay, run $i: announced ${n}s, dialed after $dt s" \
	    awk -v n="$n" -v d="$dt" \
	    'BEGIN { exit !(d >= n - 0.2 && d < n + 1.5 && d <= 4.5) }'
	n=
done
done_testing
