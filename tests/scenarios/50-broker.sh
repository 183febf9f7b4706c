#!/bin/bash
# ssh-callhomed with a registry of three devices (real sshd-callhome and
# sshd -i) on loopback: stock ssh reaches each by name through
# "ssh-callhome --broker" (fd-pass and relay); --list shows them parked;
# unlisted and wrong-HMAC callers are refused and listed; take waits for
# the next call or exits 75; a re-dial replaces the parked call; SIGHUP
# re-reads the registry; the control socket refuses other users.
. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

need_test_user
setup_sshd "$(unprivileged_user)"
[ -x "$NMSD" ] || skip_all "ssh-callhomed not built"

port=$(free_port)
CTL=$T/control

# Every option of --help in the man page and back; the page lints clean.
MAN8=$top_srcdir/man/ssh-callhomed.8
"$NMSD" --help >"$T/help" 2>&1
check "ssh-callhomed --help exits 0" [ $? -eq 0 ]
missing=
for o in $(grep -o -- '--[a-z][a-z-]*' "$T/help" | sort -u); do
	grep -qF -- "Fl \\${o#-}" "$MAN8" || missing="$missing $o"
done
check "every option in --help is in ssh-callhomed(8)${missing:+ (missing:$missing)}" [ -z "$missing" ]
missing=
for o in $(grep -o -- 'Fl \\-[a-z][a-z-]*' "$MAN8" | sed 's/^Fl \\//' | sort -u); do
	grep -q -- "$o" "$T/help" || missing="$missing $o"
done
check "every option in ssh-callhomed(8) is in --help${missing:+ (missing:$missing)}" [ -z "$missing" ]
if command -v mandoc >/dev/null; then
	check "ssh-callhomed(8) is mandoc -Tlint -W warning clean" \
	    mandoc -Tlint -W warning "$MAN8"
else
	skip "no mandoc: lint of ssh-callhomed(8)"
fi
"$NMSD" --version | grep -q '^ssh-callhomed '
check "ssh-callhomed --version" [ $? -eq 0 ]

# Command-line errors: usage 64, configuration 78, no daemon 69.
"$NMSD" --listen=nonsense:99999 2>"$T/usage.err"
check "ssh-callhomed: a bad --listen exits 64" [ $? -eq 64 ]
"$NMSD" --max-startups=10:30:5 2>>"$T/usage.err"
check "ssh-callhomed: a bad --max-startups exits 64" [ $? -eq 64 ]
"$NMSD" --per-source-max-startups=0 2>>"$T/usage.err"
check "ssh-callhomed: a bad --per-source-max-startups exits 64" [ $? -eq 64 ]
printf 'dev-1\ndev-1\n' >"$T/dup.reg"
"$NMSD" --devices="$T/dup.reg" --control="$T/c0" 2>"$T/dup.err"
rc=$?
if [ $rc -eq 78 ] && grep -q "dup.reg: line 2: duplicate" "$T/dup.err"; then
	ok "a bad registry exits 78 and names the file and line"
else
	not_ok "a bad registry (exit $rc): $(cat "$T/dup.err")"
fi
"$NMS" --broker="$T/nothing-here" --device-id=dev-1 --timeout=1 2>/dev/null
check "ssh-callhome --broker without a daemon exits 69" [ $? -eq 69 ]
"$NMS" --list 2>/dev/null
check "ssh-callhome --list without --broker exits 64" [ $? -eq 64 ]
"$NMS" --broker="$CTL" --list --format=xml 2>/dev/null
check "ssh-callhome --format=xml exits 64" [ $? -eq 64 ]

# The registry: dev-1 with the fleet secret, dev-2 with its own, dev-3
# known by its pinned host key (its HMAC comes from a secret the daemon
# does not have).
printf 'dev-2-secret\n' >"$T/dev2.secret"
printf 'nobody-knows-this\n' >"$T/dev3.secret"
cp "$T/dev2.secret" "$T/nms-dev2.secret"
chmod 600 "$T/dev2.secret" "$T/dev3.secret" "$T/nms-dev2.secret"
chown "$DEVUSER" "$T/dev2.secret" "$T/dev3.secret"
chown root "$T/nms-dev2.secret" 2>/dev/null
cat >"$T/devices" <<-DEVICES
	# the fleet
	dev-1
	dev-2	secret-file=$T/nms-dev2.secret
	dev-3	host-key="$(pubkey "$T/host_ed25519.pub")"
	DEVICES
