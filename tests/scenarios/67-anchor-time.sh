#!/bin/bash
# 67: --periodic=1 --anchor-time in the past: the first call lands on the
# grid (anchor + k minutes) within a second, and a call that runs past
# the next grid point is followed by a call at the grid point after it,
# not by a burst to catch up.  About 70 s: one period and a little.

. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

setup_sshd

# An anchor a day and a few seconds ago, so that a grid point (every
# minute from the anchor) comes 4 s from now: G1.  Whole seconds.
now=${EPOCHREALTIME%.*}
G1=$((now + 4))
ANCHOR=$(date -u -d "@$((G1 - 86400 - 60 * 7))" +%Y-%m-%dT%H:%M:%SZ)
# The same instant, written with an offset: the zone must be honoured.
ANCHOR_OFS=$(TZ=UTC-5:30 date -d "@$((G1 - 86400 - 60 * 7))" \
    +%Y-%m-%dT%H:%M:%S+05:30)
diag "anchor $ANCHOR ($ANCHOR_OFS), first grid point $G1"

# The NMS answers like an SSH client and holds each call for 61 s: past
# the next grid point.
rm -f "$T/A.port"
bg $PYTHON "$CALLRECV" --mode hold --hold-time 61 --port-file "$T/A.port" \
    --log "$T/A.log" --log-wall --calls 10 --timeout 300
wait_for 10 -s "$T/A.port"
start_callhome --services=any --retry=1 --timeout=5 --periodic=1 \
    --anchor-time="$ANCHOR_OFS" --sshd-option=LoginGraceTime=90 \
    127.0.0.1:"$(cat "$T/A.port")"
check "it waits for the first grid point" \
    wait_log 5 'periodic: first call at the next grid point'
check "the first call comes" wait_calls 12 A 1
t1=$(awk 'NR == 1 { print $1 }' "$T/A.log")
diag "first call at $t1, grid point $G1"
check "the first call lands on the grid point, within 1 s after it ($t1 vs $G1)" \
    awk -v t="$t1" -v g="$G1" 'BEGIN { exit !(t >= g && t < g + 1) }'

# The call is held past the next grid point (G1 + 60) until G1 + 61 or so.
check "the session ends after the next grid point" \
    wait_log 75 'session ended after'
end=$(grep -m1 'session ended after' "$T/ch.log" | cut -d' ' -f1)
check "... indeed after it ($end vs $((G1 + 60)))" \
    awk -v t="$end" -v g="$((G1 + 60))" 'BEGIN { exit !(t > g) }'
check "then the next call is put at a grid point" \
    wait_log 5 'periodic: next call in'
line=$(grep -m1 'periodic: next call in' "$T/ch.log")
at=$(echo "$line" | cut -d' ' -f1)
wait=$(echo "$line" | sed 's/.*next call in \(-\{0,1\}[0-9]*\)s.*/\1/')
diag "$line"
# The grid point after the end is G1 + 120: no call to catch up on G1 + 60.
check "... the one after the end, G1 + 120, not at once ($at + $wait s)" \
    awk -v a="$at" -v w="$wait" -v g="$((G1 + 120))" \
    'BEGIN { exit !(a + w > g - 2 && a + w <= g + 1) }'
sleep 3
check "no call to catch up" test "$(calls A)" -eq 1
stop_callhome
check "exit 0 on SIGTERM ($RC)" test "$RC" -eq 0
done_testing
