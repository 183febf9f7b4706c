#!/bin/bash
# 16: a DNS lookup that hangs.  getaddrinfo() cannot be interrupted, and
# a resolver that never answers holds it for timeout x attempts from
# resolv.conf, longer than a service manager waits after SIGTERM.  The
# lookup runs in a child process, so that SIGTERM ends sshd-callhome within
# a second even then, and the attempt's --timeout bounds the lookup too.
# As root: a mount namespace of the device's own, with a private
# resolv.conf naming a local DNS server that swallows every query.

. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

private_mounts || skip_all "$NO_PRIVATE_MOUNTS"
[ -S /var/run/nscd/socket ] &&
    skip_all "nscd answers host lookups here, not resolv.conf"
setup_sshd

bg $PYTHON "$top_srcdir/tests/helpers/silentdns.py" --addr-file "$T/dns.addr" \
    --log "$T/dns.log" --timeout 300 2>"$T/dns.err"
if ! wait_for 10 -s "$T/dns.addr"; then
	skip_all "the silent DNS server cannot bind port 53: $(cat "$T/dns.err")"
fi
dns=$(cat "$T/dns.addr")
# The resolver alone would wait 30 s x 5 attempts.
printf 'nameserver %s\noptions timeout:30 attempts:5\n' "$dns" \
    >"$T/resolv.conf"
printf '127.0.0.1 localhost\n' >"$T/hosts"
printf 'hosts: files dns\n' >"$T/nsswitch.conf"
NAME=nms.invalid.test

# in_ns cmd...: exec cmd in a new mount namespace that sees the three
# files above (no fork: the PID is cmd's).
NS_SETUP='mount --bind "$1" /etc/resolv.conf &&
    mount --bind "$2" /etc/hosts && mount --bind "$3" /etc/nsswitch.conf &&
    shift 3 && exec "$@"'
in_ns() {
	unshare --mount --propagation private sh -c "$NS_SETUP" sh \
	    "$T/resolv.conf" "$T/hosts" "$T/nsswitch.conf" "$@"
}
# Before anything depends on it: the files can be mounted over here.
if ! in_ns cat /etc/resolv.conf >"$T/ns.out" 2>"$T/ns.err" ||
    ! grep -qx "nameserver $dns" "$T/ns.out"; then
	skip_all "cannot bind-mount a private resolv.conf: $(head -1 "$T/ns.err")"
fi

# lookups_failed n: at least n failed lookups logged (counted on each call).
lookups_failed() {
	[ "$(grep -c 'cannot resolve' "$T/ch.log")" -ge "$1" ]
}

start_in_ns() {
	: >"$T/ch.log"
	bg unshare --mount --propagation private sh -c "$NS_SETUP" sh \
	    "$T/resolv.conf" "$T/hosts" "$T/nsswitch.conf" \
	    "$CALLHOME" --device-id=rtr-1 --sshd-config="$T/sshd_config" \
	    --services=any --retry=1 "$@" 2> >(stamp >>"$T/ch.log")
	CHPID=$BGPID
}

# SIGTERM in the middle of the lookup.
start_in_ns --timeout=60 "$NAME"
# (check returns 0 whatever it found: the branches test the condition.)
if wait_until 15 test -s "$T/dns.log"; then
	ok "the lookup of $NAME reached the silent DNS server"
	kids=$(ps --ppid "$CHPID" -o pid= | tr -d ' ' | tr '\n' ' ')
	diag "sshd-callhome ($CHPID) is in the lookup; its children: ${kids:-none}; title: $(tr '\0' ' ' <"/proc/$CHPID/cmdline" | tr -s ' ')"
	t0=$EPOCHREALTIME
	kill -TERM "$CHPID"
	wait_pid 5 "$CHPID"
	RC=$?
	dt=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
	diag "SIGTERM to exit: $dt s (status $RC)"
	check "SIGTERM during the lookup: exit 0 ($RC)" test "$RC" -eq 0
	check "... within 2 s ($dt s)" awk -v t="$dt" -v rc="$RC" \
	    'BEGIN { exit !(rc != 124 && t < 2) }'
	check "the lookup ran in a child process" test -n "$kids"
	gone_all=1
	for k in $kids; do
		wait_until 5 gone "$k" || gone_all=
	done
	check "... which is gone too" test -n "$kids" -a -n "$gone_all"
else
	not_ok "the lookup of $NAME reached the silent DNS server"
	diag "$(tail -5 "$T/ch.log")"
	stop_callhome
fi

# The lookup within the attempt's --timeout: 2 s, not the resolver's 150.
: >"$T/dns.log"
t0=$EPOCHREALTIME
start_in_ns --timeout=2 --backoff-max=1 "$NAME"
if wait_until 10 grep -q 'cannot resolve' "$T/ch.log"; then
	ok "with --timeout=2: the lookup is given up"
	line=$(grep -m1 'cannot resolve' "$T/ch.log")
	diag "$line"
	dt=$(awk -v a="$t0" -v b="${line%% *}" 'BEGIN { printf "%.2f", b - a }')
	check "... as a timeout of the attempt" \
	    grep -q "$NAME:[0-9]*: cannot resolve: no answer within the attempt's 2 s" \
	    "$T/ch.log"
	check "... after about 2 s from the start ($dt s)" awk -v t="$dt" \
	    'BEGIN { exit !(t >= 1.9 && t < 6) }'
	check "... although the DNS server was asked" test -s "$T/dns.log"
	check "... and it is tried again after the backoff" \
	    wait_until 10 lookups_failed 2
else
	not_ok "with --timeout=2: the lookup is given up"
	diag "log: $(tail -5 "$T/ch.log")"
fi
stop_callhome
check "exit 0 on SIGTERM ($RC)" test "$RC" -eq 0
done_testing
