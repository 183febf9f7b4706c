#!/bin/bash
# 69: with --periodic, a session that ends ungracefully (the NMS vanished:
# sshd's keepalive gave up on it) is re-dialled at once, not at the next
# period; one that the NMS closes waits for the next period.  The NMS
# vanishes behind a userspace proxy that goes silent, as in 41; no root.

. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

setup_sshd
KA="--keepalive-interval=1 --keepalive-count=2"

# --- Ungraceful: the NMS goes silent mid-session. ----------------------
freeze_nms
listener two hold --hold-time 30
start_callhome --services=any --retry=1 --timeout=2 --periodic=1 $KA \
    --sshd-option=LoginGraceTime=2 \
    127.0.0.1:"$(cat "$T/proxy.port")" 127.0.0.1:"$PORT_two"
check "ungraceful: the periodic session is up" wait_log 10 'Accepted publickey'
sleep 1
touch "$T/freeze"
check "ungraceful: sshd's keepalive ends the session" \
    wait_log 15 'session ended after'
# At once: the silent first server's unanswered call (2 s) and then the
# second server, with slack; the period is 60 s.
check "ungraceful: re-dialled at once, the second server has a call within 15 s (not at the next period)" \
    wait_calls 15 two 1
check "ungraceful: the log says why it does not wait for the period" \
    grep -q 'the connection was lost, not closed: calling again now' "$T/ch.log"
stop_callhome
check "ungraceful: exit 0 ($RC)" test "$RC" -eq 0
kill "$SSHPID" 2>/dev/null
stop_listener two
grep 'sshd-callhome:' "$T/ch.log" | tail -n 8 | sed 's/^/# /'

# --- Graceful: the NMS closes the session. -----------------------------
rm -f "$T/port"
bg ssh_nms "$PYTHON $CALLRECV --port-file $T/port --lines 3" \
    "$DEVUSER@device" -s netconf <"$T/client.xml" >"$T/out" 2>"$T/ssh.err"
sshpid=$BGPID
wait_for 10 -s "$T/port"
listener three hold --hold-time 30
start_callhome --services=netconf --retry=1 --timeout=2 --periodic=1 $KA \
    127.0.0.1:"$(cat "$T/port")" 127.0.0.1:"$PORT_three"
check "graceful: the NETCONF session ran and the NMS closed it" \
    wait_log 15 'session ended after'
check "graceful: it waits for the next period" wait_log 10 'next call in'
sleep 6
check "graceful: no call in between" test "$(calls three)" -eq 0
stop_callhome
wait_pid 10 "$sshpid"
stop_listener three
done_testing
