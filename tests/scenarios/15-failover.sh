#!/bin/bash
# 15: fail-over past a server that takes the call but never answers it.
# A call is answered once the NMS has sent a byte: its ssh client speaks
# first.  A accepts and closes every call at once (callrecv close, as a
# balancer without a backend would); B is a real NMS (stock ssh behind
# callrecv, running NETCONF <hello> and <get>).  In one pass (--once), each
# strategy goes past A to B.  Then the opposite mistake: a real NMS on A
# whose sessions are short (a <get>, 2 s, close) keeps the device on A.

. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

setup_sshd
common="--retry=2 --timeout=5 --backoff-max=2"

# nms tag port [seconds]: a real NMS for one call on port; ssh's status via
# wait_pid on NMSPID, its output in $T/tag.out.  With seconds, the session
# waits that long between the <get> and <close-session>.  callrecv gives up
# after 10 s without a call, so everything ends on its own.
nms_input() {
	local calls=$1 hold=$2 n=0
	if [ -z "$hold" ]; then
		cat "$T/client.xml"
		return
	fi
	# The 2 s count from the call, not from the start of ssh.
	while [ ! -s "$calls" ] && [ "$n" -lt 300 ]; do
		sleep 0.05
		n=$((n + 1))
	done
	sed -n 1,3p "$T/client.xml"
	sleep "$hold"
	sed -n 4p "$T/client.xml"
}
nms() {
	local tag=$1 port=$2 hold=${3:-}
	rm -f "$T/$tag.port" "$T/$tag.out" "$T/$tag.calls"
	nms_input "$T/$tag.calls" "$hold" | ssh_nms "$PYTHON $CALLRECV \
	    --port $port --port-file $T/$tag.port --log $T/$tag.calls \
	    --lines 3 --timeout 10" -s "$DEVUSER@device" netconf \
	    >"$T/$tag.out" 2>"$T/$tag.err" &
	NMSPID=$!
	PIDS="$PIDS $NMSPID"
	wait_for 10 -s "$T/$tag.port"
}

not_listening() {
	! listening "$1"
}

# once servers...: one pass (--once) with B's NMS waiting; DEVRC, SSHRC.
once() {
	: >"$T/once.log"
	bg "$CALLHOME" --once --device-id=rtr-1 --sshd-config="$T/sshd_config" \
	    $common "$@" 2>"$T/once.log"
	wait_pid 40 "$BGPID"
	DEVRC=$?
	wait_pid 20 "$NMSPID"
	SSHRC=$?
}

# --- One pass: past A, which drops every call, to B. -------------------
listener A close
for strategy in in-order sticky sticky-state; do
	name=$strategy
	opts=--reconnect-strategy=${strategy%-state}
	PORT_B=$(free_port)
	if [ "$strategy" = sticky-state ]; then
		name="sticky, the state file naming A"
		printf '127.0.0.1:%s\n' "$PORT_A" >"$T/state"
		opts="$opts --state-file=$T/state"
	fi
	rm -f "$T/A.log"
	nms b "$PORT_B" || { not_ok "$name: the NMS on B listens"; continue; }
	# shellcheck disable=SC2086
	once $opts 127.0.0.1:"$PORT_A" 127.0.0.1:"$PORT_B"
	if [ "$SSHRC" -eq 0 ] && netconf_ok b; then
		ok "$name: B's NMS got a NETCONF session in the same pass"
	else
		not_ok "$name: B's NMS got a NETCONF session in the same pass (ssh $SSHRC)"
		diag "$(tail -n 8 "$T/once.log")"
	fi
	check "$name: A took --retry=2 calls first ($(calls A))" \
	    test "$(calls A)" -eq 2
	check "$name: each of A's calls logged as not answered" \
	    test "$(grep -c "127.0.0.1:$PORT_A \[127.0.0.1\]: .*not answered" \
	    "$T/once.log")" -eq 2
	check "$name: --once ends with B's session, sshd's status ($DEVRC)" \
	    test "$DEVRC" -eq 0 -o "$DEVRC" -eq 255
	if [ "$strategy" = sticky-state ]; then
		check "$name: the state file now names B, not A" \
		    grep -qx "127.0.0.1:$PORT_B" "$T/state"
	fi
done

# random: eight one-pass runs over A1 A2 B; whichever server a pass
# starts at, B gets the session.
listener A2 close
rm -f "$T/A.log" "$T/A2.log"
got=0
for i in 1 2 3 4 5 6 7 8; do
	PORT_B=$(free_port)
	nms b "$PORT_B" || continue
	once --reconnect-strategy=random 127.0.0.1:"$PORT_A" \
	    127.0.0.1:"$PORT_A2" 127.0.0.1:"$PORT_B"
	if [ "$SSHRC" -eq 0 ] && netconf_ok b; then
		got=$((got + 1))
	else
		diag "random run $i: ssh $SSHRC, sshd-callhome $DEVRC"
		diag "$(tail -n 5 "$T/once.log")"
	fi
done
diag "random: A1 took $(calls A) calls, A2 $(calls A2), B answered $got of 8"
check "random: B's NMS got a session in every one-pass run ($got of 8)" \
    test "$got" -eq 8
# Else the runs above proved nothing: (1/3)^8 that no pass started at A.
check "random: some passes started at a server that drops calls" \
    test $(($(calls A) + $(calls A2))) -gt 0
stop_listener A
stop_listener A2

# --- A real NMS on A with short sessions keeps the device. ------------
# Each of A's sessions: NETCONF <hello> and <get>, then 2 s, then
# <close-session>: answered, and shorter than LoginGraceTime (30 s).

for strategy in sticky in-order; do
	PORT_A=$(free_port)
	listener B hold --hold-time 5
	rm -f "$T"/a*.calls "$T/state"
	good=0
	pids=
	nms a1 "$PORT_A" 2
	pids="$pids $NMSPID"
	start_callhome $common --reconnect-strategy="$strategy" \
	    --state-file="$T/state" 127.0.0.1:"$PORT_A" 127.0.0.1:"$PORT_B"
	# The next NMS listens as soon as the previous one has taken its
	# call, 2 s before that session ends; the fourth call is the proof.
	for k in 1 2 3; do
		wait_until 20 test -s "$T/a$k.calls" || break
		wait_until 10 not_listening "$PORT_A"
		nms "a$((k + 1))" "$PORT_A" 2
		pids="$pids $NMSPID"
	done
	check "$strategy: the fourth call went to A again" \
	    wait_until 20 test -s "$T/a4.calls"
	stop_callhome
	stop_listener B
	for p in $pids; do
		wait_pid 20 "$p" && good=$((good + 1))
	done
	n=$(grep -c 'session ended after [2-9]\.' "$T/ch.log")
	diag "$strategy: $good NMS sessions went well; $n sessions of 2-9 s"
	check "$strategy: A's first three short sessions went well ($good >= 3)" \
	    test "$good" -ge 3
	check "$strategy: they were short: 2-9 s, under LoginGraceTime ($n >= 3)" \
	    test "$n" -ge 3
	check "$strategy: B was never called ($(calls B))" test "$(calls B)" -eq 0
	check "$strategy: no call on A counted as not answered" \
	    sh -c "! grep -q 'not answered' '$T/ch.log'"
	check "$strategy: the state file names A" \
	    grep -qx "127.0.0.1:$PORT_A" "$T/state"
done
done_testing
