#!/bin/bash
# 48: no core dump, no ptrace.  Both programs may hold the shared secret
# (sshd-callhome reads it for every session, ssh-callhome from start to
# exit), so both make themselves non-dumpable and set their core limit to
# 0.  Run as an unprivileged account: the core limit shows 0, the
# account's own gdb cannot attach and /proc/PID/environ belongs to root,
# while a plain process of the same account is open to both (the checks
# can fail).  The session's sshd gets the core limit sshd-callhome
# started with back.

. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

CORE_BYTES=2097152		# an original limit that is not 0
prlimit --core="$CORE_BYTES": true 2>/dev/null ||
    skip_all "the hard core limit ($(ulimit -H -c)) is below $CORE_BYTES bytes: a restored limit would look like 0"

# The account: as root, callhome-test (need_test_user makes it if it is
# missing, and cleanup removes it then); as anyone else, that account.
need_test_user || skip_all "cannot have the unprivileged account $TEST_USER"
U=$(unprivileged_user)
[ -n "$U" ] || skip_all "no unprivileged account $TEST_USER"

# ASan lowers the core limit itself before main unless told not to.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}disable_coredump=0

# as_u cmd...: cmd as U with the soft core limit at CORE_BYTES (each step
# execs the next: under bg, BGPID is the program's own).
as_u() {
	as_device prlimit --core="$CORE_BYTES": "$@"
}

# core_limit pid: "soft hard" of its core limit, in bytes.
core_limit() {
	awk '/^Max core file size/ { print $5, $6 }' "/proc/$1/limits" \
	    2>/dev/null
}

environ_owner() {
	stat -c %U "/proc/$1/environ" 2>/dev/null
}

# gdb_attach pid: gdb, as U, attaches to pid and detaches; its output in
# $T/gdb.out.
HAVE_GDB=
command -v gdb >/dev/null && HAVE_GDB=1
gdb_attach() {
	as_u timeout 60 gdb -nx -batch -p "$1" -ex 'info inferiors' \
	    >"$T/gdb.out" 2>&1 </dev/null
	grep -q "process $1.* detached" "$T/gdb.out" &&
	    ! grep -q 'ptrace: Operation not permitted' "$T/gdb.out"
}

setup_sshd "$U"

# A control: a plain process of U is dumpable and attachable.
bg as_u sleep 120
control=$BGPID
wait_until 5 test "$(environ_owner "$control")" = "$U"
check "control: a plain process of $U has its own /proc/PID/environ" \
    test "$(environ_owner "$control")" = "$U"
check "control: the original core limit is $CORE_BYTES bytes" \
    test "$(core_limit "$control" | cut -d' ' -f1)" = "$CORE_BYTES"
if [ -z "$HAVE_GDB" ]; then
	skip "gdb: not installed"
elif gdb_attach "$control"; then
	ok "control: gdb as $U attaches to a plain process of $U"
	GDB_WORKS=1
else
	skip "gdb as $U cannot attach even to a plain process (ptrace_scope?)"
	diag "$(tail -3 "$T/gdb.out")"
	GDB_WORKS=
fi
kill "$control"

# locked name pid: the checks on one of our programs.
locked() {
	local name=$1 pid=$2 lim
	lim=$(core_limit "$pid")
	diag "$name ($pid): core limit $lim; environ owned by $(environ_owner "$pid")"
	check "$name: core limit 0" test "${lim%% *}" = 0
	check "$name: ... the hard limit left alone" \
	    test "${lim#* }" = "$(core_limit $$ | cut -d' ' -f2)"
	check "$name: non-dumpable (/proc/PID/environ owned by root)" \
	    test "$(environ_owner "$pid")" = root
	if [ -n "$GDB_WORKS" ]; then
		if gdb_attach "$pid"; then
			not_ok "$name: gdb as $U cannot attach"
		else
			ok "$name: gdb as $U cannot attach"
		fi
		diag "gdb: $(grep -m1 -E 'ptrace|detached' "$T/gdb.out")"
	else
		skip "$name: gdb cannot attach anyway"
	fi
}

# ssh-callhome, waiting for a call with the secret loaded.
nport=$(free_port)
bg as_u "$NMS" --listen=127.0.0.1:"$nport" --timeout=120 \
    --secret-file="$T/secret" </dev/null 2>"$T/nms.err"
nmspid=$BGPID
if wait_until 10 listening "$nport"; then
	locked ssh-callhome "$nmspid"
else
	not_ok "ssh-callhome listens"
	diag "$(cat "$T/nms.err")"
fi
kill "$nmspid" 2>/dev/null
wait "$nmspid" 2>/dev/null

# sshd-callhome with a session up: the NMS holds it open.
rm -f "$T/port"
mkfifo "$T/hold"
exec 8<>"$T/hold"	# read-write: no wait for a writer, and never an EOF
bg ssh_nms "$PYTHON $CALLRECV --port-file $T/port --lines 5" \
    -s "$DEVUSER@device" netconf <&8 >"$T/out" 2>&1
sshpid=$BGPID
exec 8<&-
wait_for 10 -s "$T/port"
: >"$T/ch.log"
bg as_u "$CALLHOME" --device-id=rtr-1 --sshd-config="$T/sshd_config" \
    --secret-file="$T/secret" --retry=1 --timeout=5 \
    127.0.0.1:"$(cat "$T/port" 2>/dev/null)" 2> >(stamp >>"$T/ch.log")
CHPID=$BGPID
# (check returns 0 whatever it found: the branch tests the condition.)
if wait_until 15 grep -q '<hello' "$T/out"; then
	ok "a session is up"
	locked sshd-callhome "$CHPID"
	sshd=$(ps --ppid "$CHPID" -o pid= | head -1 | tr -d ' ')
	diag "the session's sshd ($sshd): core limit $(core_limit "$sshd")"
	check "the session's sshd has the original core limit back" \
	    test "$(core_limit "${sshd:-0}" | cut -d' ' -f1)" = "$CORE_BYTES"
else
	not_ok "a session is up"
	diag "$(tail -5 "$T/ch.log")"
fi
stop_callhome
check "sshd-callhome: exit 0 on SIGTERM ($RC)" test "$RC" -eq 0
wait_pid 20 "$sshpid"
done_testing
