#!/bin/bash
# 60: --proxy=socks5://, against real SOCKS5 servers from Debian started
# here on loopback with throwaway configurations: microsocks (without and
# with username/password auth) and dante (a ruleset that blocks a port).
# A real ssh NETCONF session runs through each, end to end; the proxies
# connect out from 127.0.0.2, so the NMS's log shows the proxy, not the
# device, as the peer.  A wrong password, a destination the proxy cannot
# reach or may not reach: one log line naming the proxy's answer, and a
# failed attempt (exit 69 with --once).  The server's name goes to the
# proxy unresolved.
. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

proxy_setup microsocks

# microsocks without auth.
p1=$(free_port)
start_proxy ms "$p1" microsocks -i 127.0.0.1 -p "$p1" -b 127.0.0.2
e2e socks-none "socks5://127.0.0.1:$p1" "$(free_port)"
check "socks-none: the session started is logged with the proxy as peer" \
    grep -q "\[proxy 127.0.0.1\]: session started" "$T/socks-none.dev"

closed=$(free_port)
proxy_refused socks-closed "connection refused (SOCKS5 reply 5)" \
    --proxy="socks5://127.0.0.1:$p1" "127.0.0.1:$closed"
check "socks-closed: the log names the proxy and the server" \
    grep -q "127.0.0.1:$closed via proxy 127.0.0.1:$p1 \[127.0.0.1\]: the proxy refused" \
    "$T/socks-closed.dev"
# A server that takes the call and closes it at once, through the tunnel:
# the proxy's own reply is not the server answering.
listener D close
device_start socks-unanswered dev-a "127.0.0.1:$PORT_D" \
    --proxy="socks5://127.0.0.1:$p1"
wait_pid 30 "$DEVPID"
rc=$?
if [ "$rc" -eq 69 ] && grep -q "127.0.0.1:$PORT_D \[proxy 127.0.0.1\]: the call was not answered" "$T/socks-unanswered.dev"; then
	ok "socks-unanswered: a call the server dropped unanswered is a failed attempt (exit 69)"
else
	not_ok "socks-unanswered: exit $rc, want 69 and \"the call was not answered\""
	diag "$(tail -n 6 "$T/socks-unanswered.dev")"
fi
stop_listener D

# The proxy's own name is resolved here; when it does not resolve, that is
# what the log says.
proxy_refused proxy-name "via proxy proxy.invalid:1080: cannot resolve the proxy" \
    --proxy="socks5://proxy.invalid" "127.0.0.1:$closed"

# A name nobody resolves here: it goes to the proxy, which cannot either.
proxy_refused socks-name "the proxy refused" --proxy="socks5://127.0.0.1:$p1" \
    "nms.invalid:4334"
check "socks-name: the device did not resolve the server's name itself" \
    bash -c "! grep -q 'cannot resolve' '$T/socks-name.dev'"
stop_proxy ms

# A proxy at an IPv6 address.
if have_ipv6; then
	p6=$(free_port ::1)
	start_proxy ms6 "$p6" microsocks -i ::1 -p "$p6" -b 127.0.0.2
	e2e socks-v6 "socks5://[::1]:$p6" "$(free_port)"
	check "socks-v6: the proxy at [::1] is logged as the peer" \
	    grep -q "\[proxy ::1\]: session started" "$T/socks-v6.dev"
	stop_proxy ms6
else
	skip "no IPv6 loopback: a proxy at [::1]"
fi

# microsocks with username/password.
p2=$(free_port)
start_proxy msauth "$p2" microsocks -i 127.0.0.1 -p "$p2" -b 127.0.0.2 \
    -u alice -P pw-4-alice
e2e socks-auth "socks5://alice@127.0.0.1:$p2" "$(free_port)" \
    --proxy-password-file="$T/proxy-pw"
proxy_refused socks-wrongpw "username/password authentication failed" \
    --proxy="socks5://alice@127.0.0.1:$p2" \
    --proxy-password-file="$T/proxy-bad" "127.0.0.1:$closed"
