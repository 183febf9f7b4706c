#!/bin/bash
# 61: --proxy=http://, HTTP/1.1 CONNECT against a real tinyproxy started
# here on loopback with a throwaway configuration: ConnectPort lets only
# the NMS's port through, so another port is refused with 403 (an allowed
# one where nobody listens gets a 5xx); Bind makes it dial out from
# 127.0.0.2.  Without auth, and with Basic auth: a real ssh NETCONF
# session end to end through each, the NMS seeing the proxy as the peer;
# no credentials or a wrong password are refused with the proxy's status
# line in the log, and a failed attempt (exit 69).
. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

proxy_setup tinyproxy

nport=$(free_port)
denied=$(free_port)
closed=$(free_port)	# allowed, but nobody listens: a 5xx

# tinyproxy_conf file port [auth line]: no daemon, loopback only.
tinyproxy_conf() {
	cat >"$1" <<-EOF
	Port $2
	Listen 127.0.0.1
	Bind 127.0.0.2
	Timeout 60
	MaxClients 10
	LogLevel Info
	ConnectPort $nport
	ConnectPort $closed
	${3:-}
	EOF
}

p1=$(free_port)
tinyproxy_conf "$T/tp-open.conf" "$p1"
if start_proxy tp "$p1" tinyproxy -d -c "$T/tp-open.conf"; then
	e2e http-none "http://127.0.0.1:$p1" "$nport"
	check "http-none: the session started is logged with the proxy as peer" \
	    grep -q "\[proxy 127.0.0.1\]: session started" "$T/http-none.dev"
	proxy_refused http-denied "the proxy refused: HTTP/1.[01] 403 " \
	    --proxy="http://127.0.0.1:$p1" "127.0.0.1:$denied"
	check "http-denied: the log names the proxy and the server" \
	    grep -q "127.0.0.1:$denied via proxy 127.0.0.1:$p1 \[127.0.0.1\]: the proxy refused" \
	    "$T/http-denied.dev"
	proxy_refused http-closed "the proxy refused: HTTP/1.[01] 5[0-9][0-9] " \
	    --proxy="http://127.0.0.1:$p1" "127.0.0.1:$closed"
	stop_proxy tp
else
	not_ok "tinyproxy without auth started"
fi

p2=$(free_port)
tinyproxy_conf "$T/tp-auth.conf" "$p2" "BasicAuth alice pw-4-alice"
if start_proxy tpauth "$p2" tinyproxy -d -c "$T/tp-auth.conf"; then
	e2e http-auth "http://alice@127.0.0.1:$p2" "$nport" \
	    --proxy-password-file="$T/proxy-pw"
	proxy_refused http-nocred "the proxy refused: HTTP/1.[01] 407 " \
	    --proxy="http://127.0.0.1:$p2" "127.0.0.1:$nport"
	# tinyproxy 1.11 answers a wrong password with 401, others with 407.
	proxy_refused http-wrongpw "the proxy refused: HTTP/1.[01] 40[17] " \
	    --proxy="http://alice@127.0.0.1:$p2" \
	    --proxy-password-file="$T/proxy-bad" "127.0.0.1:$nport"
	proxy_refused http-auth-denied "the proxy refused: HTTP/1.[01] 403 " \
	    --proxy="http://alice@127.0.0.1:$p2" \
	    --proxy-password-file="$T/proxy-pw" "127.0.0.1:$denied"
	check "http-wrongpw: the password is not in the log" \
	    bash -c "! grep -rq 'not-her-password' '$T'/*.dev"
	stop_proxy tpauth
else
	not_ok "tinyproxy with BasicAuth started"
fi

done_testing
