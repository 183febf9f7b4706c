#!/bin/bash
# 40: a management server that misbehaves.  It accepts and never speaks,
# answers with garbage, resets, cannot be resolved, or has a black-holed
# address first among its addresses.  Each time: no crash, no tight loop
# (calls counted over a window), and the next call within the bound the
# man page gives (LoginGraceTime before authentication, then backoff).

. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

setup_sshd
# LoginGraceTime bounds a silent NMS before authentication.
common="--services=any --retry=1 --timeout=2 --backoff-max=2 \
    --sshd-option=LoginGraceTime=3"

# fault name mode window min max: run against a misbehaving listener.
fault() {
	local name=$1 mode=$2 window=$3 min=$4 max=$5 n
	listener "$name" "$mode" --hold-time 60
	start_callhome $common 127.0.0.1:"$(eval echo \$PORT_$name)"
	sleep "$window"
	check "$name: still running after ${window} s" kill -0 "$CHPID"
	stop_callhome
	n=$(calls "$name")
	diag "$name: $n calls in $window s"
	check "$name: calls again ($n >= $min)" test "$n" -ge "$min"
	check "$name: no tight loop ($n <= $max)" test "$n" -le "$max"
	check "$name: exit 0 on SIGTERM ($RC)" test "$RC" -eq 0
	stop_listener "$name"
}

# Silent: each call lasts LoginGraceTime (3 s), is not answered: parked,
# so the same server is called again after the re-dial jitter.
fault silent silent 12 2 6
check "silent: sshd gave up on the silent client" \
    grep -q 'Timeout before authentication\|ended after [3-9]' "$T/ch.log"
# Garbage instead of a banner: sshd exits at once; backoff spaces calls.
fault garbage garbage 8 3 20
check "garbage: sshd said why" grep -qi 'protocol\|banner\|identification' \
    "$T/ch.log"
# Reset at once.
fault reset reset 8 3 24

# Unresolvable: logged, retried with backoff, never a crash.
start_callhome $common nonexistent.invalid
sleep 6
stop_callhome
n=$(grep -c 'cannot resolve' "$T/ch.log")
diag "unresolvable: $n lookups in 6 s"
check "unresolvable: keeps trying ($n >= 2)" test "$n" -ge 2
check "unresolvable: no tight loop ($n <= 15)" test "$n" -le 15
check "unresolvable: exit 0 ($RC)" test "$RC" -eq 0

# A name whose first address is black-holed: a private /etc/hosts in a
# mount namespace of the device's own (root only).
if ! private_mounts; then
	skip "black-holed first address, a private /etc/hosts: $NO_PRIVATE_MOUNTS"
else
	# glibc sorts 127.0.0.1 before 127.0.0.2 (RFC 6724, longest
	# matching prefix), so the black hole goes on 127.0.0.1.
	listener B blackhole --listen 127.0.0.1
	listener G hold --hold-time 30 --listen 127.0.0.2 --port "$PORT_B"
	printf '127.0.0.2 nms.test\n127.0.0.1 nms.test\n' >"$T/hosts"
	start_callhome_wrapped() {
		: >"$T/ch.log"
		bg unshare --mount --propagation private sh -c \
		    'mount --bind "$1" /etc/hosts && shift && exec "$@"' sh \
		    "$T/hosts" "$CALLHOME" --device-id=rtr-1 \
		    --sshd-config="$T/sshd_config" "$@" \
		    2> >(stamp >>"$T/ch.log")
		CHPID=$BGPID
	}
	START=$EPOCHREALTIME
	start_callhome_wrapped $common --timeout=6 nms.test:"$PORT_B"
	check "black hole first: the second address takes the call" \
	    wait_calls 8 G 1
	check "black hole first: the first address was tried and timed out" \
	    grep -q 'nms.test:[0-9]* \[127.0.0.1\]: connection timed out' \
	    "$T/ch.log"
	# Its share is 3 s of the 6 s attempt, counted from a moment after
	# START: never less, and not much more.  No time stamp (a failed
	# setup), no pass.
	t=$(grep -m1 'timed out' "$T/ch.log" | cut -d' ' -f1)
	if [[ $t =~ ^[0-9]+\.[0-9]+$ ]]; then
		dt=$(awk -v a="$START" -v b="$t" 'BEGIN { printf "%.1f", b - a }')
		diag "first address given up after $dt s of a 6 s attempt"
		check "black hole first: it got only its share of the attempt ($dt s in [2.5, 4.5])" \
		    awk -v d="$dt" 'BEGIN { exit !(d >= 2.5 && d <= 4.5) }'
	else
		not_ok "black hole first: its share of the attempt: no time stamp for the timeout in the log"
	fi
	stop_callhome
	stop_listener B
	stop_listener G
fi
done_testing
