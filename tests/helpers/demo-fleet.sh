#!/bin/sh
# make demo-fleet: a fleet of three devices calling one ssh-callhomed on
# loopback, narrated.
#
# Three throwaway devices (rtr-1..rtr-3, one shared sshd config and host
# key, sshd-callhome --wait-for-client=0) call one daemon with a registry;
# "ssh-callhome --broker --list" shows them parked; stock ssh then reaches
# rtr-2 by name through the broker and runs one NETCONF <get>.  Everything
# lives in one temporary directory, removed at the end; every wait is
# bounded.  Works as root or not.
#
# Environment (set by "make demo-fleet"): top_builddir (programs), SSHD.

set -u

: "${top_builddir:?run through make demo-fleet}"
: "${SSHD:=/usr/sbin/sshd}"
CALLHOME=$top_builddir/sshd-callhome
NMS=$top_builddir/ssh-callhome
NMSD=$top_builddir/ssh-callhomed
STUB=$top_builddir/tests/helpers/netconf-stub
IDS="rtr-1 rtr-2 rtr-3"
ID=rtr-2

D=
MADE_PRIVSEP=
PIDS=

cleanup() {
	for p in $PIDS; do
		kill "$p" 2>/dev/null
	done
	for p in $PIDS; do
		wait "$p" 2>/dev/null
	done
	[ -n "$MADE_PRIVSEP" ] && rmdir /run/sshd 2>/dev/null
	[ -n "$D" ] && rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

step() {
	printf '\n==> %s\n' "$*"
}

# Indented, so that the transcript reads apart from the narration.
show() {
	sed 's/^/    /'
}

die() {
	printf '\ndemo FAILED: %s\n' "$*" >&2
	for f in daemon.log rtr-1.log rtr-2.log rtr-3.log ssh.err; do
		if [ -s "$D/$f" ]; then
			printf '\n--- %s\n' "$f" >&2
			tail -n 20 "$D/$f" >&2
		fi
	done
	exit 1
}

# wait_until tenths command...: poll, bounded.
wait_until() {
	n=$1
	shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

listening() {
	hex=$(printf '%04X' "$1")
	cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
	    awk -v p="$hex" '$4 == "0A" { split($2, a, ":"); if (a[2] == p) f = 1 }
		END { exit !f }'
}

free_port() {
	if command -v python3 >/dev/null; then
		python3 -c 'import socket; s = socket.socket()
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
	else
		echo $((20000 + $$ % 30000))
	fi
}

# all_parked: the raw list shows the three devices parked.
all_parked() {
	[ "$("$NMS" --broker="$D/control" --list --format=raw 2>/dev/null |
	    awk '$1 == "device" && $3 == "parked" { n++ } END { print n + 0 }')" -eq 3 ]
}

for p in "$CALLHOME" "$NMS" "$NMSD" "$STUB"; do
	[ -x "$p" ] || die "$p is not built: run make first"
done
[ -x "$SSHD" ] || die "no sshd at $SSHD (install openssh-server)"
command -v ssh >/dev/null || die "no ssh client (install openssh-client)"

D=$(mktemp -d "${TMPDIR:-/tmp}/callhome-demo.XXXXXX") || exit 1
chmod 755 "$D"
USER_NAME=$(id -un)

step "Three throwaway devices sharing one sshd_config (netconf subsystem) and host key"
ssh-keygen -q -t ed25519 -N '' -C 'fleet host key' -f "$D/host_ed25519"
ssh-keygen -q -t ed25519 -N '' -C 'nms key' -f "$D/nms_key"
cp "$D/nms_key.pub" "$D/authorized_keys"
cat >"$D/sshd_config" <<SSHD_CONFIG
HostKey $D/host_ed25519
AuthorizedKeysFile $D/authorized_keys
StrictModes no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PidFile none
Subsystem netconf $STUB
SSHD_CONFIG
show <"$D/sshd_config"
if [ "$(id -u)" -eq 0 ] && [ ! -d /run/sshd ]; then
	# Debian's sshd wants its privilege separation directory as root.
	mkdir -m 0755 /run/sshd && MADE_PRIVSEP=1
	echo "    (made /run/sshd for sshd's privilege separation; removed at the end)"
fi

step "The fleet secret (file mode 600) and the registry of the devices allowed to call"
umask 077
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$D/secret"
echo >>"$D/secret"
umask 022
echo "    $D/secret: $(wc -c <"$D/secret") bytes, not shown"
for i in $IDS; do
	echo "$i"
done >"$D/devices"
show <"$D/devices"

PORT=$(free_port)
step "NMS: ssh-callhomed listens on 127.0.0.1:$PORT, its control socket is $D/control"
show <<DAEMON
ssh-callhomed --listen=127.0.0.1:$PORT --devices=.../devices \\
    --secret-file=.../secret --known-hosts=.../known_hosts \\
    --control=.../control
DAEMON
: >"$D/known_hosts"
"$NMSD" --listen="127.0.0.1:$PORT" --devices="$D/devices" \
    --secret-file="$D/secret" --known-hosts="$D/known_hosts" \
    --control="$D/control" >"$D/daemon.log" 2>&1 </dev/null &
PIDS="$PIDS $!"
wait_until 100 listening "$PORT" && wait_until 50 test -S "$D/control" ||
    die "ssh-callhomed did not start"

step "Devices: sshd-callhome --wait-for-client=0 for $IDS (their calls stay parked)"
for i in $IDS; do
	"$CALLHOME" --device-id="$i" --sshd-config="$D/sshd_config" \
	    --secret-file="$D/secret" --wait-for-client=0 --retry=2 \
	    --timeout=5 --backoff-max=2 "127.0.0.1:$PORT" \
	    >"$D/$i.log" 2>&1 </dev/null &
	PIDS="$PIDS $!"
done
wait_until 300 all_parked || die "the three devices were not parked within 30 s"

step "NMS: ssh-callhome --broker --list"
"$NMS" --broker="$D/control" --list 2>&1 | show

# The client's side of NETCONF: hello, one <get>, close.
cat >"$D/client.xml" <<'CLIENT'
<?xml version="1.0" encoding="UTF-8"?>
<hello xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><capabilities><capability>urn:ietf:params:netconf:base:1.0</capability></capabilities></hello>]]>]]>
<rpc message-id="101" xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><get/></rpc>]]>]]>
<rpc message-id="102" xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><close-session/></rpc>]]>]]>
CLIENT

