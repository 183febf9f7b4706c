#!/bin/bash
# 01: one real call home.  sshd-callhome dials a listener (the independent
# oracle callrecv.py), which records the exact preamble bytes and passes the
# socket to a stock ssh; ssh logs in with a key and runs NETCONF <hello> and
# one <get> against the stand-in netconf subsystem of a real sshd -i.
# Over 127.0.0.1 and ::1, with each preamble style, as this user and (when
# the machine has one) as an unprivileged account.

. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

# call_home name listen lines [sshd-callhome options...]
call_home() {
	local name=$1 listen=$2 lines=$3 sshpid rc port
	shift 3
	rm -f "$T/port" "$T/pre" "$T/next" "$T/out"
	bg ssh_nms "$PYTHON $CALLRECV --listen $listen --port-file $T/port \
	    --record $T/pre --next $T/next --lines $lines" \
	    -s "$DEVUSER@device" netconf \
	    <"$T/client.xml" >"$T/out" 2>"$T/ssh.err"
	sshpid=$BGPID
	if ! wait_for 10 -s "$T/port"; then
		not_ok "$name: listener up"
		return
	fi
	port=$(cat "$T/port")
	case $listen in *:*) listen="[$listen]" ;; esac
	as_device "$CALLHOME" --once --device-id=rtr-1 \
	    --sshd-config="$T/sshd_config" --retry=1 --timeout=5 "$@" \
	    "$listen:$port" 2>"$T/callhome.err"
	rc=$?
	wait_pid 30 "$sshpid"
	check "$name: ssh got the NETCONF <get> reply" \
	    grep -q '<rpc-reply.*message-id="101"><data>' "$T/out"
	check "$name: close-session answered" \
	    grep -q 'message-id="102"><ok/>' "$T/out"
	# OpenSSH 9.2's sshd -i exits 255 when the client disconnects.
	check "$name: --once exits with sshd's status ($rc)" \
	    test "$rc" -eq 0 -o "$rc" -eq 255
	check "$name: one log line for the attempt" \
	    one_line "\[.*\]: connected" "$T/callhome.err"
	check "$name: one log line for the session's end" \
	    one_line "session ended after .*: sshd exited" "$T/callhome.err"
	# ssh skips lines before the banner: only this sees an extra one.
	check "$name: sshd's banner follows the $lines preamble lines at once" \
	    test "$(cat "$T/next")" = SSH-
}

# one_line pattern file: exactly one line of file matches.
one_line() {
	[ "$(grep -c -- "$1" "$2")" -eq 1 ]
}

run_as() {
	local user=$1 key
	setup_sshd "$user"
	key=$(cut -d' ' -f1,2 "$T/host_ed25519.pub")

	call_home "$user 127.0.0.1, 3 lines" 127.0.0.1 3
	expected_preamble rtr-1 >"$T/want"
	check "$user: 3-line preamble bytes are exact" cmp -s "$T/want" "$T/pre"

	call_home "$user ::1, 5 lines" ::1 5 --secret-file="$T/secret"
	expected_preamble rtr-1 "$key" fleet-secret-42 >"$T/want"
	check "$user: HOST-KEY and HMAC bytes are exact (openssl)" \
	    cmp -s "$T/want" "$T/pre"

	call_home "$user junos-nul" 127.0.0.1 5 --secret-file="$T/secret" \
	    --preamble=junos-nul
	expected_preamble rtr-1 "$key" fleet-secret-42 nul >"$T/want"
	check "$user: junos-nul puts a NUL after the HOST-KEY value" \
	    cmp -s "$T/want" "$T/pre"

	call_home "$user --host-key rsa" 127.0.0.1 5 \
	    --secret-file="$T/secret" --host-key="$T/host_rsa.pub"
	expected_preamble rtr-1 "$(cut -d' ' -f1,2 "$T/host_rsa.pub")" \
	    fleet-secret-42 >"$T/want"
	check "$user: --host-key announces that key" cmp -s "$T/want" "$T/pre"

	call_home "$user --preamble=none" 127.0.0.1 0 --preamble=none
	check "$user: --preamble=none sends nothing before ssh" \
	    test ! -s "$T/pre" -a "$(cat "$T/next")" = SSH-

	cleanup_t
}

cleanup_t() {
	rm -rf "$T"
	T=
}

run_as "$(id -un)"
need_test_user
user=$(unprivileged_user)
if [ -z "$user" ]; then
	skip "unprivileged run: no account $TEST_USER, and it could not be made"
elif [ "$user" != "$(id -un)" ]; then
	run_as "$user"
fi
done_testing
