#!/bin/bash
# 19: --wait-for-client, a call parked at a broker.  sshd's LoginGraceTime
# in sshd_config is 2 s here; --wait-for-client replaces it for the call.
# A listener that takes calls and never speaks stands for a broker that
# parks them.  With 7 s, sshd ends each call after 7 s (not 2; plus
# OpenSSH's jitter, GRACE_JITTER in lib.sh), and the device calls the
# same server again at once: a parked call is not a failed attempt, so
# no failover to the second server and no backoff.
# With 0 the call outlives sshd_config's 2 s (and its jitter).  And a real ssh session
# taken 5 s after the call came in still works.  As root, TCP keepalive
# ends a call that waits with 0 once its NMS has vanished.

. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

setup_sshd
sed -i 's/^LoginGraceTime .*/LoginGraceTime 2/' "$T/sshd_config"
grep -q '^LoginGraceTime 2$' "$T/sshd_config" || {
	not_ok "sshd_config: LoginGraceTime 2"
	done_testing
}

# --check shows the value, and what sshd gets.
"$CALLHOME" --device-id=rtr-1 --sshd-config="$T/sshd_config" \
    --wait-for-client=3 --check 127.0.0.1:1 >"$T/check" 2>&1
check "--check: exit 0" test $? -eq 0
check "--check: shows wait-for-client: 3 s" \
    grep -q '^wait-for-client: 3 s' "$T/check"
check "--check: sshd gets -o LoginGraceTime=3" \
    grep -q '^sshd: .* -o LoginGraceTime=3 ' "$T/check"
"$CALLHOME" --device-id=rtr-1 --sshd-config="$T/sshd_config" \
    --check 127.0.0.1:1 >"$T/check" 2>&1
check "--check: unset, sshd_config's LoginGraceTime (2 s) shown" \
    grep -q "^wait-for-client: 2 s (sshd's own LoginGraceTime)" \
    "$T/check"
"$CALLHOME" --device-id=rtr-1 --wait-for-client=0 --keepalive-interval=0 \
    127.0.0.1:1 >/dev/null 2>"$T/err"
check "--wait-for-client=0 without keepalive: exit 64 ($?)" test $? -eq 64
check "... saying why" grep -q 'needs TCP keepalive' "$T/err"

# Parked at A for W s each time; B, second in the list, must never be
# called.  --backoff-max=30: a backoff after each parked call would show.
# sshd arms LoginGraceTime plus up to GRACE_JITTER s (lib.sh), so W is
# past what sshd_config's 2 s can last: a call that ends before W s was
# not given the wait.  Each lasts at most W + GRACE_JITTER s, and 1 s of
# --redial-jitter.
W=$((2 + GRACE_JITTER + 1))
listener A silent --hold-time 60
listener B silent --hold-time 60
start_callhome --retry=1 --timeout=2 --redial-jitter=1 --backoff-max=30 \
    --wait-for-client=$W 127.0.0.1:"$PORT_A" 127.0.0.1:"$PORT_B"
wait_calls $((4 * (W + GRACE_JITTER + 1) + 10)) A 4
stop_callhome
stop_listener A
stop_listener B
diag "A: $(calls A) calls, B: $(calls B) calls"
check "$W s: the parked server is called again (A: $(calls A) >= 4)" \
    test "$(calls A)" -ge 4
