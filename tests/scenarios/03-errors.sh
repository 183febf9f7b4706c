#!/bin/bash
# 03: bad input gets a clear message naming the problem and a documented
# exit status: 64 usage, 78 configuration, 69 no server took the call.

. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

setup_sshd

# expect name status pattern args...: run sshd-callhome, check both.
expect() {
	local name=$1 want=$2 pattern=$3 rc
	shift 3
	"$CALLHOME" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	check "$name: exit $want (got $rc)" test "$rc" -eq "$want"
	[ -z "$pattern" ] && return
	check "$name: message names the problem" grep -qF -- "$pattern" "$T/err"
	[ "$rc" -eq "$want" ] && grep -qF -- "$pattern" "$T/err" ||
	    diag "$(cat "$T/err")"
}

base="--device-id=rtr-1 --sshd-config=$T/sshd_config"
port=$(free_port)

# Usage errors: 64.
expect "no device id" 64 "--device-id is required" 127.0.0.1
expect "no server" 64 "no SERVER" --device-id=x
expect "LF in device id" 64 "control character" --device-id="$(printf 'a\nb')" n
expect "bad port" 64 "from 1 to 65535" --device-id=x --port=0 n
expect "unknown option" 64 "--frobnicate" --device-id=x --frobnicate n
for s in 'nms:0' 'nms:70000' '[::1' '[::1]x' 'a b' ':22' 'nms;reboot'; do
	expect "SERVER '$s'" 64 "server \"$s\"" --device-id=x "$s"
done

# Configuration errors: 78.
chmod 644 "$T/secret"
expect "group/world-readable secret" 78 "too open" $base \
    --secret-file="$T/secret" 127.0.0.1:$port
chmod 600 "$T/secret"
: >"$T/empty"
chmod 600 "$T/empty"
expect "empty secret" 78 "secret is empty" $base --secret-file="$T/empty" \
    127.0.0.1:$port
printf '\n' >"$T/empty"
expect "secret of just a newline" 78 "secret is empty" $base \
    --secret-file="$T/empty" 127.0.0.1:$port
expect "missing secret file" 78 "$T/nosuch: No such file" $base \
    --secret-file="$T/nosuch" 127.0.0.1:$port
expect "missing --host-key" 78 "$T/nokey.pub: No such file" $base \
    --secret-file="$T/secret" --host-key="$T/nokey.pub" 127.0.0.1:$port
expect "private key as --host-key" 78 "is a private key" $base \
    --secret-file="$T/secret" --host-key="$T/host_ed25519" 127.0.0.1:$port
mv "$T/host_ed25519.pub" "$T/moved.pub"
"$CALLHOME" $base --check --secret-file="$T/secret" 127.0.0.1:$port \
    >"$T/out" 2>&1
check "sshd's ed25519 key has no .pub: the RSA key is announced" \
    grep -q '^HOST-KEY: ssh-rsa ' "$T/out"
mv "$T/host_rsa.pub" "$T/moved_rsa.pub"
expect "none of sshd's host keys has a .pub" 78 \
    "no public key of sshd's host keys can be read (use --host-key)" \
    $base --secret-file="$T/secret" 127.0.0.1:$port
mv "$T/moved.pub" "$T/host_ed25519.pub"
mv "$T/moved_rsa.pub" "$T/host_rsa.pub"
# The key type decides, not the file name.
cp "$T/host_ed25519" "$T/zz_key"
cp "$T/host_ed25519.pub" "$T/zz_key.pub"
"$CALLHOME" --device-id=rtr-1 --sshd-config="$T/sshd_config" --check \
    --sshd-option=HostKey="$T/host_rsa" --sshd-option=HostKey="$T/zz_key" \
    --secret-file="$T/secret" 127.0.0.1:$port >"$T/out" 2>&1
check "an ed25519 key is preferred whatever its file is called" \
    grep -q '^HOST-KEY: ssh-ed25519 ' "$T/out"
expect "sshd missing" 78 "cannot execute sshd $T/no-sshd" $base \
    --sshd="$T/no-sshd" 127.0.0.1:$port
printf 'NoSuchKeyword yes\n' >"$T/broken_config"
expect "broken sshd_config" 78 "sshd rejects its configuration" \
    --device-id=x --sshd-config="$T/broken_config" 127.0.0.1:$port
expect "bad --sshd-option" 78 "sshd rejects its configuration" $base \
    --sshd-option=NoSuchKeyword=1 127.0.0.1:$port

# Nobody answers: every attempt logged, exit 69.
expect "refused" 69 "127.0.0.1:$port [127.0.0.1]: Connection refused" \
    $base --once --retry=2 --timeout=2 127.0.0.1:$port
check "refused: one log line per attempt" \
    test "$(grep -c 'Connection refused' "$T/err")" -eq 2
expect "--port applies" 69 "127.0.0.1:$port [127.0.0.1]: Connection refused" \
    $base --once --retry=1 --timeout=2 --port="$port" 127.0.0.1
expect "-q: only the final error" 69 "no server took the call" \
    $base --once --retry=1 --timeout=2 -q 127.0.0.1:$port
check "-q: no per-attempt lines" sh -c "! grep -q refused '$T/err'"
listener H blackhole
t0=$EPOCHREALTIME
expect "--timeout bounds a hanging connect" 69 "connection timed out" \
    $base --once --retry=1 --timeout=2 127.0.0.1:"$PORT_H"
dt=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
check "--timeout: gave up after about 2 s ($dt s, in [1.9, 6])" \
    awk -v d="$dt" 'BEGIN { exit !(d >= 1.9 && d < 6) }'
stop_listener H
expect "unresolvable" 69 "nonexistent.invalid:4334: cannot resolve" $base \
    --once --retry=1 --timeout=2 nonexistent.invalid

# --check: validates, prints the preamble, hides the HMAC unless -v.
expect "check" 0 "" $base --check --secret-file="$T/secret" 127.0.0.1:$port
check "check: prints the preamble" grep -q '^DEVICE-ID: rtr-1$' "$T/out"
check "check: HMAC masked" grep -qx 'HMAC: \*\{40\}' "$T/out"
"$CALLHOME" $base --check -v --secret-file="$T/secret" 127.0.0.1:$port \
    >"$T/out" 2>&1
key=$(cut -d' ' -f1,2 "$T/host_ed25519.pub")
hmac=$(printf '%s' "$key" | openssl dgst -sha1 -hmac fleet-secret-42 |
    sed 's/^.*= //')
check "check -v: shows the real HMAC" grep -qx "HMAC: $hmac" "$T/out"
check "check: shows the sshd command line" \
    grep -q "^sshd: $SSHD -i -e -f $T/sshd_config" "$T/out"
check "check: the secret itself is never printed" \
    sh -c "! grep -q fleet-secret-42 '$T/out'"

"$CALLHOME" --help >"$T/out"
check "--help: exit 0 on stdout" test $? -eq 0 -a -s "$T/out"
"$CALLHOME" --version >"$T/out"
check "--version" grep -q "^sshd-callhome [0-9]" "$T/out"
done_testing
