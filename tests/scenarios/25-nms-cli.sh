#!/bin/bash
# ssh-callhome's command line and exit statuses: help, version and man page
# agree on every option; bad input gets a clear message and the documented
# status (64, 69, 73, 75, 78); listening on all addresses takes IPv4 and
# IPv6 calls; -q and -v; a signal while waiting.
. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

setup_sshd
[ -x "$NMS" ] || skip_all "ssh-callhome not built"
MAN=$top_srcdir/man/ssh-callhome.1

# status want what command...: exit status and a message on stderr.
status() {
	local want=$1 what=$2 rc
	shift 2
	"$@" >"$T/st.out" 2>"$T/st.err" </dev/null
	rc=$?
	if [ "$rc" -eq "$want" ] && [ -s "$T/st.err" ]; then
		ok "$what: exit $want ($(head -n 1 "$T/st.err"))"
	else
		not_ok "$what: exit $rc, want $want"
		diag "$(cat "$T/st.err")"
	fi
}

"$NMS" --help >"$T/help" 2>&1
check "--help exits 0" [ $? -eq 0 ]
"$NMS" -h >"$T/help-h" 2>&1
check "-h is --help" cmp -s "$T/help" "$T/help-h"
opts=$(grep -o -- '--[a-z][a-z-]*' "$T/help" | sort -u)
missing=
for o in $opts; do
	grep -q -- "Fl \\\\-${o#--}" "$MAN" || missing="$missing $o"
done
check "every option in --help is in the man page${missing:+ (missing:$missing)}" [ -z "$missing" ]
missing=
for o in $(grep -o 'Fl \\-[a-z][a-z-]*' "$MAN" | sed 's/Fl \\-/--/' | sort -u); do
	grep -q -- "$o" "$T/help" || missing="$missing $o"
done
check "every option in the man page is in --help${missing:+ (missing:$missing)}" [ -z "$missing" ]
for o in listen device-id timeout preamble-timeout require-preamble \
    secret-file allow-swapped-hmac known-hosts fdpass print verbose quiet \
    version help; do
	grep -q -- "--$o" "$T/help" || not_ok "--$o missing from --help"
done
v=$("$NMS" --version)
check "--version prints the version ($v)" sh -c "echo '$v' | grep -q '^ssh-callhome .* [0-9][0-9.]*\$'"
check "-V is --version" [ "$("$NMS" -V)" = "$v" ]
if command -v mandoc >/dev/null; then
	check "the man page is mandoc -Tlint -W warning clean" \
	    mandoc -Tlint -W warning "$MAN"
else
	skip "mandoc is not installed"
fi

status 64 "an unknown option" "$NMS" --bogus
status 64 "--timeout=0" "$NMS" --timeout=0
status 64 "--timeout without a value" "$NMS" --timeout
status 64 "--preamble-timeout=1x" "$NMS" --preamble-timeout=1x
status 64 "--listen=[::1 (no bracket)" "$NMS" --listen='[::1'
status 64 "--listen=4334 (a port alone)" "$NMS" --listen=4334
status 64 "an argument that is not an option" "$NMS" somehost
status 64 "--known-hosts without --secret-file" "$NMS" --known-hosts="$T/kh"
status 64 "--allow-swapped-hmac without --secret-file" "$NMS" \
    --allow-swapped-hmac
status 64 "--device-id unusable in known_hosts" "$NMS" --device-id='a,b' \
    --secret-file="$T/secret" --known-hosts="$T/kh"
status 64 "--fdpass with a stdout that is not a socket" "$NMS" --fdpass \
    --timeout=1
grep -q 'not a socket' "$T/st.err" || not_ok "--fdpass message says why"

status 78 "a missing secret file" "$NMS" --secret-file="$T/nonexistent" \
    --timeout=1
cp "$T/secret" "$T/secret-open"
chmod 644 "$T/secret-open"
status 78 "a secret file readable by others" "$NMS" \
    --secret-file="$T/secret-open" --timeout=1
grep -q 'chmod 600' "$T/st.err" || not_ok "the message says chmod 600"
: >"$T/secret-empty"
chmod 600 "$T/secret-empty"
status 78 "an empty secret" "$NMS" --secret-file="$T/secret-empty" \
    --timeout=1
status 78 "--known-hosts in a missing directory" "$NMS" \
    --secret-file="$T/secret" --known-hosts="$T/no/such/kh" --timeout=1
mkdir "$T/khdir"
status 78 "--known-hosts that is a directory" "$NMS" \
    --secret-file="$T/secret" --known-hosts="$T/khdir" --timeout=1

port=$(free_port)
t0=$EPOCHREALTIME
status 75 "no call before --timeout=1" "$NMS" --listen="127.0.0.1:$port" \
    --timeout=1
dt=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
grep -q 'no acceptable call within 1 s' "$T/st.err" ||
    not_ok "the timeout message says so"
check "... and that took about a second ($dt s, in [0.9, 3])" \
    awk -v d="$dt" 'BEGIN { exit !(d >= 0.9 && d <= 3) }'

bg "$PYTHON" -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen()
time.sleep(10)' "$port"
busy=$BGPID
wait_until 5 listening "$port"
status 69 "a port already in use" "$NMS" --listen="127.0.0.1:$port" \
    --timeout=1
