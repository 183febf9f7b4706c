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

# NOTIFY_SOCKET: a datagram listener made by the test.
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
wait_for 5 -S "$T/notify"
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

# --startup-delay: a random splay before the first dial.
start_callhome --services=any --retry=1 --timeout=2 --startup-delay=2 -v \
    127.0.0.1:"$port"
check "--startup-delay: announced" wait_log 5 'startup delay'
check "--startup-delay: then it dials (within 2 s + slack)" \
    wait_log 5 'Connection refused'
stop_callhome

# A broken configuration is not READY: it exits 78 for systemd to see.
: >"$T/notes"
NOTIFY_SOCKET=$T/notify "$CALLHOME" --device-id=x \
    --sshd-config="$T/nonexistent" 127.0.0.1:"$port" 2>/dev/null
rc=$?
check "broken config: exit 78 ($rc)" test "$rc" -eq 78
check "broken config: no READY=1" sh -c "! grep -q READY '$T/notes'"
done_testing
