#!/bin/bash
# 57: a device that vanishes leaves ssh-callhomed's list within the
# keepalive bound of --keepalive-interval and --keepalive-count,
# interval x (count + 1) seconds (ssh-callhomed(8), VANISHED DEVICES).
# Real devices (sshd-callhome + sshd -i), each in a network namespace of
# its own, call the daemon in a third one over veth pairs:
#   dev-r's TCP connection is reset (ss -K in its namespace): it leaves
#         the parked state at once, and parks again when it re-dials;
#   dev-b's namespace is blackholed (nftables drops every packet in and
#         out, so nothing answers and nothing is refused): with
#         --keepalive-interval=1 --keepalive-count=2 it is absent within
#         the 3 s bound (plus a margin for a busy machine), where the
#         default 120 s bound would keep it listed as parked.
# Bad values of the two options exit 64 with a message naming them.
. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

need_test_user
setup_sshd "$(unprivileged_user)"
[ -x "$NMSD" ] || skip_all "ssh-callhomed not built"
CTL=$T/control

# Bad values: usage, 64, and the option and its range in the message.
for bad in keepalive-interval=-1 keepalive-interval=3601 \
    keepalive-interval=2s keepalive-count=0 keepalive-count=101; do
	"$NMSD" --"$bad" --control="$T/c0" >/dev/null 2>"$T/bad.err"
	rc=$?
	if [ $rc -eq 64 ] &&
	    grep -q -- "--$bad: must be a number from [0-9]* to [0-9]*" "$T/bad.err"; then
		ok "--$bad exits 64 and says why"
	else
		not_ok "--$bad: exit $rc: $(cat "$T/bad.err")"
	fi
done
check "... and no control socket was made" [ ! -e "$T/c0" ]

need_netns "a reset and a blackholed device" nft ss

# Three namespaces: the NMS's, dev-r's and dev-b's; a veth pair from the
# NMS's to each device's.
NSN=chv$$n NSR=chv$$r NSB=chv$$b
netns_up() {
	netns_add $NSN $NSR $NSB &&
	    ip link add r0 netns $NSN type veth peer name r1 netns $NSR &&
	    ip link add b0 netns $NSN type veth peer name b1 netns $NSB &&
	    ip -n $NSN addr add 10.57.1.1/30 dev r0 &&
	    ip -n $NSR addr add 10.57.1.2/30 dev r1 &&
	    ip -n $NSN addr add 10.57.2.1/30 dev b0 &&
	    ip -n $NSB addr add 10.57.2.2/30 dev b1 &&
	    ip -n $NSN link set r0 up && ip -n $NSR link set r1 up &&
	    ip -n $NSN link set b0 up && ip -n $NSB link set b1 up
}
# Not in $(...): netns_add records the namespaces for cleanup.
if ! netns_up 2>"$T/netns.err"; then
	skip "cannot make network namespaces and veth pairs here: $(cat "$T/netns.err")"
	done_testing
	exit
fi

cat >"$T/devices" <<-DEVICES
	dev-r
	dev-b
	DEVICES
bg ip netns exec $NSN "$NMSD" --listen=:4334 --devices="$T/devices" \
    --secret-file="$NMS_SECRET" --control="$CTL" --keepalive-interval=1 \
    --keepalive-count=2 -v 2>"$T/d.log"
DPID=$BGPID
wait_for 10 -S "$CTL" || diag "the daemon did not start: $(cat "$T/d.log")"

# device id ns addr: a persistent device in namespace ns, as DEVUSER.  Its
# own keepalive is short too, so that it notices the daemon closed its
# call once packets flow again.
device() {
	BG_EXEC="${BG_EXEC:-} ip netns exec $2" as_device "$CALLHOME" \
	    --device-id="$1" --secret-file="$T/secret" \
	    --host-key="$T/host_ed25519.pub" --wait-for-client=0 \
	    --keepalive-interval=2 --keepalive-count=2 \
	    --sshd-config="$T/sshd_config" --retry=1 --timeout=5 \
	    --backoff-max=2 --redial-jitter=1 "$3:4334" \
	    >>"$T/$1.dev" 2>&1 </dev/null
}
bg device dev-r $NSR 10.57.1.1
DEV_R=$BGPID
bg device dev-b $NSB 10.57.2.1
if wait_until 20 is_state dev-r parked && wait_until 10 is_state dev-b parked; then
	ok "two devices in namespaces of their own are parked"
