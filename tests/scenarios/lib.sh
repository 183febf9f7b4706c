# Shared by the scenario tests: TAP output, a throwaway sshd setup, process
# bookkeeping.  Source it; then call setup_sshd; cleanup runs on exit.
#
# Everything lives in one mktemp -d directory; processes are started with
# bg (a process group each) and stopped by the PIDs recorded here, never by
# name; done_testing checks that nothing the scenario started is left
# running; every wait is bounded.

set -u
# No core files from a crash in a test: a sanitizer build's would be huge.
# The soft limit only: 48-core-dumps raises it again for what it starts.
ulimit -S -c 0

: "${top_srcdir:?run through make check}"
: "${top_builddir:?run through make check}"
: "${SSHD:=/usr/sbin/sshd}"
PYTHON=/usr/bin/python3
CALLHOME=$top_builddir/sshd-callhome
NMS=$top_builddir/ssh-callhome
NMSD=$top_builddir/ssh-callhomed
CALLRECV=$top_srcdir/tests/helpers/callrecv.py
NETCONF_STUB=$top_builddir/tests/helpers/netconf-stub
SUBREAPER=$top_builddir/tests/helpers/subreaper
TEST_USER=callhome-test		# made by need_test_user, for root runs
# sshd of OpenSSH 10.0 (Debian 13) arms LoginGraceTime plus a random 0 to
# 4 s (against timing attacks on its alarm handler); that of 9.2 (Debian
# 12) arms it exactly.  A bound on how long an unanswered call lasts
# allows for the jitter whatever the sshd, as --wait-for-client must.
GRACE_JITTER=4

# Whatever a scenario starts carries its tag in the environment and, with
# the script re-run (same PID) as a child sub-reaper, stays below its
# shell even when it detaches: done_testing finds what is left by both.
if [ "${CALLHOME_TEST_REAPED:-}" != "$$" ]; then
	CALLHOME_TEST_TAG=$top_builddir/${0##*/}:$$:$EPOCHREALTIME
	export CALLHOME_TEST_TAG
	if [ -x "$SUBREAPER" ]; then
		export CALLHOME_TEST_REAPED=$$
		exec "$SUBREAPER" "$BASH" "$0" "$@"
	fi
fi

tap_n=0
tap_failed=0
PIDS=
MADE_PRIVSEP=

ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $*"
}

not_ok() {
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $*"
}

# check "description" command...: ok when the command succeeds.
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}

skip() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n # SKIP $*"
}

skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

diag() {
	echo "$*" | sed 's/^/# /'
}

done_testing() {
	stop_jobs
	if nothing_left; then
		ok "nothing left running"
	else
		not_ok "nothing left running"
		diag "$LEFT_REPORT"
	fi
	LEFT_CHECKED=1
	# A sanitizer build reports into the logs the tests keep.
	if [ -n "${T:-}" ] && grep -rqsE \
	    'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T"; then
		not_ok "no sanitizer report in this scenario's logs"
		grep -rhE -A5 'ERROR: (Address|Leak)Sanitizer|runtime error:' \
		    "$T" | head -20 | sed 's/^/# /'
	fi
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}

is_root() {
	[ "$(id -u)" -eq 0 ]
}

