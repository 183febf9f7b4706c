# Shared by the scenario tests: TAP output, a throwaway sshd setup, process
# bookkeeping.  Source it; then call setup_sshd; cleanup runs on exit.
#
# Everything lives in one mktemp -d directory; processes are stopped by the
# PIDs recorded here, never by name; every wait is bounded.

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
CALLRECV=$top_srcdir/tests/helpers/callrecv.py
NETCONF_STUB=$top_builddir/tests/helpers/netconf-stub
TEST_USER=callhome-test		# made by .ci/run for the unprivileged runs

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
	local p
	for p in $PIDS; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in $PIDS; do
		wait "$p" 2>/dev/null
	done
	release_privsep
	[ -n "${T:-}" ] && rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# bg command...: start in the background, remember the PID for cleanup.
bg() {
	"$@" <&0 &
	BGPID=$!
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
		kill -KILL "$pid" 2>/dev/null
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
	if [ "$DEVUSER" != "$(id -un)" ]; then
		chown -R "$DEVUSER" "$T"
		chmod 600 "$T/host_ed25519" "$T/host_rsa"
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

# as_device cmd...: run as DEVUSER (the device side's account).
as_device() {
	if [ "$DEVUSER" = "$(id -un)" ]; then
		"$@"
	else
		runuser -u "$DEVUSER" -- "$@"
	fi
}

# The unprivileged account for device-side runs, if this machine has one.
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
	ssh -F /dev/null -i "$T/user_key" -o IdentitiesOnly=yes \
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

# no_zombies pid: no child of pid is a zombie.
no_zombies() {
	! ps --ppid "$1" -o stat= 2>/dev/null | grep -q Z
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
	ssh -F /dev/null -i "$T/user_key" -o IdentitiesOnly=yes \
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
