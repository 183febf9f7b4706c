#!/bin/bash
# 42: hostile and broken files.  Oversized, binary, special and missing
# secret, host key and state files get a clear error and exit 78 (or, for
# the state file, a log line), never a hang or a crash; a state file is
# replaced atomically, so a crash while writing it leaves the old one.

. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

setup_sshd
port=$(free_port)
base="--device-id=rtr-1 --sshd-config=$T/sshd_config --check"

# expect78 name pattern args...: exit 78 within 10 s, message matching.
expect78() {
	local name=$1 pattern=$2 rc
	shift 2
	timeout 10 "$CALLHOME" $base "$@" 127.0.0.1:"$port" >/dev/null \
	    2>"$T/err"
	rc=$?
	check "$name: exit 78 ($rc)" test "$rc" -eq 78
	check "$name: says why" grep -qF -- "$pattern" "$T/err"
	grep -qF -- "$pattern" "$T/err" || diag "$(cat "$T/err")"
}

head -c 5000 /dev/urandom | base64 -w0 >"$T/big"
chmod 600 "$T/big"
expect78 "secret over 1024 bytes" "larger than" --secret-file="$T/big"
mkfifo -m 600 "$T/fifo"
expect78 "secret is a FIFO (no hang)" "not a regular file" \
    --secret-file="$T/fifo"
expect78 "secret is a directory" "not a regular file" --secret-file="$T"
expect78 "secret is /dev/zero" "not a regular file" --secret-file=/dev/zero
head -c 100000 /dev/urandom >"$T/bigkey.pub"
expect78 "host key file of 100 kB" "larger than" --secret-file="$T/secret" \
    --host-key="$T/bigkey.pub"
head -c 300 /dev/urandom >"$T/binkey.pub"
printf '\0' >>"$T/binkey.pub"
expect78 "binary host key file" "not a public key file" \
    --secret-file="$T/secret" --host-key="$T/binkey.pub"
printf 'ssh-ed25519 AAAA\r\nHMAC: 00\r\n' >"$T/inject.pub"
expect78 "host key that would inject a line" "not base64" \
    --secret-file="$T/secret" --host-key="$T/inject.pub"
need_test_user
if is_root && [ "$DEVUSER" = root ] && [ -n "$(unprivileged_user)" ]; then
	u=$(unprivileged_user)
	cp "$T/secret" "$T/root-only"
	chmod 600 "$T/root-only"
	# A host key of the account's own, so that only the secret fails.
	ssh-keygen -q -t ed25519 -N '' -f "$T/u_key"
	chown "$u" "$T/u_key" "$T/u_key.pub"
	printf 'HostKey %s\nSubsystem netconf /bin/cat\n' "$T/u_key" \
	    >"$T/u_config"
	runuser -u "$u" -- "$CALLHOME" --device-id=x --check \
	    --sshd-config="$T/u_config" --secret-file="$T/root-only" \
	    127.0.0.1:"$port" >/dev/null 2>"$T/err"
	rc=$?
	check "unreadable secret: exit 78 ($rc)" test "$rc" -eq 78
	check "unreadable secret: Permission denied" \
	    grep -q 'root-only: Permission denied' "$T/err"
else
	skip "unreadable secret: needs root and an unprivileged account"
fi

# State files: oversized or binary ones are ignored with a log line.
listener S hold --hold-time 30
head -c 100000 /dev/zero >"$T/state.big"
start_callhome --services=any --retry=1 --timeout=2 \
    --reconnect-strategy=sticky --state-file="$T/state.big" \
    127.0.0.1:"$PORT_S"
check "oversized state file: logged and ignored" \
    wait_log 5 'state file: '"$T"'/state.big: larger than'
check "oversized state file: the call still goes out" wait_calls 5 S 1
check "oversized state file: replaced by a good one" \
    wait_until 5 grep -qx "127.0.0.1:$PORT_S" "$T/state.big"
stop_callhome

# A crash in the middle of writing the state file: strace kills the
# supervisor at the fsync of the new file; the old file is intact.
if command -v strace >/dev/null; then
	printf 'old-contents\n' >"$T/state.crash"
	listener C hold --hold-time 30
	bg strace -f -o /dev/null -e trace=fsync \
	    -e inject=fsync:signal=SIGKILL \
	    "$CALLHOME" --device-id=rtr-1 --sshd-config="$T/sshd_config" \
	    --services=any --retry=1 --timeout=2 --state-file="$T/state.crash" \
	    127.0.0.1:"$PORT_C" 2>/dev/null
	spid=$BGPID
	wait_pid 15 "$spid"
	check "killed in the middle of writing the state file (temp file left)" \
	    sh -c "ls '$T'/state.crash.?????? >/dev/null 2>&1"
	check "killed while writing the state file: old file intact" \
	    grep -qx 'old-contents' "$T/state.crash"
	check "killed while writing: the new file was never renamed over it" \
	    test "$(cat "$T/state.crash")" = old-contents
	stop_listener C
else
	skip "crash while writing the state file: no strace"
fi

# The same for known_hosts on the management side: ssh-callhome is killed
# at the fsync of the new file, after a verified call.
if command -v strace >/dev/null; then
	printf 'other ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBk2m1cOHmMCxGxh8OYt\n' \
	    >"$T/kh"
	cp "$T/kh" "$T/kh.orig"
	kport=$(free_port)
	bg strace -f -o /dev/null -e trace=fsync \
	    -e inject=fsync:signal=SIGKILL "$NMS" --listen=127.0.0.1:"$kport" \
	    --device-id=rtr-1 --secret-file="$T/secret" --known-hosts="$T/kh" \
	    --timeout=20 </dev/null >/dev/null 2>"$T/nms.err"
	npid=$BGPID
	wait_until 10 sh -c "ss -ltn | grep -q ':$kport '"
	$PYTHON "$top_srcdir/tests/helpers/fakedev.py" --connect 127.0.0.1 \
	    --port "$kport" --device-id rtr-1 \
	    --key "$(cut -d' ' -f1,2 "$T/host_ed25519.pub")" \
	    --secret "$T/secret" --then close
	wait_pid 15 "$npid"
	check "ssh-callhome was killed in the middle of the write (temp file left)" \
	    sh -c "ls '$T'/kh.?????? >/dev/null 2>&1"
	check "ssh-callhome killed while writing known_hosts: old file intact" \
	    cmp -s "$T/kh" "$T/kh.orig"
else
	skip "crash while writing known_hosts: no strace"
fi
done_testing