cleanup() {
	stop_jobs
	# An early exit (skip_all, a failed setup): no TAP line after the
	# plan, but nothing stays behind either.
	if [ -z "$LEFT_CHECKED" ] && ! nothing_left; then
		echo "$LEFT_REPORT" >&2
	fi
	release_test_user
	release_privsep
	netns_del
	[ -n "${T:-}" ] && rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# Processes.  PIDS holds what the test started: each job bg starts leads a
# process group of its own, and a test may add single PIDs (a daemon's).
# Stopping signals those groups and processes, and only the ones still
# below this shell or tagged as this scenario's: a recorded PID that has
# long ended and been reused by someone else is left alone.
declare -A MINE=() PGID_OF=()
LEFT_CHECKED=
LEFT_REPORT=
BG_EXEC=

# proc_scan: MINE, the PIDs of the processes this scenario started that are
# still running (not zombies), PGID_OF their process groups.  Builtins
# only, so that the scan does not find itself.
proc_scan() {
	local d p f line e since
	local -A ppid=()
	MINE=()
	PGID_OF=()
	read -r line </proc/$$/stat
	f=(${line##*) })
	since=${f[19]}
	for d in /proc/[0-9]*; do
		p=${d#/proc/}
		[ "$p" = "$$" ] && continue
		{ read -r line <"$d/stat"; } 2>/dev/null || continue
		f=(${line##*) })
		# state ppid pgrp ... starttime (field 22 of stat)
		[ "${f[0]}" = Z ] && continue
		[ "${f[19]}" -lt "$since" ] && continue
		ppid[$p]=${f[1]}
		PGID_OF[$p]=${f[2]}
		# The tag, where the environment is still there to read
		# (setproctitle overwrites sshd-callhome's own).
		while IFS= read -r -d '' e; do
			if [ "$e" = "CALLHOME_TEST_TAG=$CALLHOME_TEST_TAG" ]; then
				MINE[$p]=1
				break
			fi
		done 2>/dev/null <"$d/environ"
	done
	# And everything below this shell or below a tagged process.
	local grew=1
	while [ -n "$grew" ]; do
		grew=
		for p in "${!ppid[@]}"; do
			[ -n "${MINE[$p]:-}" ] && continue
			if [ "${ppid[$p]}" = "$$" ] ||
			    [ -n "${MINE[${ppid[$p]}]:-}" ]; then
				MINE[$p]=1
				grew=1
			fi
		done
	done
}

# recorded_alive [signal]: which of MINE the test recorded (by PID or by
# process group); send them the signal if given.  True if any.
recorded_alive() {
	local p q any=1
	proc_scan
	for p in "${!MINE[@]}"; do
		for q in $PIDS; do
			if [ "$p" = "$q" ] || [ "${PGID_OF[$p]}" = "$q" ]; then
				[ -n "${1:-}" ] && kill "-$1" "$p" 2>/dev/null
				any=0
				break
			fi
		done
	done
	return $any
}

# stop_jobs: SIGTERM to everything recorded, a bounded wait, then SIGKILL.
stop_jobs() {
	local n=20 p
	[ -n "$PIDS" ] || return 0
	recorded_alive TERM || n=0
	while [ "$n" -gt 0 ] && recorded_alive; do
		sleep 0.1
		n=$((n - 1))
	done
	recorded_alive KILL
	for p in $PIDS; do
		kill -0 "$p" 2>/dev/null || wait "$p" 2>/dev/null
	done
	PIDS=
}

# nothing_left: true when, after a bounded wait for processes on their way
# out, nothing this scenario started is running; otherwise kills what is
# and describes it in LEFT_REPORT.
nothing_left() {
	local n=20 p
	LEFT_REPORT=
	while proc_scan; [ "${#MINE[@]}" -gt 0 ]; do
		if [ "$n" -le 0 ]; then
			for p in "${!MINE[@]}"; do
				LEFT_REPORT+="left running: $p $(tr '\0' ' ' \
				    <"/proc/$p/cmdline" 2>/dev/null)"$'\n'
				kill -KILL "$p" 2>/dev/null
			done
			LEFT_REPORT=${LEFT_REPORT%$'\n'}
			return 1
		fi
		sleep 0.1
		n=$((n - 1))
	done
	return 0
}

# bg command...: start in the background, in a process group of its own,
# and record it for cleanup.  BGPID is the PID of the program itself: a
# shell function run here execs its last command if that command starts
# with ${BG_EXEC:-} (ssh_nms, as_device...: only ever the last one); other
# functions' programs are stopped with their group all the same.
bg() {
	set -m
	if declare -F "$1" >/dev/null; then
		{ BG_EXEC=exec; "$@"; } <&0 &
	else
		"$@" <&0 &
	fi
	BGPID=$!
	set +m
	PIDS="$PIDS $BGPID"
}

# wait_for secs test-args...: poll a condition every 0.1 s, bounded.
wait_for() {
	local n=$(($1 * 10))
	shift
	while [ "$n" -gt 0 ]; do
		test "$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# wait_pid secs pid: wait for a background child, bounded; its status.
wait_pid() {
	local n=$(($1 * 10)) pid=$2
	while [ "$n" -gt 0 ] && kill -0 "$pid" 2>/dev/null; do
		sleep 0.1
		n=$((n - 1))
	done
	if kill -0 "$pid" 2>/dev/null; then
		# Its process group if it leads one (bg), so that a program it
		# started (ssh's ProxyCommand) goes too.
		kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		return 124
	fi
	wait "$pid" 2>/dev/null
}

# A port nobody listens on (bound, then released).
free_port() {
	$PYTHON -c 'import socket,sys
s=socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET)
s.bind((sys.argv[1],0)); print(s.getsockname()[1])' "${1:-127.0.0.1}"
}

# Debian's sshd wants its privilege separation directory when run as root.
# Tests run in parallel share it: each holds a shared lock while it runs,
# and the last one out removes the directory if the tests made it.
PRIVSEP_LOCK=$top_builddir/tests/privsep.lock
PRIVSEP_MADE=$top_builddir/tests/privsep.made
ensure_privsep() {
	is_root || return 0
	mkdir -p "$top_builddir/tests"
	exec 7>>"$PRIVSEP_LOCK"
	flock -s -w 60 7 || return 1
	MADE_PRIVSEP=1
	if [ ! -d /run/sshd ]; then
		mkdir -m 0755 /run/sshd 2>/dev/null && : >"$PRIVSEP_MADE"
	fi
}

release_privsep() {
	[ -n "$MADE_PRIVSEP" ] || return 0
	flock -u 7
	if flock -x -n 7; then
		if [ -e "$PRIVSEP_MADE" ]; then
			rmdir /run/sshd 2>/dev/null
			rm -f "$PRIVSEP_MADE"
		fi
		flock -u 7
	fi
	exec 7>&-
	MADE_PRIVSEP=
}

# need_test_user: for a test run as root, the unprivileged account
# TEST_USER for the device side, made here if it does not exist; then
# unprivileged_user names it.  Call it in the test's own shell (not in
# $(...)): cleanup releases it.  Tests of any build tree running at once
# share the account: each holds a shared lock on TEST_USER_REFS while it
# needs it, and making or removing happens under the exclusive
# TEST_USER_LOCK; the last one out removes the account, and only if a
# test made it (TEST_USER_MADE).  Not root: nothing to do, the tests run
# as the invoking user.  Returns 1 if the account cannot be had.
TEST_USER_LOCK=/run/lock/callhome-test.lock
TEST_USER_REFS=/run/lock/callhome-test.users
TEST_USER_MADE=/run/lock/callhome-test.made
TEST_USER_FD=
need_test_user() {
	local m out rc=0
	is_root || return 0
	[ -z "$TEST_USER_FD" ] || return 0
	mkdir -p /run/lock || return 1
	exec {m}>>"$TEST_USER_LOCK" || return 1
	if ! flock -x -w 60 "$m"; then
		exec {m}>&-
		return 1
	fi
	exec {TEST_USER_FD}>>"$TEST_USER_REFS"
	# Never blocks: an exclusive lock on it is only tried under $m.
	flock -s "$TEST_USER_FD"
	if ! getent passwd "$TEST_USER" >/dev/null; then
		if out=$(useradd --create-home --shell /bin/sh "$TEST_USER" \
		    2>&1); then
			: >"$TEST_USER_MADE"
		else
			diag "useradd $TEST_USER: $out"
			flock -u "$TEST_USER_FD"
			exec {TEST_USER_FD}>&-
			TEST_USER_FD=
			rc=1
		fi
	fi
	exec {m}>&-
	return $rc
}

release_test_user() {
	local m out
	[ -n "$TEST_USER_FD" ] || return 0
	exec {m}>>"$TEST_USER_LOCK"
	flock -x -w 60 "$m"
	flock -u "$TEST_USER_FD"
	if flock -x -n "$TEST_USER_FD" && [ -e "$TEST_USER_MADE" ]; then
		# userdel refuses while the account runs a process: then the
		# marker stays, and a later run removes the account.
		if out=$(userdel --remove "$TEST_USER" 2>&1) ||
		    ! getent passwd "$TEST_USER" >/dev/null; then
			rm -f "$TEST_USER_MADE"
		else
			echo "userdel $TEST_USER: $out" >&2
		fi
	fi
	exec {TEST_USER_FD}>&- {m}>&-
	TEST_USER_FD=
}

# setup_sshd [user]: $T with host keys, a user key, authorized_keys and an
# sshd_config whose netconf subsystem is the stand-in.  DEVUSER is the
# account sshd will run as and the client logs in as.
setup_sshd() {
	DEVUSER=${1:-$(id -un)}
	T=$(mktemp -d "${TMPDIR:-/tmp}/callhome-test.XXXXXX") || exit 1
	chmod 755 "$T"
	ssh-keygen -q -t ed25519 -N '' -C 'host key' -f "$T/host_ed25519"
	ssh-keygen -q -t rsa -b 2048 -N '' -C 'host key' -f "$T/host_rsa"
	ssh-keygen -q -t ed25519 -N '' -C 'nms key' -f "$T/user_key"
	cp "$T/user_key.pub" "$T/authorized_keys"
	chmod 644 "$T/authorized_keys"
	cat >"$T/sshd_config" <<-EOF
	HostKey $T/host_ed25519
	HostKey $T/host_rsa
	AuthorizedKeysFile $T/authorized_keys
	StrictModes no
	PubkeyAuthentication yes
	PasswordAuthentication no
	KbdInteractiveAuthentication no
	UsePAM no
	PidFile none
	LoginGraceTime 30
	LogLevel VERBOSE
	Subsystem netconf $NETCONF_STUB
	EOF
	printf '%s\n' 'fleet-secret-42' >"$T/secret"
	chmod 600 "$T/secret"
	# ssh-callhome's copy: a secret file must be owned by its reader or root.
	NMS_SECRET=$T/secret
	if [ "$DEVUSER" != "$(id -un)" ]; then
		chown -R "$DEVUSER" "$T"
		chmod 600 "$T/host_ed25519" "$T/host_rsa"
		NMS_SECRET=$T/nms-secret
		cp "$T/secret" "$NMS_SECRET"
	fi
	ensure_privsep
	# A NETCONF client's side: hello, one <get>, close.
	cat >"$T/client.xml" <<-'EOF'
	<?xml version="1.0" encoding="UTF-8"?>
	<hello xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><capabilities><capability>urn:ietf:params:netconf:base:1.0</capability></capabilities></hello>]]>]]>
	<rpc message-id="101" xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><get/></rpc>]]>]]>
	<rpc message-id="102" xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><close-session/></rpc>]]>]]>
	EOF
}

