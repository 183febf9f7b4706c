#!/bin/bash
# Calls ssh-callhome must refuse, each with a clear log line and without
# writing known_hosts, while it goes on waiting for the right device: a
# wrong secret, no HMAC, another DEVICE-ID, an overlong line, a sender that
# never finishes, binary garbage, a close mid-preamble.  Then many callers
# at once: the pending-call limit, and the right device let in past a slow
# caller.
. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

need_test_user
setup_sshd "$(unprivileged_user)"
[ -x "$NMS" ] || skip_all "ssh-callhome not built"

ed=$(pubkey "$T/host_ed25519.pub")
printf 'not-the-secret\n' >"$T/wrong-secret"
chmod 600 "$T/wrong-secret"
: >"$T/kh"

port=$(free_port)
nms_ssh_start hostile "$T/kh" good yes good "$port" --fdpass \
    --listen="127.0.0.1:$port" --device-id=good --secret-file="$NMS_SECRET" \
    --known-hosts="$T/kh" --preamble-timeout=2 --timeout=90 ||
    diag "ssh-callhome is not listening"
log=$T/hostile.err

# lines n pattern file: file has at least n lines matching pattern.
lines() {
	[ "$(grep -c -- "$2" "$3")" -ge "$1" ]
}

n=0
# refused what pattern fakedev-args...: one hostile call, its log line.
refused() {
	local what=$1 pat=$2
	shift 2
	n=$((n + 1))
	bg "$PYTHON" "$FAKEDEV" --connect 127.0.0.1 --port "$port" \
	    --max-time 10 "$@"
	if wait_until 10 lines "$n" 'refused: ' "$log" &&
	    grep 'refused: ' "$log" | sed -n "${n}p" | grep -q -- "$pat"; then
		ok "$what: refused ($(grep 'refused: ' "$log" | sed -n "${n}p" | sed 's/.*refused: //'))"
	else
		not_ok "$what: no log line matching '$pat'"
		diag "$(tail -n 5 "$log")"
		n=$(grep -c 'refused: ' "$log")
	fi
	wait_pid 10 "$BGPID"
}

refused "a wrong secret" 'DEVICE-ID "good") refused: HMAC does not match' \
    --device-id good --key "$ed" --secret "$T/wrong-secret" --then hold \
    --hold 3
refused "no HOST-KEY/HMAC when a secret is required" \
    'no HOST-KEY and HMAC, but a secret is configured' \
    --device-id good --data <(printf 'SSH-2.0-OpenSSH_9.2\r\n') --then hold \
    --hold 3
refused "another DEVICE-ID (right secret)" \
    'DEVICE-ID "intruder" is not the expected "good"' \
    --device-id intruder --key "$ed" --secret "$T/secret" --then hold \
    --hold 3
{ printf 'MSG-ID: '; head -c 6000 /dev/zero | tr '\0' A; printf '\r\n'; } \
    >"$T/long"
refused "an overlong line" 'preamble line too long' --data "$T/long" \
    --then hold --hold 3
refused "a sender that never finishes" 'no complete preamble within 2 s' \
    --device-id good --key "$ed" --secret "$T/secret" --byte-delay 0.2 \
    --max-time 6
{ printf '\0\377\r\n'; head -c 300 /dev/urandom; } >"$T/garbage"
refused "binary garbage" 'unexpected preamble line' --data "$T/garbage" \
    --then hold --hold 3
printf 'MSG-ID: DEVICE-CONN-INFO\r\nMSG-VER: V1\r\nDEVI' >"$T/half"
refused "a close mid-preamble" 'closed the connection during the preamble' \
    --data "$T/half" --then close
refused "a close after three lines" \
    'closed the connection during the preamble' --device-id good \
    --then close
refused "a connection that sends nothing and closes" \
    'closed the connection without sending anything' --then close
refused "no preamble at all (RFC 8071) when a secret is required" \
    'no preamble, but a secret is configured' \
    --data <(printf 'SSH-2.0-OpenSSH_9.2\r\n') --then hold --hold 3
refused "a HOST-KEY that is not a key" 'not base64' --data \
    <(printf 'MSG-ID: DEVICE-CONN-INFO\r\nMSG-VER: V1\r\nDEVICE-ID: good\r\nHOST-KEY: ssh-ed25519 !!!\r\n') \
    --then hold --hold 3

