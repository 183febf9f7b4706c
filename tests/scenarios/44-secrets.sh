#!/bin/bash
# 44: secret hygiene, proved from the outside.  While a session is up, no
# process on the machine has the secret in its arguments or environment;
# the supervisor's own memory no longer holds it (a core dump of it is
# searched); and no log line at any verbosity contains it.

. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

setup_sshd
SECRET=fleet-secret-42		# what setup_sshd wrote into $T/secret

rm -f "$T/port"
mkfifo "$T/hold"
# The NMS keeps the NETCONF session open until the test lets go.
bg sh -c "ssh -F /dev/null -i '$T/user_key' -o IdentitiesOnly=yes \
    -o BatchMode=yes -o StrictHostKeyChecking=no \
    -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
    -o ProxyCommand='$PYTHON $CALLRECV --port-file $T/port --lines 5' \
    -o ProxyUseFdpass=yes -s '$DEVUSER@device' netconf <'$T/hold' \
    >'$T/out' 2>&1"
sshpid=$BGPID
# A writer, so that ssh's stdin stays open until it is killed.
bg sh -c "exec sleep 120 >'$T/hold'"
holder=$BGPID
wait_for 10 -s "$T/port"
start_callhome -v -v --secret-file="$T/secret" --retry=1 --timeout=5 \
    127.0.0.1:"$(cat "$T/port")"
check "a session is up" wait_until 10 grep -q '<hello' "$T/out"

found=
for p in /proc/[0-9]*; do
	for f in cmdline environ; do
		if { tr '\0' '\n' <"$p/$f"; } 2>/dev/null | grep -qF "$SECRET"
		then
			found="$found ${p#/proc/}:$f"
		fi
	done
done
check "no process has the secret in argv or environment${found:+:$found}" \
    test -z "$found"
n=$(ps -e -o pid= | wc -l)
diag "searched $n processes, the session's sshd and its children among them"

if [ "${SANITIZERS:-no}" = yes ]; then
	# ASan reserves terabytes of address space: a dump would be as large.
	skip "memory search: not under ASan (its shadow memory would make the dump huge)"
elif command -v gcore >/dev/null && is_root; then
	gcore -o "$T/core" "$CHPID" >/dev/null 2>&1
	core=$(ls "$T"/core.* 2>/dev/null | head -1)
	if [ -n "$core" ] && grep -qaF "$T/secret" "$core"; then
		# The search works: the secret file's name, on the heap, is found.
		check "the supervisor's memory no longer holds the secret" \
		    sh -c "! grep -qaF '$SECRET' '$core'"
		rm -f "$core"
	else
		skip "memory search: gcore made no searchable dump of the supervisor"
	fi
	rm -f "$T"/core.*
else
	skip "memory search: needs gdb's gcore and root"
fi

kill "$holder"
wait_pid 20 "$sshpid"
stop_callhome
check "logs at -v -v do not contain the secret" \
    sh -c "! grep -qF '$SECRET' '$T/ch.log'"
check "... and are verbose (the search is meaningful)" \
    grep -q 'dialing 127.0.0.1' "$T/ch.log"
done_testing
