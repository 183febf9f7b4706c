#!/bin/bash
# 12: signals.  SIGTERM while dialing, in backoff and in a session stops
# cleanly (exit 0, the session's sshd gone, nothing left a zombie); SIGHUP
# dials at once; SIGUSR1 ends the session and a new call arrives.

. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

setup_sshd
common="--services=any --retry=1 -v"

# SIGTERM while a connect hangs.
listener H blackhole
start_callhome $common --timeout=60 127.0.0.1:"$PORT_H"
check "dialing: reached the hanging connect" wait_log 10 'dialing 127.0.0.1'
sleep 0.5
t0=$EPOCHREALTIME
stop_callhome
check "dialing: SIGTERM, exit 0 ($RC)" test "$RC" -eq 0
check "dialing: it did not wait for the 60 s connect timeout" \
    awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { exit !(b - a < 5) }'
stop_listener H

# SIGTERM in a long backoff: SIGHUP skips each wait shorter than 5 s, then
# SIGTERM must end the program at once, not when the wait is over.
port=$(free_port)
start_callhome $common --timeout=2 --backoff-max=60 127.0.0.1:"$port"
check "backoff: reached" wait_log 10 'next pass in'
# passes_over n: the log shows more than n passes.
passes_over() {
	[ "$(grep -c 'next pass in' "$T/ch.log")" -gt "$1" ]
}
long=
for i in $(seq 1 30); do
	wait_s=$(grep 'next pass in' "$T/ch.log" | tail -n 1 |
	    sed 's/.*next pass in \([0-9]*\)\..*/\1/')
	if [ "${wait_s:-0}" -ge 5 ]; then
		long=$wait_s
		break
	fi
	n=$(grep -c 'next pass in' "$T/ch.log")
	kill -HUP "$CHPID"
	wait_until 10 passes_over "$n" || break
done
if [ -n "$long" ]; then
	ok "backoff: a wait of 5 s or more reached ($long s)"
	t0=$EPOCHREALTIME
	kill -TERM "$CHPID"
	wait_pid 70 "$CHPID"
	RC=$?
	dt=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
	check "backoff: SIGTERM, exit 0 ($RC)" test "$RC" -eq 0
	check "backoff: gone within 1 s of SIGTERM ($dt s of a $long s wait)" \
	    awk -v d="$dt" 'BEGIN { exit !(d <= 1) }'
else
	not_ok "backoff: no wait of 5 s or more in 30 passes"
	stop_callhome
fi

# SIGTERM in a session.
listener S hold --hold-time 60
start_callhome $common --timeout=5 127.0.0.1:"$PORT_S"
check "session: started" wait_log 10 'session started, sshd pid'
sshd=$(sed -n 's/.*session started, sshd pid \([0-9]*\).*/\1/p' "$T/ch.log")
check "session: sshd $sshd is running" kill -0 "$sshd"
check "session: no zombie children" no_zombies "$CHPID"
stop_callhome
check "session: SIGTERM, exit 0 ($RC)" test "$RC" -eq 0
check "session: sshd $sshd is gone, not even a zombie" gone "$sshd"
check "session: the end is logged" wait_log 2 'session ended after'
check "session: exiting is logged" wait_log 2 'exiting'
stop_listener S

# SIGUSR1 ends the session; a new call follows at once.
listener U hold --hold-time 60
start_callhome $common --timeout=5 127.0.0.1:"$PORT_U"
check "usr1: first call" wait_calls 10 U 1
wait_log 5 'session started, sshd pid'
sshd=$(sed -n 's/.*session started, sshd pid \([0-9]*\).*/\1/p' "$T/ch.log" |
    head -1)
kill -USR1 "$CHPID"
check "usr1: a second call within 3 s" wait_calls 3 U 2
check "usr1: the first session's sshd is gone" wait_until 5 gone "$sshd"
check "usr1: logged" wait_log 2 'ending the session (SIGUSR1)'
for i in 1 2 3 4 5 6 7 8 9 10; do
	kill -USR1 "$CHPID"
	sleep 0.1
done
sleep 2
check "usr1 storm: still running" alive "$CHPID"
check "usr1 storm: no zombie children" no_zombies "$CHPID"
check "usr1 storm: at most one session at a time" \
    test "$(ps --ppid "$CHPID" -o pid= | wc -l)" -le 1
stop_callhome
check "usr1: exit 0 ($RC)" test "$RC" -eq 0
stop_listener U

# SIGHUP: skip the wait and dial now.
listener P hold --hold-time 1
start_callhome $common --timeout=5 --periodic=1 127.0.0.1:"$PORT_P"
check "hup: first periodic call" wait_calls 10 P 1
check "hup: waiting for the next period" wait_log 10 'next call in'
kill -HUP "$CHPID"
check "hup: dialed at once" wait_calls 3 P 2
for i in 1 2 3 4 5 6 7 8 9 10; do
	kill -HUP "$CHPID"
	sleep 0.05
done
sleep 1
check "hup storm: still running" alive "$CHPID"
check "hup storm: no zombie" no_zombies "$CHPID"
stop_callhome
check "hup: exit 0 ($RC)" test "$RC" -eq 0
done_testing