# as_device cmd...: run as DEVUSER (the device side's account).  setpriv
# execs the command (runuser would stay as its parent), so that under bg
# BGPID is the command's own PID.
as_device() {
	local gid home
	if [ "$DEVUSER" = "$(id -un)" ]; then
		${BG_EXEC:-} "$@"
	else
		gid=$(id -g "$DEVUSER")
		home=$(getent passwd "$DEVUSER" | cut -d: -f6)
		${BG_EXEC:-} setpriv --reuid="$DEVUSER" --regid="$gid" \
		    --init-groups env HOME="$home" USER="$DEVUSER" \
		    LOGNAME="$DEVUSER" "$@"
	fi
}

# private_mounts: true if this test can have a mount namespace of its own;
# if not, NO_PRIVATE_MOUNTS says why, for the skip.  In a plain chroot,
# where / is not a mount point, unshare --propagation private fails.
private_mounts() {
	local out
	NO_PRIVATE_MOUNTS=
	if ! is_root; then
		NO_PRIVATE_MOUNTS="needs root for a private mount namespace"
	elif ! command -v unshare >/dev/null; then
		NO_PRIVATE_MOUNTS="no unshare(1) for a private mount namespace"
	elif ! out=$(unshare --mount --propagation private true 2>&1); then
		NO_PRIVATE_MOUNTS="no private mount namespace here (/ not a mount point, as in a plain chroot?): ${out:-unshare failed}"
	fi
	[ -z "$NO_PRIVATE_MOUNTS" ]
}

