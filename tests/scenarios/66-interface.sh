#!/bin/bash
# 66: --interface: the device has two paths to the NMS, two veth pairs
# into the NMS's network namespace; the routing table prefers the first,
# which is broken (its far end is down).  Without --interface the call
# fails; with --interface naming the second path's device, the call goes
# through it: the NMS sees the second path's address.  An interface that
# does not exist is a clear failed attempt.  (No VRF module here: VRF
# devices are documented, SO_BINDTODEVICE is tested on a veth.)

. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

netns_usable || skip_all "$NO_NETNS"
setup_sshd
netns_pair if
A=if-a$$	# the preferred path, broken
B=if-b$$	# the working one
# Path A by hand: n$A, the NMS's end, stays down.
ip link add "$A" type veth peer name "n$A"
ip link set "$A" netns "$DEV"
ip link set "n$A" netns "$NMSNS"
ip -n "$DEV" link set "$A" up
veth "$DEV" "$B" "$NMSNS" "n$B"
ip -n "$DEV" addr add 10.82.1.1/24 dev "$A"
ip -n "$DEV" addr add 10.82.2.1/24 dev "$B"
ip -n "$NMSNS" addr add 10.82.1.2/24 dev "n$A"
ip -n "$NMSNS" addr add 10.82.2.2/24 dev "n$B"
ip -n "$NMSNS" addr add 10.82.9.10/32 dev lo
# Both routes lead to the NMS; A wins.
ip -n "$DEV" route add 10.82.9.10/32 via 10.82.1.2 dev "$A" metric 100
ip -n "$DEV" route add 10.82.9.10/32 via 10.82.2.2 dev "$B" metric 200
diag "$(ip -n "$DEV" route get 10.82.9.10)"

rm -f "$T/N.port" "$T/N.log"
bg ip netns exec "$NMSNS" $PYTHON "$CALLRECV" --mode hold --hold-time 1 \
    --listen 10.82.9.10 --port-file "$T/N.port" --log "$T/N.log" \
    --calls 10 --timeout 120
wait_for 10 -s "$T/N.port"
PORT=$(cat "$T/N.port")

once() {
	ip netns exec "$DEV" "$CALLHOME" --once --device-id=rtr-1 \
	    --sshd-config="$T/sshd_config" --services=any --retry=1 \
	    --timeout=2 "$@" 10.82.9.10:"$PORT" 2>"$T/once.log"
	RC=$?
}

once
check "no --interface: the preferred path is broken, the call fails ($RC)" \
    test "$RC" -eq 69
check "... and the NMS saw nothing" test "$(calls N)" -eq 0
once --interface="$B"
check "--interface=$B: the call is taken" wait_calls 5 N 1
check "--interface=$B: it came over path B ($(cut -d' ' -f2 "$T/N.log"))" \
    test "$(cut -d' ' -f2 "$T/N.log")" = 10.82.2.1
check "--interface=$B: --once ran the session ($RC)" test "$RC" -ne 69
once --interface="$A"
check "--interface=$A: the broken path fails ($RC)" test "$RC" -eq 69
once --interface=nosuch$$
check "--interface=nosuch: a failed attempt, exit 69 ($RC)" test "$RC" -eq 69
check "--interface=nosuch: the log names the interface and the error" \
    grep -q -- "--interface=nosuch$$: No such device" "$T/once.log"
ip netns exec "$DEV" "$CALLHOME" --check --device-id=rtr-1 \
    --sshd-config="$T/sshd_config" --services=any --interface="$B" \
    10.82.9.10 >"$T/check.out" 2>&1
check "--check shows the interface and its index" \
    grep -q "^interface: $B (index [0-9]*)" "$T/check.out"
ip netns exec "$DEV" "$CALLHOME" --check --device-id=rtr-1 \
    --sshd-config="$T/sshd_config" --services=any --interface=nosuch$$ \
    10.82.9.10 >"$T/check.out" 2>&1
rc=$?
check "--check warns about a missing interface" \
    grep -q "^interface: nosuch$$ (warning: no such interface now" \
    "$T/check.out"
check "... and still exits 0 ($rc): the interface may come later" \
    test "$rc" -eq 0
for p in $PIDS; do kill "$p" 2>/dev/null; done
check "nothing the test started is left in either namespace" \
    wait_until 5 netns_empty
done_testing