proxy_refused socks-nouser "no acceptable authentication method" \
    --proxy="socks5://127.0.0.1:$p2" "127.0.0.1:$closed"
check "socks-wrongpw: the password is not in the log" \
    bash -c "! grep -rq 'not-her-password' '$T'/*.dev"

# The password file: the secret file's rules, checked before any call.
cp -p "$T/proxy-pw" "$T/proxy-open"
chmod 644 "$T/proxy-open"
device_start pw-open dev-a --proxy="socks5://alice@127.0.0.1:$p2" \
    --proxy-password-file="$T/proxy-open" "127.0.0.1:$closed"
wait_pid 20 "$DEVPID"
rc=$?
if [ "$rc" -eq 78 ] && grep -q "proxy password file $T/proxy-open: permissions 0644 are too open" "$T/pw-open.dev"; then
	ok "a password file open to others: exit 78, named"
else
	not_ok "a password file open to others: exit $rc"
	diag "$(cat "$T/pw-open.dev")"
fi
check "pw-open: no call was made" bash -c "! grep -q 'connected\|refused' '$T/pw-open.dev'"

# RFC 1929 carries at most 255 bytes of password: more is a configuration
# error, found at start.
head -c 256 /dev/zero | tr '\0' x >"$T/proxy-long"
chmod 600 "$T/proxy-long"
chown "$DEVUSER" "$T/proxy-long"
device_start pw-long dev-a --proxy="socks5://alice@127.0.0.1:$p2" \
    --proxy-password-file="$T/proxy-long" "127.0.0.1:$closed"
wait_pid 20 "$DEVPID"
rc=$?
check "a password of 256 bytes: exit 78 ($rc), named" eval \
    '[ "$rc" -eq 78 ] && grep -q "the password is longer than 255 bytes" "$T/pw-long.dev"'

# --check shows the proxy.
as_device "$CALLHOME" --check --device-id=dev-a --sshd-config="$T/sshd_config" \
    --proxy="socks5://alice@127.0.0.1:$p2" --proxy-password-file="$T/proxy-pw" \
    nms.example:830 >"$T/check.out" 2>&1
rc=$?
if [ "$rc" -eq 0 ] &&
    grep -qx "proxy: socks5://alice@127.0.0.1:$p2 (the proxy resolves the server names)" "$T/check.out" &&
    grep -qx "proxy-password-file: $T/proxy-pw" "$T/check.out"; then
	ok "--check prints the proxy and its password file"
else
	not_ok "--check prints the proxy (exit $rc)"
	diag "$(cat "$T/check.out")"
fi
stop_proxy msauth

# dante: a ruleset that passes loopback but blocks one port.
if ! command -v danted >/dev/null; then
	skip "dante-server not installed: NETCONF through danted"
	skip "dante-server not installed: a port its ruleset blocks"
else
	p3=$(free_port)
	blocked=$(free_port)
	# As root, dante drops to nobody; as a user it stays that user.
	if is_root; then
		users="user.privileged: root
user.unprivileged: nobody"
	else
		users=
	fi
	cat >"$T/danted.conf" <<-EOF
	logoutput: stderr
	internal: 127.0.0.1 port = $p3
	external: 127.0.0.2
	socksmethod: none
	clientmethod: none
	$users
	client pass { from: 127.0.0.0/8 to: 0/0 }
	socks block { from: 0/0 to: 127.0.0.1/32 port = $blocked log: connect error }
	socks pass { from: 127.0.0.0/8 to: 0/0 log: connect error }
	EOF
	if start_proxy dante "$p3" danted -f "$T/danted.conf" -N 1 \
	    -p "$T/danted.pid"; then
		e2e dante "socks5://127.0.0.1:$p3" "$(free_port)"
		proxy_refused dante-blocked \
		    "connection not allowed by ruleset (SOCKS5 reply 2)" \
		    --proxy="socks5://127.0.0.1:$p3" "127.0.0.1:$blocked"
		check "dante-blocked: dante's own log has the block" \
		    grep -q "block(1): tcp/connect" "$T/dante.log"
		stop_proxy dante
	else
		not_ok "danted started"
	fi
fi

done_testing
