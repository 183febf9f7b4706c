#!/bin/bash
# 04: what sshd inherits.  A stand-in --sshd reports its argv, environment,
# descriptors and signal state, then becomes the real sshd: the secret is
# nowhere, the systemd variables are gone, fds 0 and 1 are the very TCP
# socket, there is nothing above fd 2, and sshd leads its own session.

. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

setup_sshd
PROBE=$top_builddir/tests/helpers/sshd-probe
P=$T/sshd_config.probe

SSH_STDIN=$T/client.xml NOTIFY_SOCKET=$T/notify WATCHDOG_PID=1 \
    WATCHDOG_USEC=1000000 LISTEN_PID=1 LISTEN_FDS=1 LISTEN_FDNAMES=x \
    CREDENTIALS_DIRECTORY=$T CALLHOME_CANARY=kept \
    session "probe" 5 "-s device netconf" --sshd="$PROBE" \
    --secret-file="$T/secret" --keepalive-interval=7 --keepalive-count=2 \
    --sshd-option=LogLevel=DEBUG1 3<"$T/secret" 7<"$T/secret"

check "the probe ran and reported" test -s "$P"
check "the session still worked through it" \
    grep -q 'message-id="101"><data>' "$T/out"
check "the secret is in no argument nor variable" \
    sh -c "! grep -q fleet-secret-42 '$P'"
for v in NOTIFY_SOCKET WATCHDOG_PID WATCHDOG_USEC LISTEN_PID LISTEN_FDS \
    LISTEN_FDNAMES CREDENTIALS_DIRECTORY; do
	check "$v is removed" sh -c "! grep -q '^env $v=' '$P'"
done
check "other variables pass through" grep -qx 'env CALLHOME_CANARY=kept' "$P"
check "exactly fds 0, 1 and 2 are open" \
    test "$(grep '^fd ' "$P" | cut -d' ' -f2 | sort -n | tr '\n' ' ')" = \
    "0 1 2 "
fd0=$(sed -n 's/^fd 0 //p' "$P")
fd1=$(sed -n 's/^fd 1 //p' "$P")
check "fd 0 is a socket ($fd0)" sh -c "case '$fd0' in socket:*) ;; *) false;; esac"
check "fd 1 is the same socket" test "$fd0" = "$fd1"
check "it is a TCP/IP socket, so sshd sees the real peer" \
    grep -qx 'fd0-family inet' "$P"
check "fd 2 is kept for logs" grep -q '^fd 2 ' "$P"
check "sshd leads a session of its own (setsid)" \
    grep -qx 'session-leader 1' "$P"
check "no signal is blocked" grep -qx 'signals-blocked 0' "$P"
check "every signal disposition is the default" \
    grep -qx 'signals-not-default 0' "$P"
check "sshd is exec'd by absolute path with -i" \
    sh -c "sed -n 2p '$P' | grep -qx 'argv -i'"
check "-e: sshd logs to our stderr in the foreground" grep -qx 'argv -e' "$P"
check "sshd's log reached our stderr" \
    grep -q 'Accepted publickey' "$T/callhome.err"

# Keepalives: sshd's, and the socket's own.
args=$(sed -n 's/^argv //p' "$P" | tr '\n' ' ')
diag "sshd $args"
check "--keepalive-interval/--keepalive-count reach sshd" \
    sh -c "echo '$args' | grep -q -- '-o ClientAliveInterval=7 -o ClientAliveCountMax=2'"
check "--sshd-option comes before the derived options, so it wins" \
    sh -c "echo '$args' | grep -q -- '-o LogLevel=DEBUG1 -o ClientAliveInterval=7'"
check "TCP keepalive is on" grep -qx 'so-keepalive 1' "$P"
check "TCP keepalive idle = probe interval = 7 s" \
    sh -c "grep -qx 'tcp-keepidle 7' '$P' && grep -qx 'tcp-keepintvl 7' '$P'"
check "TCP keepalive probes = 2" grep -qx 'tcp-keepcnt 2' "$P"
check "TCP_USER_TIMEOUT = 2 x 7 s x (2 + 1)" \
    grep -qx 'tcp-user-timeout 42000' "$P"

# --syslog: our lines leave stderr, and sshd is not told to use it.
session "syslog" 3 "device true" --sshd="$PROBE" --services=any --syslog
check "--syslog: sshd gets no -e" sh -c "! grep -qx 'argv -e' '$P'"
check "--syslog: nothing of ours on stderr" \
    sh -c "! grep -q 'sshd-callhome:' '$T/callhome.err'"
done_testing
