#!/bin/bash
# 10: the server walk.  Several listeners on loopback: a server that is
# down is passed over, a session the NMS ends is followed by a new call,
# in-order goes back to the first server, sticky stays with the last good
# one (across restarts with --state-file), random spreads first calls.

. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

setup_sshd
common="--services=any --retry=1 --timeout=2 --backoff-max=4"

# strategy_run strategy: A down, B up; then A comes back.
strategy_run() {
	local strategy=$1
	rm -f "$T/A.log" "$T/B.log"
	PORT_A=$(free_port)
	listener B hold --hold-time 2
	start_callhome $common --reconnect-strategy="$strategy" \
	    --state-file="$T/state.$strategy" \
	    127.0.0.1:"$PORT_A" 127.0.0.1:"$PORT_B"
	check "$strategy: first server down, the second takes the call" \
	    wait_calls 10 B 1
	check "$strategy: the down server was tried first" \
	    grep -q "127.0.0.1:$PORT_A \[127.0.0.1\]: Connection refused" \
	    "$T/ch.log"
	listener A hold --hold-time 2 --port "$PORT_A"
	if [ "$strategy" = in-order ]; then
		check "in-order: after the session, back to the first server" \
		    wait_calls 15 A 1
		check "in-order: the NMS ended the session, a new call came" \
		    grep -q 'session ended after' "$T/ch.log"
	else
		check "sticky: the next call goes to the last good server" \
		    wait_calls 15 B 2
		check "sticky: the first server was not called" \
		    test "$(calls A)" -eq 0
		check "sticky: the state file names the last good server" \
		    grep -qx "127.0.0.1:$PORT_B" "$T/state.sticky"
	fi
	stop_callhome
	check "$strategy: SIGTERM, exit 0 ($RC)" test "$RC" -eq 0
	stop_listener A
	stop_listener B
}

strategy_run in-order
strategy_run sticky

# sticky across a restart: the state file picks the server.
rm -f "$T/A.log" "$T/B.log"
listener A hold --hold-time 30
listener B hold --hold-time 30
printf '127.0.0.1:%s\n' "$PORT_B" >"$T/state.restart"
start_callhome $common --reconnect-strategy=sticky \
    --state-file="$T/state.restart" 127.0.0.1:"$PORT_A" 127.0.0.1:"$PORT_B"
check "sticky restart: the state file's server is called first" \
    wait_calls 10 B 1
check "sticky restart: not the first listed" test "$(calls A)" -eq 0
stop_callhome
printf 'garbage\n' >"$T/state.bad"
start_callhome $common --reconnect-strategy=sticky \
    --state-file="$T/state.bad" 127.0.0.1:"$PORT_A" 127.0.0.1:"$PORT_B"
check "sticky: a state file naming no server is ignored" wait_calls 10 A 1
check "sticky: ... with a log line" wait_log 5 "names no configured server"
stop_callhome
stop_listener A
stop_listener B

# --redial-jitter: the wait after a healthy session.  LoginGraceTime=1
# makes each session (sshd waiting for a key exchange that never comes)
# last from 1 s to 1 + GRACE_JITTER s, which counts as healthy.
redial_gaps() {
	awk '/session ended after/ { e = $1 } / connected$/ && e { print $1 - e; e = 0 }' \
	    "$T/ch.log"
}
# sessions_ended n: the log shows n ended sessions (read afresh each time).
sessions_ended() {
	[ "$(grep -c 'session ended' "$T/ch.log")" -ge "$1" ]
}
listener R hold --hold-time 5
for jitter in 0 3; do
	start_callhome --services=any --retry=1 --timeout=2 \
	    --redial-jitter=$jitter --sshd-option=LoginGraceTime=1 \
	    127.0.0.1:"$PORT_R"
	check "--redial-jitter=$jitter: 7 sessions" \
	    wait_until $((7 * (1 + GRACE_JITTER + jitter) + 10)) sessions_ended 7
	stop_callhome
	gaps=$(redial_gaps | tr '\n' ' ')
	diag "--redial-jitter=$jitter: re-dial gaps $gaps"
	check "--redial-jitter=$jitter: every re-dial within $jitter s (+0.5)" \
	    test -n "$gaps" -a -z "$(redial_gaps | awk -v j=$jitter '$1 > j + 0.5')"
	[ "$jitter" -gt 0 ] || continue
	# Uniform over 0 to 3 s: six gaps or more, spread over more than
	# 0.3 s (all within 0.3 s of each other: about 1 in 20000).  None,
	# or always the same wait, fails.
	check "--redial-jitter=$jitter: the gaps are random, spread over more than 0.3 s" \
	    awk '{ if (NR == 1 || $1 < lo) lo = $1; if (NR == 1 || $1 > hi) hi = $1 }
		END { exit !(NR >= 6 && hi - lo > 0.3) }' < <(redial_gaps)
done
stop_listener R

# random: first calls of 12 one-shot runs land on more than one server.
rm -f "$T/A.log" "$T/B.log" "$T/C.log"
listener A hold --hold-time 0.3
listener B hold --hold-time 0.3
listener C hold --hold-time 0.3
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
	"$CALLHOME" --once --device-id=rtr-1 --sshd-config="$T/sshd_config" \
	    $common --reconnect-strategy=random 127.0.0.1:"$PORT_A" \
	    127.0.0.1:"$PORT_B" 127.0.0.1:"$PORT_C" 2>/dev/null
done
used=0
for l in A B C; do [ "$(calls $l)" -gt 0 ] && used=$((used + 1)); done
diag "first calls: A=$(calls A) B=$(calls B) C=$(calls C)"
check "random: 12 first calls spread over $used of 3 servers" \
    test "$used" -ge 2
check "random: one call per run" \
    test $(($(calls A) + $(calls B) + $(calls C))) -eq 12
done_testing
