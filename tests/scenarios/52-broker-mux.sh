#!/bin/bash
# Many sessions per device: OpenSSH connection multiplexing through the
# broker.  One real device (sshd-callhome + sshd -i) keeps its parked call
# (--wait-for-client=0); an ssh_config with ControlMaster auto,
# ControlPersist and the broker ProxyCommand (fd-pass).  The first ssh
# takes the parked call and becomes the master; ten concurrent
# "ssh -s dev netconf" share it: one take in the daemon's log, one session
# on the device.  Without ControlMaster every session is a take of its own.
. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

need_test_user
setup_sshd "$(unprivileged_user)"
[ -x "$NMSD" ] || skip_all "ssh-callhomed not built"

port=$(free_port)
CTL=$T/control
is_parked() { is_state dev parked; }
takes() { grep -c "took dev\$" "$T/d.log"; }
sessions() { grep -c "session started" "$T/dev.dev"; }
# The master detaches: it is no child of ours, and is a zombie (of this
# sub-reaper shell) once it has exited.
exited() { ! alive "$1"; }

printf 'dev\n' >"$T/devices"
: >"$T/kh"
bg "$NMSD" --listen=127.0.0.1:"$port" --devices="$T/devices" \
    --secret-file="$NMS_SECRET" --known-hosts="$T/kh" --control="$CTL" \
    --preamble-timeout=5 -v 2>"$T/d.log"
DPID=$BGPID
wait_until 10 listening "$port" && wait_for 10 -S "$CTL" ||
    diag "the daemon did not start: $(cat "$T/d.log")"

bg as_device "$CALLHOME" -v --device-id=dev --secret-file="$T/secret" \
    --host-key="$T/host_ed25519.pub" --wait-for-client=0 \
    --sshd-config="$T/sshd_config" --retry=1 --timeout=5 \
    --backoff-max=2 --redial-jitter=1 "127.0.0.1:$port" \
    >>"$T/dev.dev" 2>&1 </dev/null
DEVPID=$BGPID
if wait_until 20 is_parked; then
	ok "the device's call is parked"
else
	not_ok "the device's call is parked"; diag "$(tail "$T/d.log")"
fi

# The ssh_config of the README's "Managing a fleet".  %C keeps the
# ControlPath short: a unix socket path has a small length limit.
CM=$T/cm
mkdir "$CM"
cat >"$T/ssh_config" <<-EOF
	Host dev
	    User $DEVUSER
	    IdentityFile $T/user_key
	    IdentitiesOnly yes
	    BatchMode yes
	    StrictHostKeyChecking yes
	    UserKnownHostsFile $T/kh
	    GlobalKnownHostsFile /dev/null
	    LogLevel ERROR
	    ProxyCommand $NMS --broker=$CTL --device-id=%n --fdpass --timeout=20
	    ProxyUseFdpass yes
	    ControlMaster auto
	    ControlPath $CM/%C
	    ControlPersist 120
	EOF
sshc() { # tag [ssh args]
	local tag=$1
	shift
	${BG_EXEC:-} ssh -F "$T/ssh_config" "$@" dev -s netconf \
	    <"$T/client.xml" >"$T/$tag.out" 2>"$T/$tag.err"
}

sshc first
rc=$?
if [ $rc -eq 0 ] && netconf_ok first; then
	ok "the first ssh takes the parked call (ControlMaster auto)"
else
	not_ok "the first ssh (ssh $rc)"; show first
fi
ssh -F "$T/ssh_config" -O check dev 2>"$T/check.err"
MPID=$(sed -n 's/.*Master running (pid=\([0-9]*\)).*/\1/p' "$T/check.err")
if [ -n "$MPID" ] && kill -0 "$MPID" 2>/dev/null; then
	ok "... and a master stays (ControlPersist), pid $MPID"
	PIDS="$PIDS $MPID"
else
	not_ok "no master: $(cat "$T/check.err")"
fi

# Ten concurrent NETCONF sessions over the master.
spids=()
for k in 1 2 3 4 5 6 7 8 9 10; do
	bg sshc "mux-$k"
	spids[k]=$BGPID
done
good=0
for k in 1 2 3 4 5 6 7 8 9 10; do
	wait_pid 60 "${spids[k]}"
	rc=$?
	if [ $rc -eq 0 ] && netconf_ok "mux-$k"; then
		good=$((good + 1))
	else
		diag "session $k: ssh $rc"; show "mux-$k"
	fi
done
check "10 concurrent ssh -s dev netconf each get their reply ($good)" \
    [ "$good" -eq 10 ]
n=$(takes)
check "the daemon logged exactly one take ($n)" [ "$n" -eq 1 ]
n=$(sessions)
check "the device saw one session ($n)" [ "$n" -eq 1 ]
if grep -q "session ended" "$T/dev.dev"; then
	not_ok "the device's session is still up"; diag "$(tail "$T/dev.dev")"
else
	ok "the device's session is still up"
fi

# ssh -O exit stops the master; the device's session ends and it calls
# again.
ssh -F "$T/ssh_config" -O exit dev 2>"$T/exit.err"
rc=$?
if [ $rc -eq 0 ] && [ -n "$MPID" ] && wait_until 10 exited "$MPID" &&
    [ -z "$(ls -A "$CM")" ]; then
	ok "ssh -O exit stops the master and removes its socket"
else
	not_ok "ssh -O exit (ssh $rc): $(cat "$T/exit.err")"
fi
check "... the device's session ends" \
    wait_until 20 grep -q "session ended" "$T/dev.dev"
check "... and its next call is parked" wait_until 20 is_parked

# A second master, stopped by its PID.
sshc second
rc=$?
ssh -F "$T/ssh_config" -O check dev 2>"$T/check2.err"
MPID=$(sed -n 's/.*Master running (pid=\([0-9]*\)).*/\1/p' "$T/check2.err")
if [ $rc -eq 0 ] && netconf_ok second && [ -n "$MPID" ]; then
	PIDS="$PIDS $MPID"
	kill -TERM "$MPID"
	if wait_until 10 exited "$MPID"; then
		ok "a master is stopped by its PID"
	else
		not_ok "the master (pid $MPID) did not stop on SIGTERM"
	fi
else
	not_ok "the second master (ssh $rc)"; show second
fi
check "... and the device calls again" wait_until 20 is_parked

# Without ControlMaster each session takes a call of its own: the take
# count above would have caught a second take.
before=$(takes)
for k in 1 2; do
	sshc "plain-$k" -o ControlMaster=no -o ControlPath=none
	rc=$?
	if [ $rc -ne 0 ] || ! netconf_ok "plain-$k"; then
		diag "plain session $k: ssh $rc"; show "plain-$k"
	fi
	wait_until 20 is_parked
done
n=$(($(takes) - before))
check "without ControlMaster two sessions are two takes ($n)" [ "$n" -eq 2 ]

kill -TERM "$DEVPID"; wait_pid 10 "$DEVPID" >/dev/null
kill -TERM "$DPID"; wait_pid 10 "$DPID" >/dev/null
done_testing
