#!/bin/bash
# 58: the control socket's directory.  The default, /run/ssh-callhome, is
# made when missing (a daemon started by hand, not by systemd), mode 0750
# as the service files make it, whatever the umask; ssh-callhome --broker
# then finds the daemon there without --broker=PATH.  Under a /run of its
# own (a private mount namespace), so that the host's is not touched.
# Any other --control path whose directory is missing, or is not a
# directory, is a configuration error: exit 78, naming the directory,
# nothing made.
. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

setup_sshd
[ -x "$NMSD" ] || skip_all "ssh-callhomed not built"
port=$(free_port)

"$NMSD" --listen=127.0.0.1:"$port" --control="$T/no-such-dir/control" \
    2>"$T/nodir.err"
rc=$?
if [ $rc -eq 78 ] && grep -q "no directory $T/no-such-dir" "$T/nodir.err"; then
	ok "--control in a missing directory exits 78 and names it"
else
	not_ok "--control in a missing directory: exit $rc: $(cat "$T/nodir.err")"
fi
check "... and does not make it" [ ! -e "$T/no-such-dir" ]
: >"$T/plain"
"$NMSD" --listen=127.0.0.1:"$port" --control="$T/plain/control" \
    2>"$T/notdir.err"
rc=$?
if [ $rc -eq 78 ] && grep -q "$T/plain is not a directory" "$T/notdir.err"; then
	ok "--control under a plain file exits 78 and says so"
else
	not_ok "--control under a plain file: exit $rc: $(cat "$T/notdir.err")"
fi

if ! private_mounts; then
	skip "$NO_PRIVATE_MOUNTS: the default directory under a /run of its own"
	done_testing
	exit
fi
# In a mount namespace with an empty /run: the daemon, with the default
# --control and umask 077, then the mode of what it made, a --list
# through the default path, and its exit on SIGTERM.
cat >"$T/inner.sh" <<-'INNER'
	NMSD=$1 NMS=$2 port=$3 T=$4
	mount -t tmpfs none /run || exit 1
	echo "before: $(ls -A /run | wc -l) entries"
	(umask 077; exec "$NMSD" --listen=127.0.0.1:"$port" -v) 2>"$T/d.log" &
	pid=$!
	n=100
	while [ $n -gt 0 ] && [ ! -S /run/ssh-callhome/control ]; do
		sleep 0.1; n=$((n - 1))
	done
	echo "mode: $(stat -c %a /run/ssh-callhome 2>&1)"
	echo "socket: $(stat -c %a /run/ssh-callhome/control 2>&1)"
	"$NMS" --broker --list --format=raw >"$T/list" 2>"$T/list.err"
	echo "list: $? $(tail -1 "$T/list")"
	kill -TERM $pid
	n=100
	while [ $n -gt 0 ] && kill -0 $pid 2>/dev/null; do
		sleep 0.1; n=$((n - 1))
	done
	kill -KILL $pid 2>/dev/null
	wait $pid
	echo "exit: $?"
	INNER
bg unshare --mount --propagation private bash "$T/inner.sh" "$NMSD" "$NMS" \
    "$port" "$T" >"$T/inner.out" 2>&1
wait_pid 40 "$BGPID"
out=$(cat "$T/inner.out")
check "the private /run starts empty" grep -qx "before: 0 entries" "$T/inner.out"
if grep -qx "mode: 750" "$T/inner.out"; then
	ok "the default directory is made, mode 0750 despite umask 077"
else
	not_ok "the default directory: $out"; diag "$(cat "$T/d.log")"
fi
check "... the socket in it has mode 0660" grep -qx "socket: 660" "$T/inner.out"
check "... ssh-callhome --broker --list finds the daemon by the default path" \
    grep -qx "list: 0 end" "$T/inner.out"
check "... the daemon logged that it made the directory" \
    grep -q "made /run/ssh-callhome for the control socket" "$T/d.log"
check "... and exits 0 on SIGTERM" grep -qx "exit: 0" "$T/inner.out"
done_testing
