#!/bin/bash
# 13: periodic connections.  With --periodic=1 a call comes once a minute;
# with --idle-timeout sshd itself closes a session that stays idle.  This
# scenario waits for one whole period, so it takes a little over a minute.

. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

setup_sshd
PORT_N=$(free_port)

# First call: stock ssh logs in and then does nothing (-N).
rm -f "$T/port"
bg ssh_nms "$PYTHON $CALLRECV --port $PORT_N --port-file $T/port --lines 3" \
    -N "$DEVUSER@device" >"$T/out" 2>"$T/ssh.err"
sshpid=$BGPID
wait_for 10 -s "$T/port"
t0=$EPOCHREALTIME
start_callhome --services=any --retry=1 --timeout=5 --periodic=1 \
    --idle-timeout=3 127.0.0.1:"$PORT_N"
check "periodic: the first call is taken" wait_log 10 'session started'
wait_pid 30 "$sshpid"
rc=$?
# 124: the wait timed out and killed ssh; sshd closing makes ssh exit 255.
check "idle: sshd closed the idle session (ssh exited $rc by itself)" \
    test "$rc" -ne 124
check "idle: the session ended within the idle bound" \
    wait_log 15 'session ended after'
dt=$(grep -m1 'session ended after' "$T/ch.log" |
    sed 's/.*ended after \([0-9.]*\)s.*/\1/')
diag "idle session lasted $dt s (idle timeout 3 s)"
check "idle: closed after 3 s but well before the next period ($dt)" \
    awk -v d="$dt" 'BEGIN { exit !(d >= 2.5 && d < 20) }'
check "periodic: then it waits for the next period" \
    wait_log 5 'next call in'
check "periodic: no call in between" \
    test "$(grep -c 'session started' "$T/ch.log")" -eq 1

# The second call, one period after the first.
listener N hold --hold-time 1 --port "$PORT_N"
check "periodic: the second call arrives" wait_calls 75 N 1
t1=$(cut -d' ' -f1 "$T/N.log")
# callrecv stamps with its own monotonic clock; compare with wall time.
elapsed=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
diag "second call about $elapsed s after the first"
check "periodic: about one period (60 s) after the first ($elapsed)" \
    awk -v e="$elapsed" 'BEGIN { exit !(e >= 55 && e <= 75) }'
stop_callhome
check "periodic: exit 0 on SIGTERM ($RC)" test "$RC" -eq 0
done_testing