check "$W s: no failover (B: $(calls B) calls)" test "$(calls B)" -eq 0
# Each parked call lasted the W s wait, not sshd_config's 2 s, and not
# much more than sshd's jitter (3 s of slack on a loaded machine); the
# listener would hold it for 60 s.  The last one, which SIGTERM ended,
# does not count.
durations=$(awk '/ending the session/ { exit }
    match($0, /session ended after [0-9.]+s/) {
	print substr($0, RSTART + 20, RLENGTH - 21) }' "$T/ch.log")
diag "durations: $(echo $durations)"
n=0
bad=0
most=$((W + GRACE_JITTER + 3))
for d in $durations; do
	n=$((n + 1))
	awk -v d="$d" -v w="$W" -v m="$most" \
	    'BEGIN { exit !(d >= w && d < m) }' || bad=$((bad + 1))
done
check "$W s: sshd ended $n >= 3 calls" test "$n" -ge 3
check "$W s: each lasted from $W s to under $most s ($bad outside)" \
    test "$bad" -eq 0
check "$W s: logged as parked" grep -q 'parked' "$T/ch.log"
# Accept to accept: the wait and sshd's jitter, up to 1 s of
# --redial-jitter, the dial, the same slack; no backoff (up to 30 s).
gaps=$(awk 'NR > 1 { printf "%.1f\n", $1 - prev } { prev = $1 }' "$T/A.log")
diag "A: gaps between calls: $(echo $gaps)"
bad=0
most=$((W + GRACE_JITTER + 1 + 3))
for g in $gaps; do
	awk -v g="$g" -v w="$W" -v m="$most" \
	    'BEGIN { exit !(g >= w && g < m) }' || bad=$((bad + 1))
done
check "$W s: re-dialled $W-$most s after the last call ($bad gaps outside)" \
    test "$bad" -eq 0

# 0: the call is held past sshd_config's 2 s for as long as we watch.
rm -f "$T/A.log"
listener A silent --hold-time 60
start_callhome --retry=1 --timeout=2 --wait-for-client=0 127.0.0.1:"$PORT_A"
check "0: called" wait_calls 10 A 1
sleep 8
check "0: one call, held for 8 s (A: $(calls A))" test "$(calls A)" -eq 1
check "0: sshd has not ended it" eval '! grep -q "session ended" "$T/ch.log"'
stop_callhome
stop_listener A

# A real ssh session after the call waited 5 s (past sshd_config's 2 s).
rm -f "$T/port" "$T/out"
bg ssh_nms "$PYTHON $CALLRECV --port-file $T/port --lines 3 --delay 5" \
    -s "$DEVUSER@device" netconf <"$T/client.xml" >"$T/out" 2>"$T/ssh.err"
sshpid=$BGPID
if wait_for 10 -s "$T/port"; then
	start=$EPOCHREALTIME
	as_device "$CALLHOME" --once --device-id=rtr-1 \
	    --sshd-config="$T/sshd_config" --retry=1 --timeout=5 \
	    --wait-for-client=20 "127.0.0.1:$(cat "$T/port")" \
	    2>"$T/callhome.err"
	rc=$?
	wait_pid 30 "$sshpid"
	took=$(awk -v a="$start" -v b="$EPOCHREALTIME" \
	    'BEGIN { printf "%.1f", b - a }')
	check "a session after 5 s of waiting: NETCONF <get> answered" \
	    grep -q '<rpc-reply.*message-id="101"><data>' "$T/out"
	check "... it did wait 5 s ($took s)" \
	    awk -v t="$took" 'BEGIN { exit !(t >= 5.0) }'
	check "... --once exits with sshd's status ($rc)" \
	    test "$rc" -eq 0 -o "$rc" -eq 255
else
	not_ok "a session after waiting: listener up"
fi

# --- Root: 0 and a dead NMS.  sshd sends no client-alive probes before
# authentication; the kernel's TCP keepalive, set by sshd-callhome, must
# still end a parked call whose NMS vanished (packets dropped), within
# 2 x interval x (count + 1) = 12 s, and the device must call again.
need_netns "0 and a dead NMS" nft
netns_pair w
veth "$DEV" "wveth-d$$" "$NMSNS" "wveth-n$$"
ip -n "$DEV" addr add 10.78.0.1/24 dev "wveth-d$$"
ip -n "$NMSNS" addr add 10.78.0.2/24 dev "wveth-n$$"
rm -f "$T/D.port" "$T/D.log"
bg ip netns exec "$NMSNS" $PYTHON "$CALLRECV" --mode silent \
    --listen 10.78.0.2 --port-file "$T/D.port" --log "$T/D.log" \
    --calls 10 --hold-time 120 --timeout 120
wait_for 10 -s "$T/D.port"
: >"$T/ch.log"
bg ip netns exec "$DEV" "$CALLHOME" --device-id=rtr-1 \
    --sshd-config="$T/sshd_config" --retry=1 --timeout=2 \
    --keepalive-interval=2 --keepalive-count=2 --wait-for-client=0 \
    --backoff-max=4 10.78.0.2:"$(cat "$T/D.port")" 2> >(stamp >>"$T/ch.log")
CHPID=$BGPID
check "dead NMS: parked over the veth" wait_calls 10 D 1
sleep 4
ip netns exec "$NMSNS" nft add table inet wfc
ip netns exec "$NMSNS" nft add chain inet wfc in \
    '{ type filter hook input priority 0; policy accept; }'
ip netns exec "$NMSNS" nft add rule inet wfc in ip daddr 10.78.0.2 drop
t0=$EPOCHREALTIME
wait_log 20 'session ended after'
s=$(grep -m1 'session ended after' "$T/ch.log" | cut -d' ' -f1)
dt=none
[ -n "$s" ] && dt=$(awk -v a="$t0" -v b="$s" 'BEGIN { printf "%.1f", b - a }')
check "dead NMS: keepalive ended the waiting call within 12 s (+3 slack) of the drop ($dt s)" \
    awk -v d="$dt" 'BEGIN { exit !(d >= 0 && d <= 15) }'
ip netns exec "$NMSNS" nft delete table inet wfc
# The listener takes one call at a time; its kernel queues the next.
two_calls() { [ "$(grep -c 'session started' "$T/ch.log")" -ge 2 ]; }
check "dead NMS: called again once it is back" wait_until 20 two_calls
stop_callhome
check "dead NMS: exit 0 ($RC)" test "$RC" -eq 0
for p in $PIDS; do kill "$p" 2>/dev/null; done
check "dead NMS: nothing the test started is left in either namespace" \
    wait_until 5 netns_empty
done_testing
