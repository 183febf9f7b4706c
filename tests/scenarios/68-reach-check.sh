#!/bin/bash
# 68: --check and the command line for --bind, --interface, --anchor-time,
# and the warning about a device id that an NMS cannot record in its
# known_hosts under that name.  No network.

. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

setup_sshd

chk() {
	"$CALLHOME" --check --sshd-config="$T/sshd_config" --services=any \
	    "$@" 127.0.0.1 >"$T/out" 2>"$T/err"
	RC=$?
}

# The device ids an NMS's known_hosts cannot hold as one literal name.
for id in 'rtr 1' 'a,b' 'r*' 'r?' '!r' 'r#1' '[r]' 'say"x"' "it's" \
    "caf$(printf '\303\251')"; do
	chk --device-id="$id"
	check "id '$id': --check exits 0 ($RC): a warning, not an error" \
	    test "$RC" -eq 0
	check "id '$id': --check warns that known_hosts cannot hold it" \
	    grep -q "^warning: device-id: an NMS cannot record the host key under this name in known_hosts (" \
	    "$T/out"
done
for id in rtr-1 RTR.example.net dev_42:x; do
	chk --device-id="$id"
	check "id '$id': no warning" \
	    test "$RC" -eq 0 -a -z "$(grep warning "$T/out")"
done

# --check shows the new options.
chk --device-id=rtr-1 --bind='[2001:db8::7]:4000' --periodic=60 \
    --anchor-time=2026-01-01T00:15:00+01:00
check "--check: exit 0 ($RC)" test "$RC" -eq 0
check "--check shows --bind" grep -qx 'bind: \[2001:db8::7\]:4000' "$T/out"
check "--check shows the anchor and the next grid point" \
    grep -q '^anchor-time: 2026-01-01T00:15:00+01:00, every 60 min; next grid point [0-9-]*T[0-9][0-9]:15:00Z (in [0-9]* s)$' \
    "$T/out"

# Refusals: usage errors, exit 64, with a message that names the problem.
refused() {
	local why=$1
	shift
	"$CALLHOME" --device-id=rtr-1 "$@" 127.0.0.1 >/dev/null 2>"$T/err"
	RC=$?
	check "refused ($*): exit 64 ($RC), \"$why\"" \
	    eval 'test "$RC" -eq 64 && grep -qF -- "$why" "$T/err"'
}
refused 'not an IPv4 address or an [IPv6] address' --bind=nms.example.net
refused 'no %zone: give the interface with --interface' --bind='[fe80::1%eth0]'
refused 'port must be a number from 1 to 65535' --bind=10.0.0.1:0
refused 'port must be a number from 1 to 65535' --bind=10.0.0.1:65536
refused 'not an interface name' --interface=a-name-much-too-long
refused 'not an interface name' --interface=eth0/1
refused 'not an interface name' --interface=
refused 'needs --periodic' --anchor-time=2026-01-01T00:00:00Z
refused 'no zone' --periodic=5 --anchor-time=2026-01-01T00:00:00
refused 'no such date' --periodic=5 --anchor-time=2026-02-30T00:00:00Z
refused 'ISO 8601' --periodic=5 --anchor-time=tomorrow

# --help names every new option.
"$CALLHOME" --help >"$T/help"
for o in --bind= --interface= --anchor-time=; do
	check "--help shows $o" grep -q -- "$o" "$T/help"
done
done_testing
