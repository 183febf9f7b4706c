#!/bin/bash
# 59: a forged call never displaces a device's parked, verified call.
# Two real devices (sshd-callhome + sshd -i) park: dev-s verified by its
# own secret, dev-p by its pinned host key.  Then a forger claims their
# names: a wrong HMAC, no HMAC (a secret is set), another host key than
# the pinned one, and, after a SIGHUP that takes dev-s's secret away, a
# call that passes but is only "unchecked".  Each forged call is closed
# and listed among the unknown callers with its reason; the verified
# calls stay parked, the same TCP connections (the device's source port,
# held by the daemon), parked since the same time; and taking each device
# through the broker reaches the real device's NETCONF server.
. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

need_test_user
setup_sshd "$(unprivileged_user)"
[ -x "$NMSD" ] || skip_all "ssh-callhomed not built"
command -v ss >/dev/null || skip_all "no ss(8) to see the parked connections"

port=$(free_port)
CTL=$T/control
KEY=$(pubkey "$T/host_ed25519.pub")
ssh-keygen -q -t ed25519 -N '' -C forged -f "$T/forged_key" >/dev/null
FORGED=$(pubkey "$T/forged_key.pub")
printf 'dev-s-secret\n' >"$T/dev-s.secret"
cp "$T/dev-s.secret" "$T/nms-dev-s.secret"
chmod 600 "$T/dev-s.secret" "$T/nms-dev-s.secret"
chown "$DEVUSER" "$T/dev-s.secret"
cat >"$T/devices" <<-DEVICES
	dev-s	secret-file=$T/nms-dev-s.secret
	dev-p	host-key="$KEY"
	DEVICES
bg "$NMSD" --listen=127.0.0.1:"$port" --devices="$T/devices" \
    --control="$CTL" --preamble-timeout=5 -v 2>"$T/d.log"
DPID=$BGPID
wait_until 10 listening "$port" && wait_for 10 -S "$CTL" ||
    diag "the daemon did not start: $(cat "$T/d.log")"

# device id: a persistent device; DEV_<id> its supervisor's PID.
device() {
	bg as_device "$CALLHOME" --device-id="$1" --secret-file="$T/dev-s.secret" \
	    --host-key="$T/host_ed25519.pub" --wait-for-client=0 \
	    --sshd-config="$T/sshd_config" --retry=1 --timeout=5 \
	    --backoff-max=2 --redial-jitter=1 "127.0.0.1:$port" \
	    >>"$T/$1.dev" 2>&1 </dev/null
	eval "DEV_${1//-/_}=\$BGPID"
}
device dev-s
device dev-p
if wait_until 20 is_state dev-s parked && wait_until 10 is_state dev-p parked; then
	ok "dev-s and dev-p are parked"
else
	not_ok "dev-s and dev-p parked"; diag "$(raw)"; diag "$(tail "$T/d.log")"
fi
check "... dev-s verified by its secret, dev-p by its pinned key" \
    [ "$(field dev-s 7) $(field dev-p 7)" = "verified pinned" ]

