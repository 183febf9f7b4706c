#!/bin/sh
# make demo: one real call home on loopback, narrated.
#
# A throwaway device (sshd config, host key, the stand-in netconf
# subsystem) calls with sshd-callhome; ssh-callhome --fdpass takes the call,
# verifies the device's host key with a freshly generated shared secret
# and records it; stock ssh then checks that key strictly and runs one
# NETCONF <get>.  Everything lives in one temporary directory, removed at
# the end; every wait is bounded.  Works as root or not.
#
# Environment (set by "make demo"): top_builddir (programs), SSHD.

set -u

: "${top_builddir:?run through make demo}"
: "${SSHD:=/usr/sbin/sshd}"
CALLHOME=$top_builddir/sshd-callhome
NMS=$top_builddir/ssh-callhome
STUB=$top_builddir/tests/helpers/netconf-stub
ID=demo-rtr

D=
MADE_PRIVSEP=
DEV_PID=
SSH_PID=

cleanup() {
	[ -n "$DEV_PID" ] && kill "$DEV_PID" 2>/dev/null
	[ -n "$SSH_PID" ] && kill "$SSH_PID" 2>/dev/null
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
	for f in device.log nms.log ssh.err; do
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

for p in "$CALLHOME" "$NMS" "$STUB"; do
	[ -x "$p" ] || die "$p is not built: run make first"
done
[ -x "$SSHD" ] || die "no sshd at $SSHD (install openssh-server)"
command -v ssh >/dev/null || die "no ssh client (install openssh-client)"

D=$(mktemp -d "${TMPDIR:-/tmp}/callhome-demo.XXXXXX") || exit 1
chmod 755 "$D"
USER_NAME=$(id -un)

step "A throwaway device: host key, a user key for the NMS, sshd_config with the netconf subsystem"
ssh-keygen -q -t ed25519 -N '' -C "$ID host key" -f "$D/host_ed25519"
ssh-keygen -q -t ed25519 -N '' -C 'nms key' -f "$D/nms_key"
cp "$D/nms_key.pub" "$D/authorized_keys"
cat >"$D/sshd_config" <<EOF
HostKey $D/host_ed25519
AuthorizedKeysFile $D/authorized_keys
StrictModes no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PidFile none
LoginGraceTime 30
Subsystem netconf $STUB
EOF
show <"$D/sshd_config"
if [ "$(id -u)" -eq 0 ] && [ ! -d /run/sshd ]; then
	# Debian's sshd wants its privilege separation directory as root.
	mkdir -m 0755 /run/sshd && MADE_PRIVSEP=1
	echo "    (made /run/sshd for sshd's privilege separation; removed at the end)"
fi

step "A shared secret for device and NMS (file mode 600)"
umask 077
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$D/secret"
echo >>"$D/secret"
umask 022
echo "    $D/secret: $(wc -c <"$D/secret") bytes, not shown"

step "What the device will announce (sshd-callhome --check; the HMAC is masked)"
PORT=$(free_port)
"$CALLHOME" --check --device-id="$ID" --sshd-config="$D/sshd_config" \
    --secret-file="$D/secret" "127.0.0.1:$PORT" >"$D/check" 2>&1 ||
    { cat "$D/check"; die "sshd-callhome --check failed"; }
sed -n '/^preamble:/,/^HMAC/p' "$D/check" | sed 1d | show

step "The NMS's known_hosts file starts empty"
: >"$D/known_hosts"
echo "    $D/known_hosts: $(wc -l <"$D/known_hosts") lines"

# The client's side of NETCONF: hello, one <get>, close.
cat >"$D/client.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<hello xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><capabilities><capability>urn:ietf:params:netconf:base:1.0</capability></capabilities></hello>]]>]]>
<rpc message-id="101" xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><get/></rpc>]]>]]>
<rpc message-id="102" xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><close-session/></rpc>]]>]]>
EOF