# Network namespaces, as root.  netns_usable [tool...]: true if this
# test can make network namespaces and has ip(8) and the tools named; if
# not, NO_NETNS says why, for the skip.
netns_usable() {
	local t
	NO_NETNS=
	if ! is_root; then
		NO_NETNS="needs root for network namespaces"
		return 1
	fi
	for t in ip "$@"; do
		if ! command -v "$t" >/dev/null; then
			NO_NETNS="no $t(8) here"
			return 1
		fi
	done
	if ! ip netns add "chk-$$" 2>/dev/null; then
		NO_NETNS="no network namespaces here"
		return 1
	fi
	ip netns del "chk-$$"
}

# need_netns what [tool...]: as netns_usable; if not, the skipped point
# "what: why", and the test ends there.
need_netns() {
	local what=$1
	shift
	netns_usable "$@" && return 0
	skip "$what: $NO_NETNS"
	done_testing
	exit
}

# netns_add name...: network namespaces with their loopback up, deleted
# again on exit (cleanup, after the processes are stopped).  The names
# carry the PID: parallel runs do not meet.
NETNS=
netns_add() {
	local ns
	for ns; do
		ip netns add "$ns" || return 1
		NETNS="$NETNS $ns"
		ip -n "$ns" link set lo up
	done
}