else
	not_ok "dev-r and dev-b parked"
	diag "$(raw)"; diag "$(tail -20 "$T/d.log")"; show dev-r; show dev-b
fi
check "... verified, from their own addresses" \
    [ "$(field dev-r 7) $(field dev-r 5) $(field dev-b 7) $(field dev-b 5)" = \
    "verified 10.57.1.2 verified 10.57.2.2" ]

# gone id secs: the device leaves the parked state, polled for at most
# secs (wait_until's tenths, longer on a busy machine).  AFTER is how
# long after T0 (date +%s) the daemon itself says it went: the SINCE of
# its absent state, in whole seconds, whatever the polling's pace.
gone() {
	wait_until "$2" is_state "$1" absent || return 1
	AFTER=$(($(field "$1" 4) - T0))
}

# (a) A reset.  dev-r's supervisor is stopped first: it would re-dial at
# once, and the absent state would be too short to see.
kill -STOP "$DEV_R"
calls_r=$(field dev-r 8)
AFTER=
T0=$(date +%s)
ip netns exec $NSR ss -K -tn dst 10.57.1.1 dport = :4334 >/dev/null 2>"$T/ss.err"
if gone dev-r 10 && [ "$AFTER" -le 1 ]; then
	ok "dev-r, its connection reset, is absent at once (${AFTER} s)"
else
	not_ok "dev-r after a reset: $(state dev-r), ${AFTER:-?} s"
	diag "$(cat "$T/ss.err")"; diag "$(tail -5 "$T/d.log")"
fi
check "... the daemon logged the hang-up" \
    grep -q "dev-r hung up its parked call" "$T/d.log"
kill -CONT "$DEV_R"
if wait_until 20 is_state dev-r parked && [ "$(field dev-r 8)" -gt "$calls_r" ]; then
	ok "dev-r re-dials and is parked again (call $(field dev-r 8))"
else
	not_ok "dev-r parked again: $(state dev-r), calls $(field dev-r 8)"
fi

# (b) A blackhole: dev-b's namespace drops every packet, in and out.
check "dev-b is still parked before its namespace is blackholed" \
    is_state dev-b parked
# The bound is 1 x (2 + 1) = 3 s after the last packet, which came less
# than 1 s before the blackhole (a probe or a probe's answer): absent 2
# to 3 s after it, plus 1 s of rounding and 1 s for a busy machine.  The
# default 120 s bound would leave it parked far beyond.
AFTER=
T0=$(date +%s)
ip netns exec $NSB nft -f - <<-'NFT'
	table inet blackhole {
		chain in { type filter hook input priority 0; policy drop; }
		chain out { type filter hook output priority 0; policy drop; }
	}
	NFT
if gone dev-b 15 && [ "$AFTER" -ge 1 ] && [ "$AFTER" -le 5 ]; then
	ok "dev-b, blackholed, is absent within the 3 s keepalive bound (${AFTER} s)"
else
	not_ok "dev-b blackholed: $(state dev-b), ${AFTER:-?} s (bound 3 s)"
	diag "$(tail -5 "$T/d.log")"
fi
check "... the daemon saw the keepalive end the call" \
    grep -q "dev-b hung up its parked call" "$T/d.log"
check "... dev-r, untouched, stays parked" is_state dev-r parked
ip netns exec $NSB nft delete table inet blackhole
# The device's own keepalive now meets the daemon's closed socket (a
# reset): its session ends and it calls again.
if wait_until 40 is_state dev-b parked; then
	ok "dev-b, reachable again, is parked again"
else
	not_ok "dev-b after the blackhole: $(state dev-b)"; show dev-b
fi

kill -TERM "$DPID"
wait_pid 10 "$DPID"
rc=$?
check "SIGTERM: the daemon exits 0 ($rc)" [ $rc -eq 0 ]
done_testing
