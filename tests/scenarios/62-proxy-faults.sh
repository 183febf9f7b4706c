#!/bin/bash
# 62: proxies that misbehave (tests/helpers/fakeproxy.py, on loopback).
# One that accepts and stays silent, and one that answers garbage, for
# both kinds of --proxy: each attempt ends within --timeout with one log
# line naming what the proxy did, and counts as a failed attempt, so the
# passes back off.  One that sends its success reply and the server's
# first bytes in the same segment: not a byte of what follows the reply
# is lost (sshd reads the early SSH line and goes on to its key
# exchange), and the server's name reached the proxy unresolved.
. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

FAKEPROXY=$top_srcdir/tests/helpers/fakeproxy.py
need_test_user
setup_sshd "$(unprivileged_user)"

# fake name mode [calls]: a fake proxy; its port in PORT_name, its log
# $T/name.calls; it exits after that many calls (50).
fake() {
	rm -f "$T/$1.port"
	bg $PYTHON "$FAKEPROXY" --mode "$2" --port-file "$T/$1.port" \
	    --log "$T/$1.calls" --timeout 120 --calls "${3:-50}"
	eval "PID_$1=$BGPID"
	wait_for 10 -s "$T/$1.port" || { not_ok "fake proxy $1 up"; return 1; }
	eval "PORT_$1=$(cat "$T/$1.port")"
}

# run_against secs proxy-url: a persistent sshd-callhome through the proxy
# for secs seconds, attempts of 2 s, passes backing off up to 4 s.
run_against() {
	start_callhome --services=any --retry=1 --timeout=2 --backoff-max=4 \
	    --proxy="$2" 127.0.0.1:4334
	sleep "$1"
	stop_callhome
}

# durations file: each connection's length (close - accept), one a line.
durations() {
	sed -n 's/^accept=\([0-9.]*\) close=\([0-9.]*\) .*/\1 \2/p' "$1" |
	    awk '{ printf "%.2f\n", $2 - $1 }'
}

fake silent silent
for kind in socks5 http; do
	: >"$T/silent.calls"
	run_against 10 "$kind://127.0.0.1:$PORT_silent"
	check "silent $kind: exit 0 on SIGTERM, even mid-handshake ($RC)" \
	    test "$RC" -eq 0
	n=$(grep -c "no complete answer from the proxy within the attempt's 2 s" "$T/ch.log")
	diag "silent $kind: $n attempts timed out in 10 s; $(grep -m1 'no complete answer' "$T/ch.log" | cut -d' ' -f2-)"
	check "silent $kind: attempts end at --timeout, logged ($n >= 2)" \
	    test "$n" -ge 2
	check "silent $kind: no tight loop ($n <= 5)" test "$n" -le 5
	check "silent $kind: the passes back off" \
	    grep -q 'no server took the call; next pass in' "$T/ch.log"
	# Every call the proxy saw ended after about --timeout, by the device.
	durations "$T/silent.calls" >"$T/silent.dur"
	diag "silent $kind: connections lasted $(tr '\n' ' ' <"$T/silent.dur")s"
	check "silent $kind: each held no longer than --timeout (2 s) + 2.5" \
	    awk '$1 > 4.5 { bad = 1 } END { exit bad || NR == 0 }' \
	    "$T/silent.dur"
	# Those that timed out: the last may have been cut by the SIGTERM.
	check "silent $kind: and not given up early (>= 1.5 s)" \
	    awk -v n="$n" 'NR <= n && $1 < 1.5 { bad = 1 }
		END { exit bad || NR == 0 }' "$T/silent.dur"
done
kill "$PID_silent" 2>/dev/null

fake garbage garbage
for kind in socks5 http; do
	run_against 8 "$kind://127.0.0.1:$PORT_garbage"
	case $kind in
	socks5) want='not a SOCKS5 reply: version 0x32, not 0x05' ;;
	http) want='not an HTTP reply: "220 mail.example ESMTP ready"' ;;
	esac
	n=$(grep -cF -- "$want" "$T/ch.log")
	diag "garbage $kind: $n attempts in 8 s; $(grep -m1 -F -- "$want" "$T/ch.log" | cut -d' ' -f2-)"
	check "garbage $kind: named in the log ($n >= 2)" test "$n" -ge 2
	check "garbage $kind: backed off, no tight loop ($n <= 14)" \
	    test "$n" -le 14
	check "garbage $kind: the passes back off" \
	    grep -q 'no server took the call; next pass in' "$T/ch.log"
	check "garbage $kind: exit 0 on SIGTERM ($RC)" test "$RC" -eq 0
done
kill "$PID_garbage" 2>/dev/null

# The reply and the server's first bytes in one segment.
for kind in socks5 http; do
	fake "early$kind" "early-$kind" 1
	eval "port=\$PORT_early$kind"
	device_start "early-$kind" rtr-1 nms.invalid:4334 \
	    --proxy="$kind://127.0.0.1:$port"
	wait_pid 30 "$DEVPID"
	eval "wait_pid 15 \$PID_early$kind"
	line=$(cat "$T/early$kind.calls")
	diag "early $kind: $line"
	case $kind in
	socks5) want='request=atyp=3 host=nms.invalid port=4334 ' ;;
	http) want='request=CONNECT_nms.invalid:4334_HTTP/1.1 ' ;;
	esac
	check "early $kind: the name went to the proxy unresolved" \
	    grep -qF -- "$want" "$T/early$kind.calls"
	if grep -q 'answered=yes' "$T/early$kind.calls"; then
		ok "early $kind: sshd got the bytes that came with the reply"
	else
		not_ok "early $kind: sshd got the bytes that came with the reply"
		diag "$(tail -n 8 "$T/early-$kind.dev")"
	fi
done

done_testing