netns_del() {
	local ns
	for ns in $NETNS; do
		ip netns del "$ns" 2>/dev/null
	done
	NETNS=
}

# netns_pair prefix: DEV and NMSNS, the device's namespace and the NMS's.
netns_pair() {
	DEV=$1dev-$$
	NMSNS=$1nms-$$
	netns_add "$DEV" "$NMSNS"
}

# veth ns-a link-a ns-b link-b: a veth pair between two namespaces, both
# ends up.
veth() {
	ip link add "$2" type veth peer name "$4" &&
	    ip link set "$2" netns "$1" && ip link set "$4" netns "$3" &&
	    ip -n "$1" link set "$2" up && ip -n "$3" link set "$4" up
}

# netns_empty: no process left in any namespace of netns_add's.
netns_empty() {
	local ns
	for ns in $NETNS; do
		[ -z "$(ip netns pids "$ns" 2>/dev/null)" ] || return 1
	done
}

# The unprivileged account for device-side runs, if this machine has one
# (need_test_user makes it).
unprivileged_user() {
	if ! is_root; then
		id -un
	elif getent passwd "$TEST_USER" >/dev/null; then
		echo "$TEST_USER"
	fi
}

# ssh_nms proxycommand [ssh args...]: a stock ssh client as the NMS.
ssh_nms() {
	local proxy=$1
	shift
	${BG_EXEC:-} ssh -F /dev/null -i "$T/user_key" -o IdentitiesOnly=yes \
	    -o BatchMode=yes -o StrictHostKeyChecking=no \
	    -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
	    -o ConnectTimeout=20 -o ProxyCommand="$proxy" \
	    -o ProxyUseFdpass=yes "$@"
}

# expected_preamble id [hostkey-line secret [nul]]: the bytes, built here
# with printf and openssl, apart from the code under test.
expected_preamble() {
	local id=$1 key=${2:-} secret=${3:-} nul=${4:-} hmac
	printf 'MSG-ID: DEVICE-CONN-INFO\r\nMSG-VER: V1\r\nDEVICE-ID: %s\r\n' "$id"
	if [ -n "$key" ]; then
		hmac=$(printf '%s' "$key" | openssl dgst -sha1 -hmac "$secret" |
		    sed 's/^.*= //')
		printf 'HOST-KEY: %s' "$key"
		[ -n "$nul" ] && printf '\0'
		printf '\r\nHMAC: %s\r\n' "$hmac"
	fi
}

