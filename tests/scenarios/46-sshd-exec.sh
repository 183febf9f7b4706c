#!/bin/bash
# 46: sshd passes the start checks, then cannot be executed when a call
# comes (removed, or made non-executable, say by an upgrade in progress).
# The NMS already has the preamble by then.  That is a local error: it is
# logged as such, the supervisor backs off and does not hold it against
# the server; with --once it exits 78.  With sticky and a state file the
# walk neither moves on to the next server nor rewrites the state file.

. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

setup_sshd

# make_sshd command: a stand-in for sshd that runs the start check
# (sshd -T) and then breaks itself with command.
make_sshd() {
	cat >"$T/sshd" <<-EOF
	#!/bin/sh
	if [ "\$1" = -T ]; then $1; fi
	exec $SSHD "\$@"
	EOF
	chmod 755 "$T/sshd"
}

# The NMS side records what each call sent; B must get no call at all.
listener A record --hold-time 5 --record "$T/A.pre"
listener B record --hold-time 5

# got_preamble: the call A recorded (A.pre.N, N counting its calls).
got_preamble() {
	cat "$T"/A.pre.* 2>/dev/null | grep -q '^MSG-ID: DEVICE-CONN-INFO'
}

# local_errors: how many times the supervisor could not execute sshd.
local_errors() {
	grep -c 'cannot execute .*(a local error' "$T/ch.log"
}

# once name break-command reason: one pass, sshd broken after the check.
once() {
	local name=$1 reason=$3 rc
	rm -f "$T/A.log" "$T/B.log" "$T"/A.pre.*
	make_sshd "$2"
	"$CALLHOME" --once --device-id=rtr-1 --sshd-config="$T/sshd_config" \
	    --sshd="$T/sshd" --retry=2 --timeout=5 127.0.0.1:"$PORT_A" \
	    127.0.0.1:"$PORT_B" 2>"$T/once.err"
	rc=$?
	check "$name: --once exits 78, a local error ($rc)" test "$rc" -eq 78
	check "$name: logged as a local error, with the reason" \
	    grep -q "127.0.0.1:$PORT_A \[127.0.0.1\]: cannot execute $T/sshd: $reason (a local error" \
	    "$T/once.err"
	grep -q 'a local error' "$T/once.err" || diag "$(cat "$T/once.err")"
	check "$name: the NMS got the call and its preamble" \
	    wait_until 10 got_preamble
	check "$name: one call: not a failed attempt, no retry ($(calls A))" \
	    test "$(calls A)" -eq 1
	check "$name: the walk did not go on to the next server ($(calls B))" \
	    test "$(calls B)" -eq 0
}

once "sshd removed" 'rm -f "$0"' 'No such file or directory'
# Even root needs an execute bit: EACCES.
once "sshd not executable" 'chmod 644 "$0"' 'Permission denied'

# Persistent, sticky, the state file naming A: every call fails locally.
rm -f "$T/A.log" "$T/B.log"
make_sshd 'rm -f "$0"'
printf '127.0.0.1:%s\n' "$PORT_A" >"$T/state"
inode=$(stat -c %i "$T/state")
start_callhome --retry=1 --timeout=2 --backoff-max=2 --sshd="$T/sshd" \
    --reconnect-strategy=sticky --state-file="$T/state" \
    127.0.0.1:"$PORT_A" 127.0.0.1:"$PORT_B"
check "sticky: the local error recurs, pass after pass" \
    wait_until 20 eval '[ "$(local_errors)" -ge 3 ]'
check "sticky: each pass is logged as ended by a local error" \
    grep -q 'a local error ended the pass; next pass in' "$T/ch.log"
check "sticky: still running" kill -0 "$CHPID"
stop_callhome
check "sticky: exit 0 on SIGTERM ($RC)" test "$RC" -eq 0
diag "A took $(calls A) calls, B $(calls B); $(local_errors) local errors"
check "sticky: every pass started at A again ($(calls A) calls)" \
    test "$(calls A)" -ge 3
check "sticky: B was never called" test "$(calls B)" -eq 0
check "sticky: the state file was not rewritten" \
    test "$(stat -c %i "$T/state")" = "$inode"
check "sticky: ... and still names A" \
    grep -qx "127.0.0.1:$PORT_A" "$T/state"
done_testing