: >"$T/kh"
# dev-2 calls over IPv6 where there is one: two --listen options.
v6=
have_ipv6 && v6="--listen=[::1]:$port"
bg "$NMSD" --listen=127.0.0.1:"$port" ${v6:+"$v6"} --devices="$T/devices" \
    --secret-file="$NMS_SECRET" --known-hosts="$T/kh" --control="$CTL" \
    --preamble-timeout=5 --max-startups=8:50:32 \
    --per-source-max-startups=16 -v 2>"$T/d.log"
DPID=$BGPID
wait_until 10 listening "$port" && wait_for 10 -S "$CTL" ||
    diag "the daemon did not start: $(cat "$T/d.log")"
mode=$(stat -c %a "$CTL")
check "the control socket has mode 0660 (it is $mode)" [ "$mode" = 660 ]

# device id secret-file [addr]: a persistent device calling the daemon.
device() {
	bg as_device "$CALLHOME" --device-id="$1" --secret-file="$2" \
	    --host-key="$T/host_ed25519.pub" --sshd-option=LoginGraceTime=0 \
	    --sshd-config="$T/sshd_config" --retry=1 --timeout=5 \
	    --backoff-max=2 --redial-jitter=1 "${3:-127.0.0.1}:$port" \
	    >>"$T/$1.dev" 2>&1 </dev/null
	eval "DEV_${1//-/}=\$BGPID"
}
device dev-1 "$T/secret"
if [ -n "$v6" ]; then
	device dev-2 "$T/dev2.secret" "[::1]"
else
	device dev-2 "$T/dev2.secret"
fi
device dev-3 "$T/dev3.secret"
if wait_until 20 is_state dev-1 parked && wait_until 10 is_state dev-2 parked &&
    wait_until 10 is_state dev-3 parked; then
	ok "--list: the three devices are parked"
else
	not_ok "--list: the three devices are parked"
	diag "$(raw)"; diag "$(tail -20 "$T/d.log")"
fi
check "dev-1 verified by the fleet secret" [ "$(field dev-1 7)" = verified ]
check "dev-2 verified by its own secret" [ "$(field dev-2 7)" = verified ]
check "dev-3 verified by its pinned host key" [ "$(field dev-3 7)" = pinned ]
if [ -n "$v6" ]; then
	check "dev-2 called over IPv6 (a second --listen)" [ "$(field dev-2 5)" = ::1 ]
else
	skip "no IPv6 loopback: a second --listen on ::1"
fi
"$NMS" --broker="$CTL" --list >"$T/table" 2>&1
if head -1 "$T/table" | grep -q '^DEVICE  *STATE' &&
    grep -q '^dev-1  *parked .* 127\.0\.0\.1:'"$port"' *verified' "$T/table"; then
	ok "--list prints a table for people"
else
	not_ok "--list table"; diag "$(cat "$T/table")"
fi

# ssh -s dev-K netconf, by name, through the broker.
sshb() { # tag fdpass host [broker args]
	local tag=$1 fd=$2 host=$3
	shift 3
	ssh_nms_kh "$T/kh" "" "$fd" "$NMS --broker=$CTL --device-id=%n $*" \
	    -l "$DEVUSER" "$host" -s netconf <"$T/client.xml" \
	    >"$T/$tag.out" 2>"$T/$tag.err"
}
for k in 1 2; do
	if [ $k = 1 ]; then fd=yes args="--fdpass --timeout=20"; how=fd-pass
	else fd=no args="--timeout=20"; how=relay; fi
	# shellcheck disable=SC2086
	sshb "ssh-$k" $fd dev-$k $args
	rc=$?
	if [ $rc -eq 0 ] && netconf_ok "ssh-$k"; then
		ok "ssh -s dev-$k netconf through the broker ($how), strict host key check"
	else
		not_ok "ssh -s dev-$k netconf through the broker ($how) (ssh $rc)"
		show "ssh-$k"
	fi
done
if grep -q "uid $(id -u) pid [0-9]* took dev-1" "$T/d.log"; then
	ok "the daemon logs who took the call"
else
	not_ok "the daemon logs who took the call"
fi
check "the devices re-dial and are parked again" \
    wait_until 20 is_state dev-1 parked
check "... with a call count of 2" [ "$(field dev-1 8)" = 2 ]

# Unknown callers: an unlisted device, a wrong HMAC for dev-2.
wait_until 20 is_state dev-2 parked
since2=$(field dev-2 4)
printf 'wrong\n' >"$T/wrong.secret"
chmod 600 "$T/wrong.secret"; chown "$DEVUSER" "$T/wrong.secret"
device_start unlisted dev-9 "127.0.0.1:$port" --secret-file="$T/secret"
wait_pid 20 "$DEVPID" >/dev/null
device_start wronghmac dev-2 "127.0.0.1:$port" --secret-file="$T/wrong.secret"
wait_pid 20 "$DEVPID" >/dev/null
raw >"$T/raw"
if grep -q "^unknown dev-9 127\.0\.0\.1 unlisted [0-9]* [0-9]* 1 " "$T/raw" &&
    grep -q "^unknown dev-2 127\.0\.0\.1 wrong-hmac [0-9]* [0-9]* 1 " "$T/raw"; then
	ok "an unlisted device and a wrong HMAC are refused and listed as unknown"
