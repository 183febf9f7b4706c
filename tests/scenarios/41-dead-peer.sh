#!/bin/bash
# 41: the NMS vanishes mid-session, silently: no FIN, no RST.  sshd's
# keepalive (and TCP_USER_TIMEOUT) must end the session within
# interval x (count + 1) seconds, and the next call must reach the second
# server soon after.  As root: two network namespaces joined by a veth
# pair, with nftables dropping the first server's traffic.  As anyone: a
# userspace proxy that stops forwarding.

. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

setup_sshd
# Keepalive every 2 s, 2 missed: the session must end within the bound
# the manual gives, 2 x interval x (count + 1) = 12 s after silence.
KA="--keepalive-interval=2 --keepalive-count=2"
BOUND=12
# After the end: a re-dial within 1 s, the dead first server's 2 s attempt,
# then the second server; plus slack for a busy machine.
REDIAL_BOUND=$((BOUND + 1 + 2 + 4))

# logged_within t bound pattern: the first log line matching pattern came
# at most bound seconds after EPOCHREALTIME t (the moment the test made
# the peer silent), by its time stamp; the time in $DT.
logged_within() {
	local s
	s=$(grep -m1 -- "$3" "$T/ch.log" | cut -d' ' -f1)
	DT=none
	[ -n "$s" ] || return 1
	DT=$(awk -v a="$1" -v b="$s" 'BEGIN { printf "%.1f", b - a }')
	awk -v d="$DT" -v m="$2" 'BEGIN { exit !(d >= 0 && d <= m) }'
}

# --- Userspace: the proxy freezes. -----------------------------------
freeze_nms
listener two hold --hold-time 30
start_callhome --services=any --retry=1 --timeout=2 $KA \
    --sshd-option=LoginGraceTime=2 \
    127.0.0.1:"$(cat "$T/proxy.port")" 127.0.0.1:"$PORT_two"
check "proxy: the session is up (ssh logged in)" \
    wait_log 10 'Accepted publickey'
sleep 1
touch "$T/freeze"
t0=$EPOCHREALTIME
wait_log $((BOUND + 2)) 'session ended after'
logged_within "$t0" $((BOUND + 2)) 'session ended after'
check "proxy: silent NMS, the session ends within $BOUND s (+2 slack) of the silence ($DT s)" \
    test $? -eq 0
check "proxy: sshd's keepalive ended it" \
    grep -q 'Timeout, client not responding' "$T/ch.log"
# The bound counts from the silence, not from the session's end.
wait_calls "$REDIAL_BOUND" two 1
logged_within "$t0" "$REDIAL_BOUND" "127.0.0.1:$PORT_two \[127.0.0.1\]: connected"
check "proxy: the next call reaches the second server within $REDIAL_BOUND s of the silence ($DT s)" \
    test $? -eq 0
stop_callhome
kill "$SSHPID" 2>/dev/null
stop_listener two

# --- Root: network namespaces and nftables. ---------------------------
need_netns "netns dead peer" nft
netns_pair ch
veth "$DEV" "veth-d$$" "$NMSNS" "veth-n$$"
ip -n "$DEV" addr add 10.77.0.1/24 dev "veth-d$$"
ip -n "$NMSNS" addr add 10.77.0.2/24 dev "veth-n$$"
ip -n "$NMSNS" addr add 10.77.0.3/24 dev "veth-n$$"

in_nms() { ip netns exec "$NMSNS" "$@"; }
rm -f "$T/port"
bg ip netns exec "$NMSNS" ssh -F /dev/null -i "$T/user_key" -o IdentitiesOnly=yes \
    -o BatchMode=yes -o StrictHostKeyChecking=no \
    -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
    -o ProxyCommand="$PYTHON $CALLRECV --listen 10.77.0.2 --port-file $T/port --lines 3" \
    -o ProxyUseFdpass=yes -N "$DEVUSER@device" >"$T/out" 2>"$T/ssh.err"
wait_for 10 -s "$T/port"
rm -f "$T/two.port" "$T/two.log"
bg ip netns exec "$NMSNS" $PYTHON "$CALLRECV" --mode hold --listen 10.77.0.3 \
    --port-file "$T/two.port" --log "$T/two.log" --calls 10 --hold-time 30
wait_for 10 -s "$T/two.port"
: >"$T/ch.log"
bg ip netns exec "$DEV" "$CALLHOME" --device-id=rtr-1 \
    --sshd-config="$T/sshd_config" --services=any --retry=1 --timeout=2 \
    $KA --sshd-option=LoginGraceTime=2 10.77.0.2:"$(cat "$T/port")" \
    10.77.0.3:"$(cat "$T/two.port")" 2> >(stamp >>"$T/ch.log")
CHPID=$BGPID
check "netns: the session is up over the veth" wait_log 10 'Accepted publickey'
sleep 1
in_nms nft add table inet callhome
in_nms nft add chain inet callhome in \
    '{ type filter hook input priority 0; policy accept; }'
in_nms nft add rule inet callhome in ip daddr 10.77.0.2 drop
t0=$EPOCHREALTIME
wait_log $((BOUND + 2)) 'session ended after'
logged_within "$t0" $((BOUND + 2)) 'session ended after'
check "netns: packets dropped, the session ends within $BOUND s (+2 slack) of the drop ($DT s)" \
    test $? -eq 0
wait_calls "$REDIAL_BOUND" two 1
logged_within "$t0" "$REDIAL_BOUND" "10.77.0.3:[0-9]* \[10.77.0.3\]: connected"
check "netns: the next call reaches the second server within $REDIAL_BOUND s of the drop ($DT s)" \
    test $? -eq 0
check "netns: the dead first server was given up on" \
    grep -q '10.77.0.2:[0-9]* \[10.77.0.2\]: connection timed out' "$T/ch.log"
stop_callhome
check "netns: exit 0 ($RC)" test "$RC" -eq 0
for p in $PIDS; do kill "$p" 2>/dev/null; done
check "netns: nothing the test started is left in either namespace" \
    wait_until 5 netns_empty
done_testing