check "known_hosts not written by any refused call" [ ! -s "$T/kh" ]
a='[A-Za-z0-9]'
check "no temporary file beside it" \
    [ "$(find "$T" -name "kh.$a$a$a$a$a$a" | wc -l)" -eq 0 ]
check "ssh-callhome still waiting after all of them" kill -0 "$SSHPID"
if grep -qi 'sanitizer\|runtime error\|segmentation' "$log"; then
	not_ok "no crash or sanitizer report"
else
	ok "no crash or sanitizer report"
fi

device_start hostile good "127.0.0.1:$port" --secret-file="$T/secret"
wait_pid 40 "$SSHPID"
rc=$?
wait_pid 20 "$DEVPID" >/dev/null
if [ "$rc" -eq 0 ] && netconf_ok hostile &&
    [ "$(cut -d' ' -f1 "$T/kh")" = good ] && [ "$(wc -l <"$T/kh")" -eq 1 ]; then
	ok "then the right device is accepted, verified and recorded"
else
	not_ok "the right device after the hostile ones (ssh $rc)"
	show hostile
fi

# Many callers at once.  70 connections that send nothing: 64 slots, so
# the 6 that waited longest are closed to make room; the other 64 time
# out after --preamble-timeout; the listener is still fine.
port=$(free_port)
nms_ssh_start flood none "" yes good "$port" --fdpass -v \
    --listen="127.0.0.1:$port" --device-id=good --preamble-timeout=5 \
    --timeout=60 || diag "ssh-callhome is not listening"
log=$T/flood.err
bg "$PYTHON" "$FAKEDEV" --connect 127.0.0.1 --port "$port" --count 70 \
    --then hold --hold 12 --report "$T/flood.report"
flood=$BGPID
if wait_until 10 lines 6 'has waited longest' "$log"; then
	ok "70 callers at once: 6 are closed to keep 64 slots"
else
	not_ok "pending-call limit ($(grep -c 'has waited longest' "$log") closed)"
	diag "$(tail -n 3 "$log")"
fi
if wait_until 15 lines 64 'no complete preamble within 5 s' "$log"; then
	ok "... and the 64 silent ones are closed after --preamble-timeout"
else
	not_ok "silent callers time out ($(grep -c 'no complete preamble' "$log"))"
fi
wait_pid 15 "$flood"
check "... every one of them saw its connection closed" \
    [ "$(cat "$T/flood.report" 2>/dev/null)" = peer-closed ]
kill "$SSHPID" 2>/dev/null
wait_pid 5 "$SSHPID" >/dev/null

# 100 callers that never send a byte and 100 that send one byte a second,
# all holding on (a preamble timeout longer than the test): the right
# device is still accepted promptly.
port=$(free_port)
nms_ssh_start flood2 none "" yes good "$port" --fdpass -v \
    --listen="127.0.0.1:$port" --device-id=good --preamble-timeout=60 \
    --timeout=60 || diag "ssh-callhome is not listening"
log=$T/flood2.err
bg "$PYTHON" "$FAKEDEV" --connect 127.0.0.1 --port "$port" --count 100 \
    --then hold --hold 30 --report "$T/silent.report"
silent=$BGPID
bg "$PYTHON" "$FAKEDEV" --connect 127.0.0.1 --port "$port" --count 100 \
    --device-id good --byte-delay 1 --max-time 30 --then hold --hold 30 \
    --report "$T/slow.report"
slow=$BGPID
# All 200 have connected (every one was seen, slots or not).
wait_until 15 lines 136 'has waited longest' "$log"
t0=$EPOCHREALTIME
device_start flood2 good "127.0.0.1:$port"
wait_pid 40 "$SSHPID"
rc=$?
took=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
wait_pid 20 "$DEVPID" >/dev/null
diag "the right device was through in $took s past 200 hostile callers"
if [ "$rc" -eq 0 ] && netconf_ok flood2; then
	ok "100 silent and 100 slow callers do not keep the right device out"
else
	not_ok "the right device past 200 hostile callers (ssh $rc)"
	show flood2
fi
check "... and it was accepted promptly ($took s <= 5 s)" \
    awk -v t="$took" 'BEGIN { exit !(t <= 5) }'
check "... the rest were closed when it was accepted" \
    grep -q 'another call was accepted' "$log"
wait_pid 35 "$silent"
wait_pid 35 "$slow"

done_testing
