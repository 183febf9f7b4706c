#!/bin/bash
# A fleet: 20 real devices (sshd-callhome + sshd -i, --wait-for-client=0,
# so their calls stay parked), dev-1..dev-10 calling 127.0.0.1 and
# dev-11..dev-20 calling [::1], into one ssh-callhomed with a registry
# and both listeners.  --list --format=raw shows all 20 parked; stock
# "ssh -s dev-K netconf" reaches each by name, odd K by fd-pass and even
# K by relay (so both ways over both address families); ncclient reaches
# one through the relay as paramiko's ProxyCommand.
. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

N=20
need_test_user
setup_sshd "$(unprivileged_user)"
[ -x "$NMSD" ] || skip_all "ssh-callhomed not built"
have_ipv6 || skip_all "no IPv6 loopback: half the fleet calls [::1]"

port=$(free_port)
CTL=$T/control
# parked_count: devices the raw list shows parked.
parked_count() { raw | awk '$1 == "device" && $3 == "parked" { n++ } END { print n + 0 }'; }
all_parked() { [ "$(parked_count)" -eq "$N" ]; }

# The registry: every device of the fleet (FLEET_REGISTRY_DROP, a device
# id, leaves one out: this test must then fail for that device).
for k in $(seq 1 $N); do
	[ "dev-$k" = "${FLEET_REGISTRY_DROP:-}" ] || printf 'dev-%d\n' "$k"
done >"$T/devices"
: >"$T/kh"
bg "$NMSD" --listen=127.0.0.1:"$port" --listen="[::1]:$port" \
    --devices="$T/devices" --secret-file="$NMS_SECRET" --known-hosts="$T/kh" \
    --control="$CTL" --preamble-timeout=5 -v 2>"$T/d.log"
DPID=$BGPID
wait_until 10 listening "$port" 0100007F &&
    wait_until 10 listening "$port" 00000000000000000000000001000000 &&
    wait_for 10 -S "$CTL" || diag "the daemon did not start: $(cat "$T/d.log")"

# addr k: dev-1..dev-10 call IPv4, the others IPv6.
addr() { if [ "$1" -le $((N / 2)) ]; then echo 127.0.0.1; else echo '[::1]'; fi; }
for k in $(seq 1 $N); do
	bg as_device "$CALLHOME" -v --device-id="dev-$k" --secret-file="$T/secret" \
	    --host-key="$T/host_ed25519.pub" --wait-for-client=0 \
	    --sshd-config="$T/sshd_config" --retry=1 --timeout=5 \
	    --backoff-max=2 --redial-jitter=1 "$(addr "$k"):$port" \
	    >>"$T/dev-$k.dev" 2>&1 </dev/null
done
if wait_until 40 all_parked; then
	ok "--list --format=raw: all $N devices parked"
else
	not_ok "--list --format=raw: $(parked_count) of $N devices parked"
	diag "$(raw)"; diag "$(tail -20 "$T/d.log")"
fi
raw >"$T/raw"
bad=
for k in $(seq 1 $N); do
	a=$(addr "$k"); a=${a#[}; a=${a%]}
	grep -q "^device dev-$k parked [0-9]* $a $port verified " "$T/raw" ||
	    bad="$bad dev-$k"
done
check "each device is listed parked, verified, from its address and port${bad:+ (not:$bad)}" [ -z "$bad" ]

# ssh -s dev-K netconf by name: odd K fd-pass, even K relay.
sshb() { # tag fdpass host [broker args]
	local tag=$1 fd=$2 host=$3
	shift 3
	ssh_nms_kh "$T/kh" "" "$fd" "$NMS --broker=$CTL --device-id=%n $*" \
	    -l "$DEVUSER" "$host" -s netconf <"$T/client.xml" \
	    >"$T/$tag.out" 2>"$T/$tag.err"
}
good=0 fdn=0 relayn=0 failed=
for k in $(seq 1 $N); do
	if [ $((k % 2)) = 1 ]; then fd=yes args="--fdpass --timeout=10"
	else fd=no args="--timeout=10"; fi
	# shellcheck disable=SC2086
	bg sshb "ssh-$k" $fd "dev-$k" $args
	wait_pid 30 "$BGPID"
	rc=$?
	if [ $rc -eq 0 ] && netconf_ok "ssh-$k"; then
		good=$((good + 1))
		if [ $fd = yes ]; then fdn=$((fdn + 1)); else relayn=$((relayn + 1)); fi
	else
		failed="$failed dev-$k"
		diag "ssh -s dev-$k netconf (fdpass=$fd): ssh $rc"; show "ssh-$k"
	fi
done
check "ssh -s dev-K netconf answers <hello> and <get> for all $N by name ($good)${failed:+ (failed:$failed)}" \
    [ "$good" -eq "$N" ]
check "... $((N / 2)) through fd-pass ($fdn) and $((N / 2)) through relay ($relayn)" \
    [ "$fdn" -eq $((N / 2)) ] && [ "$relayn" -eq $((N / 2)) ]
n=$(grep -c "took dev-" "$T/d.log")
check "the daemon logged $N takes ($n)" [ "$n" -eq "$N" ]

# ncclient through the relay, as paramiko's ProxyCommand, host key checked
# against the one the daemon recorded.
if "$PYTHON" -c 'import ncclient, paramiko' 2>/dev/null; then
	cat >"$T/nc.py" <<-'PY'
	import base64, hashlib, sys
	import paramiko
	from ncclient import manager
	nms, host, user, key, kh = sys.argv[1:6]
	def kh_check(hostname, fingerprint):
	    with open(kh) as f:
	        for l in f:
	            w = l.split()
	            if len(w) >= 3 and w[0] == host:
	                md5 = hashlib.md5(base64.b64decode(w[2])).hexdigest()
	                if ":".join(md5[i:i + 2] for i in range(0, 32, 2)) == fingerprint:
	                    return True
	    return False
	try:
	    # password="": ncclient 0.6.17 unlocks key files with password.encode().
	    with manager.connect(host=host, username=user, key_filename=key,
	                         password="", allow_agent=False, look_for_keys=False,
	                         hostkey_verify=True, timeout=30,
	                         unknown_host_cb=kh_check,
	                         sock=paramiko.ProxyCommand(nms)) as m:
	        print("GET", "netconf-stub" in m.get().data_xml)
	except Exception as e:
	    print("ERROR", type(e).__name__, e)
	    sys.exit(3)
	PY
	nc=dev-$((N / 2 + 1))
	wait_until 20 is_state "$nc" parked
	bg "$PYTHON" "$T/nc.py" "$NMS --broker=$CTL --device-id=$nc --timeout=10" \
	    "$nc" "$DEVUSER" "$T/user_key" "$T/kh" >"$T/nc.out" 2>"$T/nc.err"
	wait_pid 40 "$BGPID"
	rc=$?
	if [ $rc -eq 0 ] && grep -qx 'GET True' "$T/nc.out"; then
		ok "ncclient <get> to $nc (IPv6) through the broker's relay"
	else
		not_ok "ncclient to $nc through the relay (status $rc)"; show nc
	fi
else
	skip "python3-ncclient is not installed: ncclient through the relay"
fi

check "the fleet calls again and is parked" wait_until 40 all_parked
check "no device reached the daemon unverified" \
    [ "$(raw | grep -c '^unknown ')" -eq 0 ]

for p in $PIDS; do
	[ "$p" = "$DPID" ] || kill -TERM "$p" 2>/dev/null
done
kill -TERM "$DPID"; wait_pid 10 "$DPID" >/dev/null
done_testing
