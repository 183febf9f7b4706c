#!/bin/bash
# 11: backoff.  With nobody listening, passes are spaced by full-jitter
# delays whose windows double up to --backoff-max; a server that accepts
# and drops every call at once gets no tight loop either.  The bounds are
# generous: the machine is shared, only the shape is asserted.

. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

setup_sshd
port=$(free_port)

start_callhome --services=any --retry=1 --timeout=2 --backoff-max=4 \
    127.0.0.1:"$port"
sleep 14
stop_callhome
check "refused: SIGTERM during backoff, exit 0 ($RC)" test "$RC" -eq 0

grep 'Connection refused' "$T/ch.log" | cut -d' ' -f1 >"$T/times"
n=$(wc -l <"$T/times")
diag "attempts in 14 s: $n"
# Expected about 8: windows 1, 2, 4, 4 ... s, half of each on average.
check "refused: it keeps trying ($n attempts >= 4)" test "$n" -ge 4
check "refused: no tight loop ($n attempts <= 25)" test "$n" -le 25
# Gap k waits at most min(4, 2^(k-1)) s, plus slack for a busy machine.
awk 'NR > 1 {
	gap = $1 - prev; k = NR - 1
	w = 2 ^ (k - 1); if (w > 4) w = 4
	if (gap > w + 0.7) { printf "gap %d: %.2f s > %d s\n", k, gap, w; bad = 1 }
	if (gap < 0.9 * w) jittered = 1
	if (gap > max) max = gap
}
{ prev = $1 }
END { printf "longest gap %.2f s\n", max; exit bad ? 1 : (jittered ? 0 : 2) }' \
    "$T/times" >"$T/gaps"
rc=$?
diag "$(cat "$T/gaps")"
check "refused: every gap within its window, capped at --backoff-max" \
    test "$rc" -ne 1
check "refused: gaps are jittered, not fixed" test "$rc" -ne 2
check "refused: each pass is logged with its delay" \
    grep -q 'no server took the call; next pass in' "$T/ch.log"

# A server that accepts and closes at once.
listener D close
start_callhome --services=any --retry=1 --timeout=2 --backoff-max=4 \
    127.0.0.1:"$PORT_D"
sleep 10
stop_callhome
n=$(calls D)
diag "accept-and-close: $n calls in 10 s"
check "accept-and-close: keeps calling ($n >= 3)" test "$n" -ge 3
check "accept-and-close: no tight loop ($n <= 20)" test "$n" -le 20
check "accept-and-close: exit 0 on SIGTERM ($RC)" test "$RC" -eq 0
done_testing