grep -q 'cannot listen on 127.0.0.1' "$T/st.err" ||
    not_ok "the message names the address"
kill "$busy" 2>/dev/null

# --listen=:PORT: one IPv4 and one IPv6 socket, and calls on either.
printf 'SSH-2.0-fake\r\n' >"$T/banner"
for addr in 127.0.0.1 ::1; do
	if [ "$addr" = ::1 ] && ! have_ipv6; then
		skip "no IPv6 loopback: a call to ::1 on all addresses"
		continue
	fi
	port=$(free_port)
	bg "$NMS" --listen=":$port" --timeout=20 -v >"$T/all.out" \
	    2>"$T/all.err"
	nms=$BGPID
	wait_until 10 listening "$port"
	if [ "$addr" = 127.0.0.1 ]; then
		if listening "$port" 00000000 && { ! have_ipv6 ||
		    listening "$port" 00000000000000000000000000000000; }; then
			ok "--listen=:PORT listens on 0.0.0.0 and on ::"
		else
			not_ok "--listen=:PORT sockets"
			diag "$(cat "$T/all.err")"
		fi
	fi
	"$PYTHON" "$FAKEDEV" --connect "$addr" --port "$port" \
	    --device-id all-addr --data "$T/banner" --then close
	wait_pid 10 "$nms"
	rc=$?
	if [ "$rc" -eq 0 ] && cmp -s "$T/banner" "$T/all.out"; then
		ok "--listen=:PORT takes a call to $addr"
	else
		not_ok "--listen=:PORT and a call to $addr (exit $rc)"
		diag "$(cat "$T/all.err")"
	fi
done

# The default: all addresses, port 4334, if it is free here.
if listening 4334; then
	skip "port 4334 is in use here: the default port"
else
	bg "$NMS" --timeout=3 >/dev/null 2>"$T/default.err"
	nms=$BGPID
	if wait_until 5 listening 4334 00000000; then
		ok "by default it listens on port 4334, all addresses"
	else
		not_ok "the default port 4334"
		diag "$(cat "$T/default.err")"
	fi
	wait_pid 10 "$nms"
	check "... and gives up after --timeout with 75" [ $? -eq 75 ]
fi

# -q: errors only; -v: each step.
port=$(free_port)
bg "$NMS" --listen="127.0.0.1:$port" --timeout=20 -q >"$T/quiet.out" \
    2>"$T/quiet.err"
nms=$BGPID
wait_until 10 listening "$port"
printf 'GET / HTTP/1.0\r\n\r\n' >"$T/http"
"$PYTHON" "$FAKEDEV" --connect 127.0.0.1 --port "$port" --data "$T/http" \
    --then close
"$PYTHON" "$FAKEDEV" --connect 127.0.0.1 --port "$port" --device-id q \
    --data "$T/banner" --then close
wait_pid 10 "$nms"
rc=$?
# Quiet, but it did its work: the accepted call was relayed, exit 0.
check "-q: the accepted call relayed, exit 0 ($rc)" \
    sh -c "[ $rc -eq 0 ] && cmp -s '$T/banner' '$T/quiet.out'"
check "-q: nothing logged for a refused and an accepted call" \
    [ ! -s "$T/quiet.err" ]
grep -q 'listening on 0.0.0.0:' "$T/all.err" &&
    grep -q 'call from [[0-9]' "$T/all.err"
check "-v: each listening socket and each connection logged" [ $? -eq 0 ]

# SIGTERM while waiting: status 1 and a message.
port=$(free_port)
bg "$NMS" --listen="127.0.0.1:$port" --timeout=20 >/dev/null \
    2>"$T/term.err"
nms=$BGPID
wait_until 10 listening "$port"
kill -TERM "$nms"
wait_pid 5 "$nms"
rc=$?
if [ "$rc" -eq 1 ] && grep -q 'interrupted by signal' "$T/term.err"; then
	ok "SIGTERM while waiting: exit 1, logged"
else
	not_ok "SIGTERM while waiting (exit $rc)"
fi

# known_hosts that cannot be written when the call comes: 73, call closed.
: >"$T/kh73"
port=$(free_port)
bg "$NMS" --listen="127.0.0.1:$port" --timeout=20 --secret-file="$T/secret" \
    --known-hosts="$T/kh73" >/dev/null 2>"$T/kh73.err"
nms=$BGPID
wait_until 10 listening "$port"
rm "$T/kh73"
mkdir "$T/kh73"
"$PYTHON" "$FAKEDEV" --connect 127.0.0.1 --port "$port" --device-id d73 \
    --key "$(pubkey "$T/host_ed25519.pub")" --secret "$T/secret" \
    --data "$T/banner" --then hold --hold 5 --report "$T/kh73.report"
wait_pid 10 "$nms"
rc=$?
if [ "$rc" -eq 73 ] && grep -q 'cannot record its host key' "$T/kh73.err" &&
    [ "$(cat "$T/kh73.report")" = peer-closed ]; then
	ok "known_hosts unwritable at the call: exit 73, call closed"
else
	not_ok "known_hosts unwritable at the call (exit $rc)"
	diag "$(cat "$T/kh73.err")"
fi

done_testing
