#!/bin/bash
# 18: --daemon with relative paths.  daemon(3) changes to / after the
# files were checked, so every path option is made absolute when the
# command line is read: started from a directory of its own with relative
# --secret-file, --host-key, --sshd-config, --state-file and --pidfile,
# the daemon still sends the full preamble with its HMAC, sshd -i finds
# its configuration, the state and pid files land where the relative
# paths pointed, and the pidfile is removed there on SIGTERM.

. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

setup_sshd
mkdir "$T/run"
cp "$T/secret" "$T/run/fleet.secret"
cp "$T/sshd_config" "$T/run/sshd.conf"
cp "$T/host_ed25519.pub" "$T/run/announce.pub"
chmod 600 "$T/run/fleet.secret"
[ "$DEVUSER" = "$(id -un)" ] || chown -R "$DEVUSER" "$T/run"
# Names no other file has, so that one resolved against / harms nothing.
pidname=ch-$$.pid
statename=ch-$$.state

rm -f "$T/port" "$T/pre" "$T/out"
bg ssh_nms "$PYTHON $CALLRECV --port-file $T/port --record $T/pre --lines 5" \
    -s "$DEVUSER@device" netconf <"$T/client.xml" >"$T/out" 2>"$T/ssh.err"
sshpid=$BGPID
wait_for 10 -s "$T/port" || { not_ok "listener up"; done_testing; exit; }
port=$(cat "$T/port")

( cd "$T/run" && exec "$CALLHOME" --daemon --device-id=rtr-1 \
    --pidfile="$pidname" --state-file="$statename" \
    --secret-file=fleet.secret --host-key=./announce.pub \
    --sshd-config=sshd.conf --services=any --retry=1 --timeout=5 \
    --backoff-max=30 127.0.0.1:"$port" ) 2>"$T/parent.err"
rc=$?
check "the parent returns 0 ($rc)" test "$rc" -eq 0
[ "$rc" -eq 0 ] || diag "$(cat "$T/parent.err")"
check "the pidfile is where --pidfile=$pidname pointed" \
    wait_for 5 -s "$T/run/$pidname"
dpid=$(cat "$T/run/$pidname" 2>/dev/null)
[ -n "$dpid" ] && PIDS="$PIDS $dpid"
check "the daemon ($dpid) runs in / (daemon(3) changed there)" \
    test "$(readlink "/proc/${dpid:-0}/cwd" 2>/dev/null)" = /

wait_pid 30 "$sshpid"
expected_preamble rtr-1 "$(pubkey "$T/host_ed25519.pub")" fleet-secret-42 \
    >"$T/want"
check "the call carries the full preamble with the HMAC" cmp -s "$T/want" \
    "$T/pre"
cmp -s "$T/want" "$T/pre" || diag "received: $(od -c "$T/pre" | head -5)"
check "sshd -i read the relative --sshd-config: NETCONF went through" \
    grep -q 'message-id="102"><ok/>' "$T/out"
check "the state file is where --state-file=$statename pointed" \
    grep -qsx "127.0.0.1:$port" "$T/run/$statename"

if [ -n "$dpid" ]; then
	kill -TERM "$dpid"
	check "SIGTERM ends the daemon" wait_until 10 gone "$dpid"
else
	not_ok "SIGTERM ends the daemon: no pid to signal"
fi
check "the pidfile is removed from where it was made" \
    test ! -e "$T/run/$pidname"

# Started in a directory that is gone: getcwd() fails.  Only a relative
# path needs it.
mkdir "$T/gone"
( cd "$T/gone" && rmdir "$T/gone" && exec "$CALLHOME" --check \
    --device-id=rtr-1 --sshd-config="$T/sshd_config" --pidfile=p.pid \
    127.0.0.1:1 ) >/dev/null 2>"$T/err"
rc=$?
check "cwd gone, relative --pidfile: exit 71 ($rc)" test "$rc" -eq 71
check "... naming the option and the reason" grep -q \
    -- '--pidfile=p.pid: a relative path, and the current directory is unknown: No such file' \
    "$T/err"
diag "$(cat "$T/err")"
mkdir "$T/gone"
( cd "$T/gone" && rmdir "$T/gone" && exec "$CALLHOME" --check \
    --device-id=rtr-1 --sshd-config="$T/sshd_config" \
    --pidfile="$T/p.pid" 127.0.0.1:1 ) >/dev/null 2>"$T/err"
rc=$?
check "cwd gone, only absolute paths: --check passes ($rc)" test "$rc" -eq 0
done_testing
