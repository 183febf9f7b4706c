#!/bin/bash
# ssh-callhomed's registry beyond 50-broker.sh: a registry mixing the
# fleet secret, per-device secret files and pinned host keys refuses a
# wrong HMAC, an unlisted device and a pinned-key mismatch (with a good
# HMAC) and lists each with its REASON, while the good devices stay
# parked; SIGHUP after removing, adding and re-keying devices takes
# effect without dropping the other parked calls; a device whose TCP
# connection is reset leaves the list at once.
#
# A real device reset, and one blackholed in a network namespace within
# the --keepalive-interval bound: 57-broker-vanish.sh.
. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

need_test_user
setup_sshd "$(unprivileged_user)"
[ -x "$NMSD" ] || skip_all "ssh-callhomed not built"

port=$(free_port)
CTL=$T/control
# unknown id reason: the raw list has an unknown line for id with reason.
unknown() {
	raw | awk -v id="$1" -v r="$2" '
	    $1 == "unknown" && $2 == id && $3 == "127.0.0.1" && $4 == r { f = 1 }
	    END { exit !f }'
}

# Secrets: good-s and bad-h have their own; bad-h's device has the wrong
# one.  bad-k's pinned key is not the key its device sends.
secret() { # name content owner
	printf '%s\n' "$2" >"$T/$1.secret"
	chmod 600 "$T/$1.secret"
	chown "$3" "$T/$1.secret"
}
secret dev-good-s good-s-secret "$DEVUSER"
secret nms-good-s good-s-secret root
secret dev-bad-h bad-h-device-thinks "$DEVUSER"
secret nms-bad-h bad-h-nms-knows root
secret nms-bad-h2 bad-h-device-thinks root
ssh-keygen -q -t ed25519 -N '' -C other -f "$T/other_key" >/dev/null
KEY=$(pubkey "$T/host_ed25519.pub")
OTHER=$(pubkey "$T/other_key.pub")
# gone-r is pinned to a key no sshd has: only the python caller uses it.
ssh-keygen -q -t ed25519 -N '' -C gone -f "$T/gone_key" >/dev/null
GONE=$(pubkey "$T/gone_key.pub")
cat >"$T/devices" <<-DEVICES
	good-f
	good-s	secret-file=$T/nms-good-s.secret
	good-p	host-key="$KEY"
	bad-h	secret-file=$T/nms-bad-h.secret
	bad-k	host-key="$OTHER"
	gone-r	host-key="$GONE"
	DEVICES
: >"$T/kh"
bg "$NMSD" --listen=127.0.0.1:"$port" --devices="$T/devices" \
    --secret-file="$NMS_SECRET" --known-hosts="$T/kh" --control="$CTL" \
    --preamble-timeout=5 -v 2>"$T/d.log"
DPID=$BGPID
wait_until 10 listening "$port" && wait_for 10 -S "$CTL" ||
    diag "the daemon did not start: $(cat "$T/d.log")"

# device id secret-file: a persistent device; its log in $T/id.dev.
device() {
	bg as_device "$CALLHOME" --device-id="$1" --secret-file="$2" \
	    --host-key="$T/host_ed25519.pub" --sshd-option=LoginGraceTime=0 \
	    --sshd-config="$T/sshd_config" --retry=1 --timeout=5 \
	    --backoff-max=2 --redial-jitter=1 "127.0.0.1:$port" \
	    >>"$T/$1.dev" 2>&1 </dev/null
	eval "DEV_${1//-/_}=\$BGPID"
}
device good-f "$T/secret"
device good-s "$T/dev-good-s.secret"
device good-p "$T/dev-good-s.secret"	# any secret: its key is the proof
device bad-h "$T/dev-bad-h.secret"
if wait_until 20 is_state good-f parked && wait_until 10 is_state good-s parked &&
    wait_until 10 is_state good-p parked; then
	ok "fleet secret, own secret and pinned key: the three are parked"
else
	not_ok "the good devices are parked"
	diag "$(raw)"; diag "$(tail -20 "$T/d.log")"
fi
check "good-f verified by the fleet secret" [ "$(field good-f 7)" = verified ]
check "good-s verified by its own secret" [ "$(field good-s 7)" = verified ]
check "good-p verified by its pinned host key" [ "$(field good-p 7)" = pinned ]

# The refused: bad-h keeps calling with the wrong secret; an unlisted
# device and bad-k (good fleet HMAC, but not the pinned key) call once.
device_start unlisted dev-u "127.0.0.1:$port" --secret-file="$T/secret" \
    --host-key="$T/host_ed25519.pub"
wait_pid 20 "$DEVPID" >/dev/null
device_start badkey bad-k "127.0.0.1:$port" --secret-file="$T/secret" \
    --host-key="$T/host_ed25519.pub"
