#!/bin/bash
# 19: --wait-for-client, a call parked at a broker.  sshd's LoginGraceTime
# in sshd_config is 2 s here; --wait-for-client replaces it for the call.
# A listener that takes calls and never speaks stands for a broker that
# parks them.  With 3 s, sshd ends each call after 3 s (not 2), and the
# device calls the same server again at once: a parked call is not a
# failed attempt, so no failover to the second server and no backoff.
# With 0 the call outlives sshd_config's 2 s.  And a real ssh session
# taken 5 s after the call came in still works.

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
    grep -q '^wait-for-client: 2 s (LoginGraceTime from sshd_config)' \
    "$T/check"
"$CALLHOME" --device-id=rtr-1 --wait-for-client=0 --keepalive-interval=0 \
    127.0.0.1:1 >/dev/null 2>"$T/err"
check "--wait-for-client=0 without keepalive: exit 64 ($?)" test $? -eq 64
check "... saying why" grep -q 'needs TCP keepalive' "$T/err"

# Parked at A for 3 s each time; B, second in the list, must never be
# called.  --backoff-max=30: a backoff after each parked call would show.
listener A silent --hold-time 60
listener B silent --hold-time 60
start_callhome --retry=1 --timeout=2 --redial-jitter=1 --backoff-max=30 \
    --wait-for-client=3 127.0.0.1:"$PORT_A" 127.0.0.1:"$PORT_B"
wait_calls 25 A 4
stop_callhome
stop_listener A
stop_listener B
diag "A: $(calls A) calls, B: $(calls B) calls"
check "3 s: the parked server is called again (A: $(calls A) >= 4)" \
    test "$(calls A)" -ge 4
check "3 s: no failover (B: $(calls B) calls)" test "$(calls B)" -eq 0
# Each parked call lasted the 3 s wait, not sshd_config's 2 s, and not
# much more.  The last one, which SIGTERM ended, does not count.
durations=$(awk '/ending the session/ { exit }
    match($0, /session ended after [0-9.]+s/) {
	print substr($0, RSTART + 20, RLENGTH - 21) }' "$T/ch.log")
diag "durations: $(echo $durations)"
n=0
bad=0
for d in $durations; do
	n=$((n + 1))
	awk -v d="$d" 'BEGIN { exit !(d >= 3.0 && d < 6.0) }' || bad=$((bad + 1))
done
check "3 s: sshd ended $n >= 3 calls" test "$n" -ge 3
check "3 s: each lasted from 3 s to under 6 s ($bad outside)" test "$bad" -eq 0
check "3 s: logged as parked" grep -q 'parked' "$T/ch.log"
# Accept to accept: 3 s of wait, up to 1 s of jitter, the dial; no backoff.
gaps=$(awk 'NR > 1 { printf "%.1f\n", $1 - prev } { prev = $1 }' "$T/A.log")
diag "A: gaps between calls: $(echo $gaps)"
bad=0
for g in $gaps; do
	awk -v g="$g" 'BEGIN { exit !(g >= 3.0 && g < 7.0) }' || bad=$((bad + 1))
done
check "3 s: re-dialled 3-7 s after the last call ($bad gaps outside)" \
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
done_testing