# session name lines 'ssh args' [sshd-callhome options...]: one call home
# through the oracle listener; ssh's output in $T/out and $T/ssh.err,
# sshd-callhome's status in $RC and its log in $T/callhome.err.
session() {
	local name=$1 lines=$2 sshargs=$3 sshpid port
	shift 3
	rm -f "$T/port" "$T/pre" "$T/out"
	# shellcheck disable=SC2086
	bg ssh_nms "$PYTHON $CALLRECV --port-file $T/port --record $T/pre \
	    --lines $lines" $sshargs <"${SSH_STDIN:-/dev/null}" >"$T/out" \
	    2>"$T/ssh.err"
	sshpid=$BGPID
	if ! wait_for 10 -s "$T/port"; then
		not_ok "$name: listener up"
		return 1
	fi
	port=$(cat "$T/port")
	as_device "$CALLHOME" --once --device-id=rtr-1 \
	    --sshd-config="$T/sshd_config" --retry=1 --timeout=5 "$@" \
	    "127.0.0.1:$port" 2>"$T/callhome.err"
	RC=$?
	wait_pid 30 "$sshpid"
}

# Persistent runs: listeners that log each call, and a supervisor whose
# stderr lines are stamped with the time they arrived.

stamp() {
	local l
	while IFS= read -r l; do
		printf '%s %s\n' "$EPOCHREALTIME" "$l"
	done
}

# listener name mode [callrecv options...]: $T/name.port, $T/name.log.
listener() {
	local name=$1 mode=$2
	shift 2
	rm -f "$T/$name.port"
	bg $PYTHON "$CALLRECV" --mode "$mode" --port-file "$T/$name.port" \
	    --log "$T/$name.log" --calls 100 --timeout 300 "$@"
	eval "LPID_$name=$BGPID"
	wait_for 10 -s "$T/$name.port" || { not_ok "listener $name up"; return 1; }
	eval "PORT_$name=$(cat "$T/$name.port")"
}

stop_listener() {
	local pid
	eval "pid=\$LPID_$1"
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

# calls name: how many calls the listener has taken.
calls() {
	if [ -f "$T/$1.log" ]; then wc -l <"$T/$1.log"; else echo 0; fi
}

# wait_calls secs name n: until the listener has taken n calls.
wait_calls() {
	local n=$(($1 * 10))
	while [ "$n" -gt 0 ]; do
		[ "$(calls "$2")" -ge "$3" ] && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# wait_until secs command...: run the command every 0.1 s until it succeeds.
wait_until() {
	local n=$(($1 * 10))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# wait_log secs pattern: until the supervisor has logged a matching line.
wait_log() {
	wait_until "$1" grep -qF -- "$2" "$T/ch.log"
}

# start_callhome [options...] servers...: a persistent sshd-callhome.
start_callhome() {
	: >"$T/ch.log"
	bg "$CALLHOME" --device-id=rtr-1 --sshd-config="$T/sshd_config" "$@" \
	    2> >(stamp >>"$T/ch.log")
	CHPID=$BGPID
}

# stop_callhome: SIGTERM, bounded wait; its status in $RC.
stop_callhome() {
	kill -TERM "$CHPID" 2>/dev/null
	wait_pid 10 "$CHPID"
	RC=$?
}

# freeze_nms: a stock ssh (-N) as the NMS, behind a userspace proxy
# (tests/helpers/freezeproxy.py) that stops forwarding, silently, once
# $T/freeze exists: the NMS vanishes without a FIN or an RST.  SSHPID is
# ssh's PID; the device calls 127.0.0.1:$(cat "$T/proxy.port").
freeze_nms() {
	rm -f "$T/port"
	bg ssh_nms "$PYTHON $CALLRECV --port-file $T/port --lines 3" -N \
	    "$DEVUSER@device" >"$T/out" 2>"$T/ssh.err"
	SSHPID=$BGPID
	wait_for 10 -s "$T/port"
	bg $PYTHON "$top_srcdir/tests/helpers/freezeproxy.py" \
	    --port-file "$T/proxy.port" --to "127.0.0.1:$(cat "$T/port")" \
	    --freeze "$T/freeze"
	wait_for 10 -s "$T/proxy.port"
}

# no_zombies pid: no child of pid is a zombie.
no_zombies() {
	! ps --ppid "$1" -o stat= 2>/dev/null | grep -q Z
}

# alive pid: the process exists and has not exited (a zombie has: kill -0
# would still succeed).
alive() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null)
	[ -n "$st" ] && [ "${st#Z}" = "$st" ]
}

# gone pid: no such process, not even a zombie.
gone() {
	[ -z "$(ps -o pid= -p "$1" 2>/dev/null)" ]
}

# --- Added for the management-side (ssh-callhome) scenarios. ---

FAKEDEV=$top_srcdir/tests/helpers/fakedev.py

# listening port [hexaddr]: a TCP socket listens on port (on any address,
# or on the /proc/net/tcp* address given, e.g. 0100007F for 127.0.0.1),
# without connecting to it.  Linux only.
listening() {
	local hex
	hex=$(printf '%04X' "$1")
	cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk -v p="$hex" \
	    -v a="${2:-}" '$4 == "0A" { split($2, la, ":");
		if (la[2] == p && (a == "" || la[1] == a)) f = 1 }
	    END { exit !f }'
}

