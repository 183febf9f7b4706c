#!/bin/bash
# 43: a soak.  1000 sessions against a loopback NMS that closes each call
# at once, SIGHUP skipping every backoff so that they come fast (and so a
# storm of SIGHUPs is part of it): the supervisor's descriptors and memory
# are flat from session 10 to session 1000, and it never runs two sessions.
# The session is a stand-in for sshd that holds a lock for 10 ms and notes
# when another session holds it: this measures the supervisor, not sshd.

. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

SESSIONS=${SOAK_SESSIONS:-1000}
setup_sshd
# sshd's stand-in: the start check (-T) prints nothing, as /bin/true would;
# each session notes itself, and an overlap if another one holds the lock.
cat >"$T/standin" <<EOF
#!/bin/sh
case " \$* " in *" -T "*) exit 0 ;; esac
exec 9>>"$T/session.lock"
echo session >>"$T/sessions"
flock -n 9 || echo overlap >>"$T/overlaps"
sleep 0.01
EOF
chmod 755 "$T/standin"
listener S close --calls $((SESSIONS + 100))
start_callhome --services=any --retry=1 --timeout=2 --sshd="$T/standin" \
    127.0.0.1:"$PORT_S"
check "soak: running" wait_log 10 'session ended'

# SIGHUP as fast as the shell can send it, in the background.
hup_storm() {
	while kill -HUP "$CHPID" 2>/dev/null; do sleep 0.002; done
}
bg hup_storm
hup=$BGPID

# sample: descriptors, RSS (kB) of the supervisor.  The descriptor count
# is the least of ten looks, 20 ms apart: a dial's socket lives for a
# moment between sessions.
sample() {
	local fds=999 f rss i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		f=$(ls "/proc/$CHPID/fd" 2>/dev/null | wc -l)
		[ "$f" -lt "$fds" ] && fds=$f
		sleep 0.02
	done
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$CHPID/status" 2>/dev/null)
	echo "$fds $rss"
}

check "soak: 10 sessions" wait_calls 30 S 10
read -r fds10 rss10 <<<"$(sample)"
check "soak: $SESSIONS sessions reached" wait_calls 180 S "$SESSIONS"
read -r fds1000 rss1000 <<<"$(sample)"
kill "$hup" 2>/dev/null
wait "$hup" 2>/dev/null
diag "after 10 sessions: $fds10 fds, $rss10 kB RSS"
diag "after $(calls S) sessions: $fds1000 fds, $rss1000 kB RSS"
check "soak: descriptors flat ($fds10 -> $fds1000)" test "$fds10" -eq "$fds1000"
if [ "${SANITIZERS:-no}" = yes ]; then
	# ASan keeps freed memory in quarantine: RSS grows by design there.
	skip "soak: memory flat: RSS means nothing under ASan (LeakSanitizer checks leaks at exit instead)"
else
	check "soak: memory flat ($rss10 -> $rss1000 kB, within 64 kB)" \
	    test $((rss1000 - rss10)) -le 64
fi
sessions=$(wc -l <"$T/sessions" 2>/dev/null || echo 0)
overlaps=$(wc -l <"$T/overlaps" 2>/dev/null || echo 0)
check "soak: a session ran for each call ($sessions sessions, $(calls S) calls)" \
    test "$sessions" -ge "$SESSIONS"
check "soak: never two sessions at once ($overlaps overlaps)" \
    test "$overlaps" -eq 0
check "soak: no zombie" no_zombies "$CHPID"
stop_callhome
check "soak: exit 0 ($RC)" test "$RC" -eq 0
check "soak: no session ended abnormally for the supervisor" \
    sh -c "! grep -q 'could not be executed\|fork:' '$T/ch.log'"
done_testing