# srcport pid: the source port of the connection the device's sshd -i
# (the supervisor's child) holds to the daemon.
srcport() {
	local child
	child=$(ps --ppid "$1" -o pid= | tr -d ' ' | head -1)
	[ -n "$child" ] || return 0
	ss -tnpH state established "( dport = :$port )" |
	    awk -v p="pid=$child," 'index($0, p) { n = split($3, a, ":"); print a[n] }' |
	    head -1
}
# held sport: the daemon holds an established connection from sport.
held() {
	ss -tnH state established "( sport = :$port )" |
	    awk -v p="$1" '{ n = split($4, a, ":"); if (a[n] == p) f = 1 }
	    END { exit !f }'
}
# snapshot id: state, since and source port of its parked call.
snapshot() {
	local pid
	eval "pid=\$DEV_${1//-/_}"
	echo "$(state "$1") $(field "$1" 4) $(srcport "$pid")"
}
S0=$(snapshot dev-s) P0=$(snapshot dev-p)
sport_s=${S0##* } sport_p=${P0##* }
if [ -n "$sport_s" ] && [ -n "$sport_p" ] && held "$sport_s" && held "$sport_p"; then
	ok "the daemon holds both calls (source ports $sport_s and $sport_p)"
else
	not_ok "parked connections seen: dev-s '$S0' dev-p '$P0'"
	diag "$(ss -tnpH state established)"
fi

# The forger: a preamble claiming id, then it waits (at most 10 s) for the
# daemon to close the call; prints "closed" when it did.
cat >"$T/forge.py" <<-'PY'
	import hashlib, hmac, socket, sys
	port, dev, key, secret = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
	pre = "MSG-ID: DEVICE-CONN-INFO\r\nMSG-VER: V1\r\nDEVICE-ID: %s\r\n" % dev
	if key:
	    mac = hmac.new(secret.encode(), key.encode(), hashlib.sha1).hexdigest()
	    pre += "HOST-KEY: %s\r\nHMAC: %s\r\n" % (key, mac)
	s = socket.create_connection(("127.0.0.1", port), timeout=10)
	s.sendall(pre.encode() + b"SSH-2.0-forged\r\n")
	try:
	    while s.recv(4096):
	        pass
	    print("closed")
	except OSError as e:
	    print("closed" if getattr(e, "errno", 0) else "timeout: %s" % e)
	PY
# listed id reason: an unknown line for id from loopback with reason.
listed() { raw | grep -q "^unknown $1 127\.0\.0\.1 $2 "; }
# forge what id key secret reason: one forged call, then the checks.
forge() {
	local what=$1 id=$2 key=$3 secret=$4 reason=$5 out
	out=$(timeout 15 "$PYTHON" "$T/forge.py" "$port" "$id" "$key" "$secret" 2>&1)
	check "$what: the daemon closes the forged call ($out)" [ "$out" = closed ]
	if wait_until 5 listed "$id" "$reason"; then
		ok "$what: listed as unknown, $reason"
	else
		not_ok "$what: not listed as unknown $reason"; diag "$(raw)"
	fi
	now_s=$(snapshot dev-s) now_p=$(snapshot dev-p)
	if [ "$now_s" = "$S0" ] && [ "$now_p" = "$P0" ] && held "$sport_s" &&
	    held "$sport_p"; then
		ok "$what: both verified calls stay parked, the same connections"
	else
		not_ok "$what: dev-s '$S0' -> '$now_s', dev-p '$P0' -> '$now_p'"
		diag "$(raw)"; diag "$(tail -5 "$T/d.log")"
	fi
}
forge "a wrong HMAC for dev-s" dev-s "$KEY" not-dev-s-secret wrong-hmac
forge "no HMAC for dev-s" dev-s "" "" no-hmac
forge "another host key for dev-p" dev-p "$FORGED" dev-s-secret wrong-key
check "... dev-s's device line shows its last call failed" \
    [ "$(field dev-s 7)" = wrong-hmac ]

# SIGHUP: dev-s loses its secret, so a call claiming it passes the judge
# unchecked; the parked call, verified, must still win.
printf 'dev-s\ndev-p\thost-key="%s"\n' "$KEY" >"$T/devices.new"
mv "$T/devices.new" "$T/devices"
kill -HUP "$DPID"
check "SIGHUP: the registry is re-read" \
    wait_until 10 grep -q "configuration re-read" "$T/d.log"
forge "an unchecked call for dev-s" dev-s "$FORGED" any-secret unverified
check "... the daemon says why it refused it" \
    grep -q 'refused: a verified call of the device is parked' "$T/d.log"

# Taking each device reaches the real device's NETCONF server.
take() { # tag fdpass host [broker args]
	local tag=$1 fd=$2 host=$3
	shift 3
	ssh_nms_kh none "" "$fd" "$NMS --broker=$CTL --device-id=%n $*" \
	    -l "$DEVUSER" "$host" -s netconf <"$T/client.xml" \
	    >"$T/$tag.out" 2>"$T/$tag.err"
}
for dev in dev-s dev-p; do
	if [ $dev = dev-s ]; then fd=yes args="--fdpass --timeout=10"
	else fd=no args="--timeout=10"; fi
	# shellcheck disable=SC2086
	take "ssh-$dev" $fd $dev $args
	rc=$?
	if [ $rc -eq 0 ] && netconf_ok "ssh-$dev"; then
		ok "ssh -s $dev netconf through the broker reaches the real device"
	else
		not_ok "ssh -s $dev netconf through the broker (ssh $rc)"
		show "ssh-$dev"
	fi
done
check "the daemon logs who took dev-s" \
    grep -q "uid $(id -u) pid [0-9]* took dev-s" "$T/d.log"

kill -TERM "$DPID"
wait_pid 10 "$DPID"
rc=$?
check "SIGTERM: the daemon exits 0 ($rc)" [ $rc -eq 0 ]
done_testing