# have_ipv6: the loopback ::1 can be bound here.
have_ipv6() {
	$PYTHON -c 'import socket
s = socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null
}

# ssh_nms_kh knownhosts alias fdpass proxycommand [ssh args...]: a stock
# ssh client that checks the device's host key strictly against
# knownhosts under the name alias ("" for none: ssh's host name), with
# ProxyUseFdpass=fdpass (yes or no).  knownhosts "none": no checking.
ssh_nms_kh() {
	local kh=$1 alias=$2 fdpass=$3 proxy=$4 strict=yes
	shift 4
	if [ "$kh" = none ]; then
		kh=/dev/null
		strict=no
	fi
	${BG_EXEC:-} ssh -F /dev/null -i "$T/user_key" -o IdentitiesOnly=yes \
	    -o BatchMode=yes -o StrictHostKeyChecking="$strict" \
	    -o UserKnownHostsFile="$kh" -o GlobalKnownHostsFile=/dev/null \
	    ${alias:+-o HostKeyAlias="$alias"} -o LogLevel=ERROR \
	    -o ConnectTimeout=20 -o ProxyCommand="$proxy" \
	    -o ProxyUseFdpass="$fdpass" "$@"
}

# pubkey file: "<type> <base64>" of an OpenSSH public key file.
pubkey() {
	cut -d' ' -f1,2 "$1"
}

# nms_ssh_start tag knownhosts alias fdpass host port nms-options...: a
# stock ssh (ssh_nms_kh) to host running the netconf subsystem with
# $T/client.xml as input, through "ssh-callhome nms-options" as its
# ProxyCommand; output in $T/tag.out, stderr (ssh-callhome's log too) in
# $T/tag.err, SSHPID its PID.  Returns once ssh-callhome listens on port.
nms_ssh_start() {
	local tag=$1 kh=$2 alias=$3 fdpass=$4 host=$5 port=$6
	shift 6
	bg ssh_nms_kh "$kh" "$alias" "$fdpass" "$NMS $*" -l "$DEVUSER" \
	    "$host" -s netconf <"$T/client.xml" >"$T/$tag.out" 2>"$T/$tag.err"
	SSHPID=$BGPID
	wait_until 10 listening "$port"
}

# device_start tag device-id server [sshd-callhome options...]: our device
# side, one call, as DEVUSER; its log in $T/tag.dev, DEVPID its PID.
device_start() {
	local tag=$1 id=$2 server=$3
	shift 3
	bg as_device "$CALLHOME" --once --device-id="$id" \
	    --sshd-config="$T/sshd_config" --retry=1 --timeout=5 "$@" \
	    "$server" >"$T/$tag.dev" 2>&1 </dev/null
	DEVPID=$BGPID
}

# netconf_ok tag: the NETCONF exchange in $T/tag.out went through.
netconf_ok() {
	grep -q '<stub>netconf-stub</stub>' "$T/$1.out" &&
	    grep -q 'message-id="102"><ok/>' "$T/$1.out"
}

# show tag: a failed step's evidence as TAP diagnostics.
show() {
	local f
	for f in "$T/$1.err" "$T/$1.dev" "$T/$1.out"; do
		[ -s "$f" ] && diag "$(basename "$f"):" && diag "$(tail -n 15 "$f")"
	done
	return 0
}

