#!/bin/bash
# 65: --bind: every call comes from the address (and port) given.  On
# loopback as anyone (127.0.0.2 is as local as 127.0.0.1); then, as root,
# from the second of two addresses on the device side of a veth pair
# between two network namespaces, IPv4 and IPv6.  The NMS side records
# each call's peer address and port.  Also: a fixed source port survives
# quick re-dials, and a server of the other address family fails clearly.

. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

setup_sshd

# nms name listen-address [netns]: a listener that logs "time addr port"
# per call, answers like an SSH client and closes after HOLD s (1).
nms() {
	local name=$1 addr=$2 ns=${3:-}
	rm -f "$T/$name.port" "$T/$name.log"
	bg ${ns:+ip netns exec "$ns"} $PYTHON "$CALLRECV" --mode hold \
	    --hold-time "${HOLD:-1}" --listen "$addr" --port-file "$T/$name.port" \
	    --log "$T/$name.log" --log-port --calls 20 --timeout 120
	eval "NPID_$name=$BGPID"
	wait_for 10 -s "$T/$name.port" || not_ok "listener $name up"
	eval "PORT_$name=$(cat "$T/$name.port")"
}

# once [netns] options... server: one call, --once; log in $T/once.log.
once() {
	local ns=
	if [ "$1" = -n ]; then ns=$2; shift 2; fi
	${ns:+ip netns exec "$ns"} "$CALLHOME" --once --device-id=rtr-1 \
	    --sshd-config="$T/sshd_config" --services=any --retry=1 \
	    --timeout=3 "$@" 2>"$T/once.log"
	RC=$?
}

# absent pattern file: no line of file matches.
absent() {
	! grep -qE -- "$1" "$2"
}

# peer name n: "addr port" of call n to listener name.
peer() {
	sed -n "${2}p" "$T/$1.log" | cut -d' ' -f2-
}

# --- Loopback, as anyone. ---------------------------------------------
nms L 127.0.0.1
once --bind=127.0.0.2 127.0.0.1:"$PORT_L"
check "loopback: the call was taken" wait_calls 5 L 1
check "loopback: it came from --bind=127.0.0.2 ($(peer L 1))" \
    test "$(peer L 1 | cut -d' ' -f1)" = 127.0.0.2
once 127.0.0.1:"$PORT_L"
wait_calls 5 L 2
check "loopback: without --bind, from 127.0.0.1 ($(peer L 2))" \
    test "$(peer L 2 | cut -d' ' -f1)" = 127.0.0.1

# A fixed port, re-dialled as fast as the backoff allows: 3 calls.
SPORT=$(free_port 127.0.0.3)
: >"$T/L.log"
start_callhome --services=any --retry=1 --timeout=3 --redial-jitter=0 \
    --backoff-max=2 --bind=127.0.0.3:"$SPORT" 127.0.0.1:"$PORT_L"
check "fixed port: three calls in a row" wait_calls 30 L 3
stop_callhome
check "fixed port: all from 127.0.0.3 port $SPORT" \
    test "$(cut -d' ' -f2- "$T/L.log" | sort -u)" = "127.0.0.3 $SPORT"
check "fixed port: no failed bind or connect on the way" \
    absent 'bind=|Cannot assign|in use' "$T/ch.log"
grep 'sshd-callhome:' "$T/ch.log" | grep -v 'session' | tail -n 4 | sed 's/^/# /'

# The other family: nothing to try, a clear line, a failed call.
if have_ipv6; then
	once --bind=127.0.0.2 "[::1]:$PORT_L"
	check "family: --once exits 69 when the only server is IPv6 ($RC)" \
	    test "$RC" -eq 69
	check "family: the log says why the address was not tried" \
	    grep -q '\[::1\]: not tried: --bind=127.0.0.2 is an IPv4 address, this is an IPv6 one' \
	    "$T/once.log"
else
	skip "family: no IPv6 loopback here"
	skip "family: no IPv6 loopback here"
fi
# An address this host does not have.
once --bind=192.0.2.1 127.0.0.1:"$PORT_L"
check "not ours: exit 69 ($RC)" test "$RC" -eq 69
check "not ours: the log names --bind and the error" \
    grep -q -- '--bind=192.0.2.1: bind: Cannot assign requested address' \
    "$T/once.log"
kill "$NPID_L" 2>/dev/null
wait "$NPID_L" 2>/dev/null

# --- Network namespaces, as root. ---------------------------------------
need_netns netns
netns_pair rb
veth "$DEV" "rb-d$$" "$NMSNS" "rb-n$$"
ip -n "$DEV" addr add 10.81.0.1/24 dev "rb-d$$"
ip -n "$DEV" addr add 10.81.0.2/24 dev "rb-d$$"
ip -n "$DEV" addr add fd81::1/64 dev "rb-d$$" nodad
ip -n "$DEV" addr add fd81::2/64 dev "rb-d$$" nodad
ip -n "$NMSNS" addr add 10.81.0.10/24 dev "rb-n$$"
ip -n "$NMSNS" addr add fd81::10/64 dev "rb-n$$" nodad

