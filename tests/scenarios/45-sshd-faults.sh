#!/bin/bash
# 45: sshd itself cannot run.  At start that is a configuration error:
# a clear line and exit 78 (unreadable host keys, a missing /run/sshd as
# root).  When it breaks later (the binary vanishes, sshd_config or the
# secret file goes bad), each attempt is logged and retried with backoff,
# never in a hot loop, and the supervisor keeps running.

. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

setup_sshd
port=$(free_port)

# Host keys sshd cannot read: as an unprivileged account, root's keys.
need_test_user
u=$(unprivileged_user)
if is_root && [ -n "$u" ] && [ "$u" != root ]; then
	runuser -u "$u" -- "$CALLHOME" --device-id=x \
	    --sshd-config="$T/sshd_config" 127.0.0.1:"$port" 2>"$T/err"
	rc=$?
	check "unreadable host keys: exit 78 ($rc)" test "$rc" -eq 78
	check "unreadable host keys: sshd's reason is given" \
	    grep -q 'sshd rejects its configuration: .*host key' "$T/err"
	diag "$(cat "$T/err")"
else
	skip "unreadable host keys: needs root and an unprivileged account"
fi

# No /run/sshd as root: a private /run in a mount namespace of our own.
if private_mounts; then
	unshare --mount --propagation private sh -c \
	    'mount -t tmpfs none /run && exec "$@"' sh "$CALLHOME" \
	    --device-id=x --sshd-config="$T/sshd_config" 127.0.0.1:"$port" \
	    2>"$T/err"
	rc=$?
	check "missing /run/sshd: exit 78 ($rc)" test "$rc" -eq 78
	check "missing /run/sshd: the message names it" \
	    grep -q 'privilege separation directory: /run/sshd' "$T/err"
else
	skip "missing /run/sshd: $NO_PRIVATE_MOUNTS"
fi

# Later failures: a listener that would hold a session for a long time.
listener L hold --hold-time 30
cp "$T/sshd_config" "$T/good_config"
ln -s "$SSHD" "$T/sshd"

# later name setup-command pattern: break something after a good start,
# then count the calls in 10 s.
later() {
	local name=$1 breakit=$2 pattern=$3 n
	rm -f "$T/L.log"
	cp "$T/good_config" "$T/sshd_config"
	chmod 600 "$T/secret"
	ln -sf "$SSHD" "$T/sshd"
	start_callhome --services=any --retry=1 --timeout=2 --backoff-max=4 \
	    --secret-file="$T/secret" --sshd="$T/sshd" 127.0.0.1:"$PORT_L"
	wait_log 10 'session started'
	eval "$breakit"
	# The session in progress ends; what follows is what is tested.
	kill -USR1 "$CHPID"
	sleep 10
	check "$name: still running" kill -0 "$CHPID"
	check "$name: the failure is logged" grep -q -- "$pattern" "$T/ch.log"
	grep -q -- "$pattern" "$T/ch.log" || diag "$(tail -5 "$T/ch.log")"
	n=$(grep -c -- "$pattern" "$T/ch.log")
	diag "$name: $n failures in 10 s"
	check "$name: retried ($n >= 2)" test "$n" -ge 2
	check "$name: with backoff, no hot loop ($n <= 12)" test "$n" -le 12
	stop_callhome
	check "$name: exit 0 on SIGTERM ($RC)" test "$RC" -eq 0
}

later "sshd binary gone" 'rm -f "$T/sshd"' 'sshd could not be executed'
later "sshd_config broken" \
    'printf "NoSuchKeyword yes\n" >>"$T/sshd_config"' \
    'sshd exited with status 255'
later "secret file made world-readable" 'chmod 644 "$T/secret"' \
    'permissions 0644 are too open'
done_testing