# The fleet as ssh-callhomed lists it, for the broker scenarios (5x); CTL
# names the daemon's control socket.  raw: the protocol's lines; field ID
# N: field N of the device line of ID; state ID: its state (empty when it
# has no line); is_state ID STATE, for wait_until.
raw() { "$NMS" --broker="$CTL" --list --format=raw 2>/dev/null; }
field() { raw | awk -v id="$1" -v f="$2" '$1 == "device" && $2 == id { print $f }'; }
state() { field "$1" 3; }
is_state() { [ "$(state "$1")" = "$2" ]; }

# --- The proxy scenarios (6x): real proxies on loopback. ---

# proxy_setup program: the start of a scenario with a real proxy: it is
# skipped if program (a Debian package of that name) is not installed;
# setup_sshd as the unprivileged account; the device's password files,
# its own account's and private: $T/proxy-pw (pw-4-alice, what the
# proxies are set to want) and $T/proxy-bad.
proxy_setup() {
	command -v "$1" >/dev/null ||
	    skip_all "$1 not installed (apt-get install $1)"
	need_test_user
	setup_sshd "$(unprivileged_user)"
	[ -x "$NMS" ] || skip_all "ssh-callhome not built"
	printf '%s\n' 'pw-4-alice' >"$T/proxy-pw"
	printf '%s\n' 'not-her-password' >"$T/proxy-bad"
	chmod 600 "$T/proxy-pw" "$T/proxy-bad"
	chown "$DEVUSER" "$T/proxy-pw" "$T/proxy-bad"
}

# start_proxy name port command...: a proxy in the background; its output
# in $T/name.log, PID_name its PID; returns once it listens.
start_proxy() {
	local name=$1 port=$2
	shift 2
	bg "$@" >"$T/$name.log" 2>&1 </dev/null
	eval "PID_$name=$BGPID"
	wait_until 10 listening "$port" || {
		diag "$name did not listen on $port: $(tail -5 "$T/$name.log")"
		return 1
	}
}

stop_proxy() {
	local pid
	eval "pid=\$PID_$1"
	kill "$pid" 2>/dev/null
	wait_pid 10 "$pid"
}

# e2e tag proxy-url nms-port [device options...]: a whole NETCONF session
# through the proxy to ssh-callhome on 127.0.0.1:nms-port.  The proxies
# are set to dial out from 127.0.0.2, which the device never uses: the
# NMS must see that as the peer.
e2e() {
	local tag=$1 url=$2 nport=$3
	shift 3
	nms_ssh_start "$tag" none "" yes dev-a "$nport" --fdpass \
	    --listen="127.0.0.1:$nport" --timeout=30 --print ||
		diag "$tag: ssh-callhome did not listen on $nport"
	device_start "$tag" dev-a "127.0.0.1:$nport" --proxy="$url" "$@"
	wait_pid 40 "$SSHPID"
	SSHRC=$?
	wait_pid 20 "$DEVPID"
	DEVRC=$?
	if [ "$SSHRC" -eq 0 ] && netconf_ok "$tag"; then
		ok "$tag: a NETCONF session through $url"
	else
		not_ok "$tag: a NETCONF session through $url (ssh $SSHRC)"
		show "$tag"
	fi
	check "$tag: the NMS saw the proxy (127.0.0.2) as the peer" \
	    grep -q '^PEER=127\.0\.0\.2:[0-9]*$' "$T/$tag.err"
	check "$tag: the device logs the call via the proxy" \
	    grep -q "127.0.0.1:$nport via proxy .*: connected" "$T/$tag.dev"
}

# proxy_refused tag want [device options...] server: one call that the
# proxy refuses; the device exits 69 having logged want.
proxy_refused() {
	local tag=$1 want=$2
	shift 2
	device_start "$tag" dev-a "$@"
	wait_pid 30 "$DEVPID"
	DEVRC=$?
	if [ "$DEVRC" -eq 69 ] && grep -q -- "$want" "$T/$tag.dev"; then
		ok "$tag: exit 69, logged \"$want\""
		diag "$(grep -- "$want" "$T/$tag.dev" | head -n 1)"
	else
		not_ok "$tag: exit $DEVRC, want 69 and \"$want\""
		diag "$(tail -n 8 "$T/$tag.dev")"
	fi
}