PROXY="$NMS --fdpass --listen=127.0.0.1:$PORT --device-id=%n --timeout=30 --secret-file=$D/secret --known-hosts=$D/known_hosts --print"
step "NMS: stock ssh waits for $ID's call through ssh-callhome"
cat <<EOF | show
ssh -s $ID netconf \\
    -o ProxyCommand="ssh-callhome --fdpass --listen=127.0.0.1:$PORT \\
        --device-id=%n --secret-file=... --known-hosts=.../known_hosts --print" \\
    -o ProxyUseFdpass=yes \\
    -o UserKnownHostsFile=.../known_hosts -o StrictHostKeyChecking=yes \\
    -o HostKeyAlias=$ID
EOF
ssh -F /dev/null -i "$D/nms_key" -o IdentitiesOnly=yes -o BatchMode=yes \
    -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$D/known_hosts" \
    -o GlobalKnownHostsFile=/dev/null -o HostKeyAlias="$ID" \
    -o LogLevel=ERROR -o ConnectTimeout=20 \
    -o ProxyCommand="$PROXY" -o ProxyUseFdpass=yes \
    -l "$USER_NAME" -s "$ID" netconf <"$D/client.xml" >"$D/ssh.out" \
    2>"$D/ssh.err" &
SSH_PID=$!
if ! wait_until 100 listening "$PORT"; then
	sleep 1
fi
echo "    ssh-callhome is listening on 127.0.0.1:$PORT"

step "Device: sshd-callhome dials 127.0.0.1:$PORT and hands the socket to sshd -i"
"$CALLHOME" --once --device-id="$ID" --sshd-config="$D/sshd_config" \
    --secret-file="$D/secret" --retry=2 --timeout=5 "127.0.0.1:$PORT" \
    >"$D/device.log" 2>&1 </dev/null &
DEV_PID=$!

# Bounded: ssh's own timeouts, and 60 s at most here.
n=600
while [ "$n" -gt 0 ] && kill -0 "$SSH_PID" 2>/dev/null; do
	sleep 0.1
	n=$((n - 1))
done
kill -0 "$SSH_PID" 2>/dev/null && die "ssh did not finish within 60 s"
wait "$SSH_PID"
ssh_rc=$?
SSH_PID=
n=100
while [ "$n" -gt 0 ] && kill -0 "$DEV_PID" 2>/dev/null; do
	sleep 0.1
	n=$((n - 1))
done
kill "$DEV_PID" 2>/dev/null
wait "$DEV_PID" 2>/dev/null
DEV_PID=

grep '^sshd-callhome: ' "$D/device.log" | grep -v exiting | show
cp "$D/ssh.err" "$D/nms.log"

step "NMS: ssh-callhome checked the preamble (--print)"
grep -E '^[A-Z_]+=' "$D/ssh.err" | show
grep '^ssh-callhome: ' "$D/ssh.err" | show
grep -qx 'HMAC=verified' "$D/ssh.err" || die "the HMAC was not verified"

step "NMS: known_hosts now holds the verified key, under the device id"
show <"$D/known_hosts"
[ "$(cut -d' ' -f1,2,3 "$D/known_hosts")" = "$ID $(cut -d' ' -f1,2 "$D/host_ed25519.pub")" ] ||
    die "known_hosts does not hold the device's key"

step "ssh checked that key strictly (StrictHostKeyChecking=yes) and ran NETCONF"
[ "$ssh_rc" -eq 0 ] || die "ssh exited with status $ssh_rc"
echo "    client sent: <hello>, <get> (message-id 101), <close-session> (102)"
echo "    device answered:"
sed 's/]]>]]>/\n/g' "$D/ssh.out" | grep -v '^<?xml' | grep . |
    sed 's/^/      /'
grep -q '<stub>netconf-stub</stub>' "$D/ssh.out" ||
    die "no <get> reply from the device"

step "Demo OK: the device called, was verified by its HMAC, and stock ssh did NETCONF over the call"
exit 0