nms V4 10.81.0.10 "$NMSNS"
nms V6 fd81::10 "$NMSNS"
once -n "$DEV" 10.81.0.10:"$PORT_V4"
wait_calls 5 V4 1
check "netns: without --bind the kernel picks 10.81.0.1 ($(peer V4 1))" \
    test "$(peer V4 1 | cut -d' ' -f1)" = 10.81.0.1
once -n "$DEV" --bind=10.81.0.2 10.81.0.10:"$PORT_V4"
wait_calls 5 V4 2
check "netns: --bind=10.81.0.2, the NMS sees 10.81.0.2 ($(peer V4 2))" \
    test "$(peer V4 2 | cut -d' ' -f1)" = 10.81.0.2
once -n "$DEV" --bind=10.81.0.2:40123 10.81.0.10:"$PORT_V4"
wait_calls 5 V4 3
check "netns: --bind=10.81.0.2:40123, address and port ($(peer V4 3))" \
    test "$(peer V4 3)" = "10.81.0.2 40123"
once -n "$DEV" '[fd81::10]':"$PORT_V6"
wait_calls 5 V6 1
v6=$(peer V6 1 | cut -d' ' -f1)
case $v6 in fd81::1) other=fd81::2 ;; *) other=fd81::1 ;; esac
check "netns: IPv6 without --bind, the kernel picks one of ours ($v6)" \
    test "$v6" = fd81::1 -o "$v6" = fd81::2
once -n "$DEV" --bind="[$other]:40124" '[fd81::10]':"$PORT_V6"
wait_calls 5 V6 2
check "netns: --bind=[$other]:40124, the other one, the NMS sees it ($(peer V6 2))" \
    test "$(peer V6 2)" = "$other 40124"

# Quick re-dials from a fixed port over the veth (not loopback, where
# the kernel is more lenient about TIME_WAIT).
: >"$T/V4.log"
: >"$T/ch.log"
bg ip netns exec "$DEV" "$CALLHOME" --device-id=rtr-1 \
    --sshd-config="$T/sshd_config" --services=any --retry=1 --timeout=3 \
    --redial-jitter=0 --backoff-max=2 --bind=10.81.0.2:40125 \
    10.81.0.10:"$PORT_V4" 2> >(stamp >>"$T/ch.log")
CHPID=$BGPID
check "netns fixed port: three calls in a row" wait_calls 30 V4 3
stop_callhome
check "netns fixed port: all from 10.81.0.2 port 40125" \
    test "$(cut -d' ' -f2- "$T/V4.log" | sort -u)" = "10.81.0.2 40125"
check "netns fixed port: no failed bind or connect on the way" \
    absent 'bind=|Cannot assign|in use' "$T/ch.log"
# The device closes first (sshd gives up waiting for the client after
# 1 s), so its side keeps that connection in TIME_WAIT: the next call to
# the same server from the same address and port is refused by the
# kernel (a clear line), and the call to the next server from the same
# port must still bind (SO_REUSEADDR).  Without TCP timestamps: with
# them, Linux lets a connect() from an explicitly bound port take over a
# TIME_WAIT that saw timestamps, and whether it does depends on timing.
ip netns exec "$DEV" sysctl -qw net.ipv4.tcp_timestamps=0 ||
	not_ok "netns: TCP timestamps off in the device's namespace"
HOLD=30 nms H 10.81.0.10 "$NMSNS"
nms TW 10.81.0.10 "$NMSNS"
: >"$T/ch.log"
bg ip netns exec "$DEV" "$CALLHOME" --device-id=rtr-1 \
    --sshd-config="$T/sshd_config" --services=any --retry=1 --timeout=3 \
    --redial-jitter=0 --backoff-max=2 --wait-for-client=1 \
    --bind=10.81.0.2:40126 10.81.0.10:"$PORT_H" 10.81.0.10:"$PORT_TW" \
    2> >(stamp >>"$T/ch.log")
CHPID=$BGPID
check "TIME_WAIT: the first server's call ended by the device" \
    wait_log 10 'session ended after'
check "TIME_WAIT: the same server again from the same port: a clear line" \
    wait_log 15 'the source port of --bind is still in TIME_WAIT towards this server'
check "TIME_WAIT: the next server is called from the same port" \
    wait_calls 10 TW 1
stop_callhome
check "TIME_WAIT: ... from 10.81.0.2 port 40126 ($(peer TW 1))" \
    test "$(peer TW 1)" = "10.81.0.2 40126"
check "TIME_WAIT: no bind failed on the way" \
    absent 'bind: ' "$T/ch.log"
grep 'sshd-callhome:' "$T/ch.log" | grep -v session | tail -n 6 | sed 's/^/# /'

for p in $PIDS; do kill "$p" 2>/dev/null; done
check "netns: nothing the test started is left in either namespace" \
    wait_until 5 netns_empty
done_testing
