#!/bin/bash
# ssh-callhome without --fdpass: a relay between stdin/stdout and the call,
# as stock ssh's ProxyCommand (ProxyUseFdpass no), over 127.0.0.1 and ::1,
# with and without a secret; then the relay's own behaviour at the edges:
# the banner passes untouched, half-close, either side closing, signals.
. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

need_test_user
setup_sshd "$(unprivileged_user)"
[ -x "$NMS" ] || skip_all "ssh-callhome not built"

for addr in 127.0.0.1 ::1; do
	if [ "$addr" = ::1 ] && ! have_ipv6; then
		skip "no IPv6 loopback: relay over ::1 without a secret"
		skip "no IPv6 loopback: relay over ::1 with a secret"
		continue
	fi
	port=$(free_port "$addr")
	case $addr in *:*) dial="[$addr]:$port" ;; *) dial="$addr:$port" ;; esac

	tag=plain-$addr
	nms_ssh_start "$tag" none "" no rly-a "$port" --listen="$dial" \
	    --device-id=rly-a --timeout=30 || diag "no listener on $dial"
	device_start "$tag" rly-a "$dial"
	wait_pid 40 "$SSHPID"
	rc=$?
	wait_pid 20 "$DEVPID" >/dev/null
	if [ "$rc" -eq 0 ] && netconf_ok "$tag"; then
		ok "relay over $addr without a secret: NETCONF hello and <get>"
	else
		not_ok "relay over $addr without a secret (ssh $rc)"
		show "$tag"
	fi

	tag=secret-$addr
	port=$(free_port "$addr")
	case $addr in *:*) dial="[$addr]:$port" ;; *) dial="$addr:$port" ;; esac
	: >"$T/kh-$addr"
	nms_ssh_start "$tag" "$T/kh-$addr" rly-b no rly-b "$port" \
	    --listen="$dial" --device-id=rly-b --timeout=30 \
	    --secret-file="$NMS_SECRET" --known-hosts="$T/kh-$addr" ||
	    diag "no listener on $dial"
	device_start "$tag" rly-b "$dial" --secret-file="$T/secret"
	wait_pid 40 "$SSHPID"
	rc=$?
	wait_pid 20 "$DEVPID" >/dev/null
	if [ "$rc" -eq 0 ] && netconf_ok "$tag" &&
	    grep -q '^rly-b ' "$T/kh-$addr"; then
		ok "relay over $addr with a secret: known_hosts written, strict check passes"
	else
		not_ok "relay over $addr with a secret (ssh $rc)"
		show "$tag"
	fi
done

# The relay itself, with a device made up here: what it sends after its
# preamble must come out byte for byte, the client's EOF must reach it as a
# half-close, and its answer must still come back.
port=$(free_port)
printf 'SSH-2.0-fake\r\nhello from the device\n' >"$T/banner"
printf '0123456789' >"$T/ten"
bg "$NMS" --listen="127.0.0.1:$port" --timeout=20 <"$T/ten" \
    >"$T/halfclose.out" 2>"$T/halfclose.err"
nms=$BGPID
wait_until 10 listening "$port"
bg "$PYTHON" "$FAKEDEV" --connect 127.0.0.1 --port "$port" \
    --device-id=rly-c --data "$T/banner" --then answer --max-time 15
dev=$BGPID
wait_pid 20 "$nms"
rc=$?
wait_pid 20 "$dev"
printf 'SSH-2.0-fake\r\nhello from the device\ngot 10 bytes\n' >"$T/want"
if [ "$rc" -eq 0 ] && cmp -s "$T/want" "$T/halfclose.out"; then
	ok "relay: preamble removed, banner untouched, half-close passed on, answer delivered, exit 0"
else
	not_ok "relay half-close (exit $rc)"
	diag "$(od -c "$T/halfclose.out" | head)"
	show halfclose
fi

# The device closes first while the client's side stays open: the relay
# ends by itself once the device's bytes are out.
mkfifo "$T/fifo"
exec 3<>"$T/fifo"
port=$(free_port)
bg "$NMS" --listen="127.0.0.1:$port" --timeout=20 <"$T/fifo" \
    >"$T/devclose.out" 2>"$T/devclose.err"
nms=$BGPID
wait_until 10 listening "$port"
bg "$PYTHON" "$FAKEDEV" --connect 127.0.0.1 --port "$port" \
    --device-id=rly-d --data "$T/banner" --then close
dev=$BGPID
wait_pid 10 "$nms"
rc=$?
wait_pid 10 "$dev"
printf 'SSH-2.0-fake\r\nhello from the device\n' >"$T/want"
if [ "$rc" -eq 0 ] && cmp -s "$T/want" "$T/devclose.out"; then
	ok "relay: the device's close ends it while stdin is still open"
else
	not_ok "relay after the device's close (exit $rc)"
	show devclose
fi

# SIGTERM, as paramiko's ProxyCommand.close() sends: a clean exit, and the
# device sees its connection closed.
port=$(free_port)
bg "$NMS" --listen="127.0.0.1:$port" --timeout=20 <"$T/fifo" \
    >"$T/term.out" 2>"$T/term.err"
nms=$BGPID
wait_until 10 listening "$port"
bg "$PYTHON" "$FAKEDEV" --connect 127.0.0.1 --port "$port" \
    --device-id=rly-e --data "$T/banner" --then hold --hold 15 \
    --report "$T/term.report"
dev=$BGPID
wait_until 10 test -s "$T/term.out"
kill -TERM "$nms"
wait_pid 10 "$nms"
rc=$?
wait_pid 20 "$dev"
if [ "$rc" -eq 0 ] && [ "$(cat "$T/term.report" 2>/dev/null)" = peer-closed ]; then
	ok "relay: SIGTERM ends it with status 0 and closes the call"
else
	not_ok "relay and SIGTERM (exit $rc, device: $(cat "$T/term.report" 2>/dev/null))"
	show term
fi

# A client that stops reading (its end of our stdout closed): the relay
# notices and ends, rather than waiting for the device.
{ cat "$T/banner"; head -c 1048576 /dev/zero; } >"$T/mega"
port=$(free_port)
bg sh -c "exec \"$NMS\" --listen=127.0.0.1:$port --timeout=20 <\"$T/fifo\" 2>\"$T/gone.err\" | head -c 10 >/dev/null"
pipeline=$BGPID
wait_until 10 listening "$port"
bg "$PYTHON" "$FAKEDEV" --connect 127.0.0.1 --port "$port" \
    --device-id=rly-f --data "$T/mega" --then hold --hold 15 \
    --report "$T/gone.report"
dev=$BGPID
wait_pid 10 "$pipeline"
rc=$?
wait_pid 20 "$dev"
if [ "$rc" -ne 124 ] && [ "$(cat "$T/gone.report" 2>/dev/null)" = peer-closed ]; then
	ok "relay: a client gone away ends it and closes the call"
else
	not_ok "relay after the client went away (status $rc, device: $(cat "$T/gone.report" 2>/dev/null))"
	show gone
fi
exec 3>&-

done_testing