wait_pid 20 "$DEVPID" >/dev/null
wait_until 10 unknown bad-h wrong-hmac
raw >"$T/raw1"
for want in "bad-h wrong-hmac" "dev-u unlisted" "bad-k wrong-key"; do
	# shellcheck disable=SC2086
	if unknown $want; then
		ok "refused and listed as unknown: $want"
	else
		not_ok "refused and listed as unknown: $want"; diag "$(cat "$T/raw1")"
	fi
done
check "bad-h's device line says its last call was wrong-hmac" \
    [ "$(state bad-h) $(field bad-h 7)" = "absent wrong-hmac" ]
check "bad-k's device line says its last call was wrong-key" \
    [ "$(state bad-k) $(field bad-k 7)" = "absent wrong-key" ]
check "the unlisted device gets no device line" [ -z "$(state dev-u)" ]
check "the good devices stay parked" \
    [ "$(state good-f) $(state good-s) $(state good-p)" = "parked parked parked" ]

# SIGHUP after an edit: good-p leaves, new-a comes, bad-h gets the secret
# its device has.  good-f and good-s keep their calls: parked since the
# same time, the same call count, and no new session in their logs.
keep() {
	echo "$(field good-f 4) $(field good-f 8) $(field good-s 4)" \
	    "$(field good-s 8) $(cat "$T/good-f.dev" "$T/good-s.dev" |
	    grep -c 'session started')"
}
before=$(keep)
cat >"$T/devices.new" <<-DEVICES
	good-f
	good-s	secret-file=$T/nms-good-s.secret
	bad-h	secret-file=$T/nms-bad-h2.secret
	bad-k	host-key="$OTHER"
	gone-r	host-key="$GONE"
	new-a
	DEVICES
mv "$T/devices.new" "$T/devices"
kill -HUP "$DPID"
check "SIGHUP: the daemon says good-p left the registry" \
    wait_until 10 grep -q "good-p is no longer in the registry" "$T/d.log"
check "... and good-p's device sees its parked call closed" \
    wait_until 10 grep -q "session ended" "$T/good-p.dev"
if wait_until 20 unknown good-p unlisted && [ -z "$(state good-p)" ]; then
	ok "good-p's next call is refused as unlisted"
else
	not_ok "good-p after SIGHUP"; diag "$(raw)"
fi
check "bad-h parks with its new secret file" wait_until 20 is_state bad-h parked
check "... verified" [ "$(field bad-h 7)" = verified ]
device new-a "$T/secret"
check "new-a, added to the registry, parks" wait_until 20 is_state new-a parked
after=$(keep)
if [ "$before" = "$after" ] && is_state good-f parked && is_state good-s parked; then
	ok "the other parked calls were not dropped (since calls since calls sessions: $after)"
else
	not_ok "other parked calls dropped: before '$before' after '$after'"
	diag "$(raw)"
fi

# A device whose TCP connection is reset: a caller parks a preamble with
# gone-r's pinned key, then closes with SO_LINGER 0.
cat >"$T/reset.py" <<-'PY'
	import os, socket, struct, sys, time
	port, key, flag = int(sys.argv[1]), sys.argv[2], sys.argv[3]
	s = socket.create_connection(("127.0.0.1", port), timeout=10)
	s.sendall(("MSG-ID: DEVICE-CONN-INFO\r\nMSG-VER: V1\r\n"
	    "DEVICE-ID: gone-r\r\nHOST-KEY: %s\r\nHMAC: %s\r\n"
	    % (key, "0" * 40)).encode())
	for _ in range(200):  # until the test says so, at most 20 s
	    if os.path.exists(flag):
	        break
	    time.sleep(0.1)
	s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
	s.close()
	PY
bg "$PYTHON" "$T/reset.py" "$port" "$GONE" "$T/reset.now"
RPID=$BGPID
if wait_until 10 is_state gone-r parked; then
	ok "a caller with gone-r's pinned key is parked"
else
	not_ok "gone-r parked"; diag "$(raw)"
fi
touch "$T/reset.now"
wait_pid 25 "$RPID" >/dev/null
start=$(date +%s%N)
wait_until 5 is_state gone-r absent
el=$((($(date +%s%N) - start) / 1000000))
if is_state gone-r absent && [ "$el" -le 2000 ]; then
	ok "gone-r, its connection reset, is absent within 2 s (${el} ms)"
else
	not_ok "gone-r after a reset: $(state gone-r) after ${el} ms"
fi

kill -TERM "$DPID"
wait_pid 10 "$DPID"
rc=$?
check "SIGTERM: the daemon exits 0 ($rc)" [ $rc -eq 0 ]
done_testing