else
	not_ok "unknown callers listed"; diag "$(cat "$T/raw")"
fi
check "... and dev-2's parked call stays" \
    [ "$(state dev-2) $(field dev-2 4)" = "parked $since2" ]
check "the list ends with end" [ "$(tail -1 "$T/raw")" = end ]
check "... dev-2's last call is listed as wrong-hmac" [ "$(field dev-2 7)" = wrong-hmac ]
sshb ssh-2b no dev-2 --timeout=20
rc=$?
if [ $rc -eq 0 ] && netconf_ok ssh-2b; then
	ok "dev-2's verified parked call is still handed out after the forged call"
else
	not_ok "dev-2 after the forged call (ssh $rc)"; show ssh-2b
fi

# take with T: at once when parked, waits for the next call, or 75.
kill -TERM "$DEV_dev3"; wait_pid 10 "$DEV_dev3" >/dev/null
if wait_until 20 is_state dev-3 absent; then
	ok "a device that goes away leaves the parked state"
else
	not_ok "dev-3 gone: $(state dev-3)"
fi
start=$SECONDS
"$NMS" --broker="$CTL" --device-id=dev-3 --timeout=2 </dev/null \
    >/dev/null 2>"$T/t75.err"
rc=$?
el=$((SECONDS - start))
if [ $rc -eq 75 ] && [ $el -ge 1 ]; then
	ok "take exits 75 when the device does not call within --timeout (${el}s)"
else
	not_ok "take exit 75 (exit $rc after ${el}s): $(cat "$T/t75.err")"
fi
bg sshb wait-3 yes dev-3 --fdpass --timeout=30
SSHPID=$BGPID
sleep 1
device dev-3 "$T/dev3.secret"
wait_pid 40 "$SSHPID"; rc=$?
if [ $rc -eq 0 ] && netconf_ok wait-3; then
	ok "take waits for the device's next call"
else
	not_ok "take waits for the next call (ssh $rc)"; show wait-3
fi

# A re-dial replaces the parked call.
wait_until 20 is_state dev-2 parked
before=$(field dev-2 8)
device_start redial dev-2 "127.0.0.1:$port" --secret-file="$T/dev2.secret"
if wait_until 20 grep -q "parked dev-2 .*replacing its older call" "$T/d.log" &&
    [ "$(field dev-2 8)" -gt "$before" ]; then
	ok "a device that re-dials replaces its parked call"
else
	not_ok "re-dial replaces the parked call"; diag "$(tail "$T/d.log")"
fi
kill -TERM "$DEVPID" 2>/dev/null; wait_pid 10 "$DEVPID" >/dev/null

# Another user cannot use the control socket.
if is_root && [ "$DEVUSER" != root ]; then
	as_device "$NMS" --broker="$CTL" --list >/dev/null 2>"$T/denied.err"
	rc=$?
	if [ $rc -ne 0 ] && grep -q "Permission denied" "$T/denied.err"; then
		ok "a user without access to the control socket is refused"
	else
		not_ok "control socket access (exit $rc): $(cat "$T/denied.err")"
	fi
else
	skip "needs root and an unprivileged test user: control socket access"
fi

# SIGHUP: dev-3 leaves the registry; the others stay parked.
wait_until 20 is_state dev-1 parked
wait_until 20 is_state dev-3 parked
since1=$(field dev-1 4)
grep -v '^dev-3' "$T/devices" >"$T/devices.new" && mv "$T/devices.new" "$T/devices"
kill -HUP "$DPID"
if wait_until 10 grep -q "dev-3 is no longer in the registry" "$T/d.log" &&
    [ -z "$(state dev-3)" ] && is_state dev-1 parked &&
    [ "$(field dev-1 4)" = "$since1" ]; then
	ok "SIGHUP re-reads the registry and keeps the other parked calls"
else
	not_ok "SIGHUP"; diag "$(raw)"
fi

kill -TERM "$DPID"
wait_pid 10 "$DPID"
rc=$?
check "SIGTERM: the daemon exits 0 ($rc)" [ $rc -eq 0 ]
check "... and removes its control socket" [ ! -e "$CTL" ]
done_testing
