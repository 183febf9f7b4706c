#!/bin/bash
# 17: started with SIGCHLD ignored (a careless parent, some init scripts),
# sshd-callhome must still see how "sshd -T" ended: an ignored SIGCHLD
# makes the kernel reap children itself, so that waitpid() fails.  A good
# configuration passes --check, a broken one is reported as broken.

. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

setup_sshd
port=$(free_port)

# sigchld_ignored cmd...: exec cmd with SIGCHLD ignored, as such a parent
# would leave it (exec keeps an ignored disposition).
sigchld_ignored() {
	$PYTHON -c 'import os, signal, sys
signal.signal(signal.SIGCHLD, signal.SIG_IGN)
os.execv(sys.argv[1], sys.argv[1:])' "$@"
}

# The wrapper does what it says: bit 17 (SIGCHLD) of SigIgn is set.
ign=$(sigchld_ignored "$(command -v grep)" SigIgn /proc/self/status |
    awk '{print $2}')
check "the wrapper starts its command with SIGCHLD ignored (SigIgn $ign)" \
    test $((0x${ign:-0} >> 16 & 1)) -eq 1

# run name args...: sshd-callhome --check under the wrapper; $RC, $T/err.
run() {
	local name=$1
	shift
	sigchld_ignored "$CALLHOME" --check --device-id=rtr-1 "$@" \
	    127.0.0.1:"$port" >"$T/out" 2>"$T/err"
	RC=$?
	diag "$name: exit $RC: $(head -3 "$T/err")"
}

run "good config" --sshd-config="$T/sshd_config" --secret-file="$T/secret"
check "good config: --check passes (exit $RC)" test "$RC" -eq 0
check "good config: the preamble carries sshd's host key" \
    grep -qF "HOST-KEY: $(pubkey "$T/host_ed25519.pub")" "$T/out"

printf 'NoSuchKeyword yes\n' >"$T/broken_config"
for services in netconf any; do
	run "broken config, --services=$services" \
	    --sshd-config="$T/broken_config" --services=$services
	check "broken config, --services=$services: exit 78 ($RC)" \
	    test "$RC" -eq 78
	check "broken config, --services=$services: sshd's reason is given" \
	    grep -q 'sshd rejects its configuration: .*NoSuchKeyword' "$T/err"
done
done_testing