step "NMS: stock ssh -s $ID netconf, by name, through the broker"
show <<SSH
ssh -s $ID netconf \\
    -o ProxyCommand="ssh-callhome --broker=.../control --device-id=%n --fdpass" \\
    -o ProxyUseFdpass=yes \\
    -o UserKnownHostsFile=.../known_hosts -o StrictHostKeyChecking=yes
SSH
ssh -F /dev/null -i "$D/nms_key" -o IdentitiesOnly=yes -o BatchMode=yes \
    -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$D/known_hosts" \
    -o GlobalKnownHostsFile=/dev/null -o LogLevel=ERROR \
    -o ConnectTimeout=20 -o ProxyUseFdpass=yes \
    -o ProxyCommand="$NMS --broker=$D/control --device-id=%n --fdpass --timeout=20" \
    -l "$USER_NAME" -s "$ID" netconf <"$D/client.xml" >"$D/ssh.out" \
    2>"$D/ssh.err" &
SSH_PID=$!
PIDS="$PIDS $SSH_PID"
# Bounded: ssh's own timeouts, and 60 s at most here.
n=600
while [ "$n" -gt 0 ] && kill -0 "$SSH_PID" 2>/dev/null; do
	sleep 0.1
	n=$((n - 1))
done
kill -0 "$SSH_PID" 2>/dev/null && die "ssh did not finish within 60 s"
wait "$SSH_PID"
ssh_rc=$?
[ "$ssh_rc" -eq 0 ] || die "ssh exited with status $ssh_rc"
echo "    known_hosts, recorded by the daemon and checked strictly by ssh:"
sed 's/^/      /' "$D/known_hosts"
echo "    $ID answered:"
sed 's/]]>]]>/\n/g' "$D/ssh.out" | grep -v '^<?xml' | grep . |
    sed 's/^/      /'
grep -q '<stub>netconf-stub</stub>' "$D/ssh.out" ||
    die "no <get> reply from $ID"

step "$ID calls again once its session ends: the whole fleet is parked again"
wait_until 300 all_parked || die "$ID was not parked again within 30 s"
"$NMS" --broker="$D/control" --list 2>&1 | show

step "Demo OK: three devices called one daemon, and stock ssh reached $ID by name"
exit 0
