#!/bin/bash
# 02: --services=netconf offers NETCONF and nothing else, whatever the
# client asks for; --services=any leaves sshd_config in charge.

. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

setup_sshd

session "shell command" 3 "device echo PWNED"
check "netconf: a shell command runs the netconf subsystem instead" \
    grep -q '<hello' "$T/out"
check "netconf: the command itself never ran" \
    sh -c "! grep -q PWNED '$T/out'"

session "forwarding" 3 "-W 127.0.0.1:9 device"
check "netconf: local (-W) forwarding fails for the client" \
    grep -q 'forwarding failed' "$T/ssh.err"
check "netconf: sshd says it refused the forward" \
    grep -q 'refused local port forward' "$T/callhome.err"

session "remote forwarding" 3 "-N -o ExitOnForwardFailure=yes \
    -R 127.0.0.1:0:127.0.0.1:9 device"
check "netconf: remote (-R) forwarding is refused" \
    grep -qi 'remote port forwarding failed' "$T/ssh.err"

session "tty" 3 "-tt device"
check "netconf: no tty is allocated" \
    grep -qi 'PTY allocation request failed' "$T/ssh.err"

SSH_STDIN=$T/client.xml session "subsystem" 3 "-s device netconf"
check "netconf: the netconf subsystem itself works" \
    grep -q 'message-id="101"><data>' "$T/out"

session "any: shell command" 3 "device echo hello-from-shell" --services=any
check "any: sshd_config is in charge, the command runs" \
    grep -qx 'hello-from-shell' "$T/out"

# No netconf subsystem: refused at start, with a reason.
grep -v '^Subsystem' "$T/sshd_config" >"$T/sshd_config.nonc"
"$CALLHOME" --once --device-id=rtr-1 --sshd-config="$T/sshd_config.nonc" \
    127.0.0.1:9 2>"$T/err"
rc=$?
check "no netconf subsystem: exit 78 ($rc)" test "$rc" -eq 78
check "no netconf subsystem: the message says so" \
    grep -q 'no "Subsystem netconf"' "$T/err"
"$CALLHOME" --check --services=any --device-id=rtr-1 \
    --sshd-config="$T/sshd_config.nonc" 127.0.0.1:9 >/dev/null 2>&1
check "no netconf subsystem but --services=any: accepted" test $? -eq 0
done_testing
