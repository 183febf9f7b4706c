#!/bin/bash
# Preambles as real Junos and other devices send them, made up here (the
# HMAC by Python's hmac module), followed by a real "sshd -i" on the same
# socket: a NUL after the HOST-KEY value, bare LF, "HMAC:" without the
# space, a 3-line preamble, an RSA host key line of ~400 bytes, uppercase
# hex, swapped HMAC operands, no preamble at all.  Stock ssh must get
# through each one that is acceptable.
. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

need_test_user
setup_sshd "$(unprivileged_user)"
[ -x "$NMS" ] || skip_all "ssh-callhome not built"

ed=$(pubkey "$T/host_ed25519.pub")
rsa=$(pubkey "$T/host_rsa.pub")

# junos tag knownhosts alias fdpass nms-options... -- fakedev-options...:
# ssh through ssh-callhome, the made-up device behind it; SSHRC.
junos() {
	local tag=$1 kh=$2 alias=$3 fdpass=$4 port nmsargs=
	shift 4
	while [ "$1" != -- ]; do nmsargs="$nmsargs $1"; shift; done
	shift
	port=$(free_port)
	# shellcheck disable=SC2086
	nms_ssh_start "$tag" "$kh" "$alias" "$fdpass" "${alias:-dev}" \
	    "$port" --listen="127.0.0.1:$port" --timeout=20 --print $nmsargs ||
	    diag "$tag: ssh-callhome is not listening"
	bg as_device "$PYTHON" "$FAKEDEV" --connect 127.0.0.1 --port "$port" \
	    --max-time 20 --then exec "$@" -- "$SSHD" -i -f "$T/sshd_config" \
	    >"$T/$tag.dev" 2>&1
	DEVPID=$BGPID
	wait_pid 40 "$SSHPID"
	SSHRC=$?
	wait_pid 20 "$DEVPID" >/dev/null
}

# passed tag what: the session went through.
passed() {
	if [ "$SSHRC" -eq 0 ] && netconf_ok "$1"; then
		ok "$2"
	else
		not_ok "$2 (ssh $SSHRC)"
		show "$1"
	fi
}

printed() {
	grep -qx "$2" "$T/$1.err"
}

: >"$T/kh1"
junos nul "$T/kh1" jx-1 yes --fdpass --device-id=jx-1 \
    --secret-file="$NMS_SECRET" --known-hosts="$T/kh1" -- \
    --device-id jx-1 --key "$ed" --secret "$T/secret" --nul
passed nul "NUL after the HOST-KEY value (CR LF): verified, recorded, ssh passes"
check "... the NUL was seen and stripped" printed nul 'HOST_KEY_NUL=yes'
check "... known_hosts has the key without the NUL" \
    [ "$(cat "$T/kh1")" = "jx-1 $ed ssh-callhome" ]

: >"$T/kh2"
junos lf "$T/kh2" jx-2 yes --fdpass --device-id=jx-2 \
    --secret-file="$NMS_SECRET" --known-hosts="$T/kh2" -- \
    --device-id jx-2 --key "$ed" --secret "$T/secret" --nul --eol lf \
    --hmac-no-space
passed lf "bare LF, NUL, \"HMAC:\" without the space: ssh passes"
check "... HMAC verified" printed lf 'HMAC=verified'

: >"$T/kh3"
junos nospace "$T/kh3" jx-3 yes --fdpass --device-id=jx-3 \
    --secret-file="$NMS_SECRET" --known-hosts="$T/kh3" -- \
    --device-id jx-3 --key "$ed" --secret "$T/secret" --no-space --eol lf
passed nospace "no space after any colon, bare LF: ssh passes"

junos three none "" yes --fdpass --device-id=jx-4 -- --device-id jx-4
passed three "a 3-line preamble (no secret): ssh passes"
check "... printed as 3 lines, HMAC absent" sh -c \
    "grep -qx 'PREAMBLE_LINES=3' '$T/three.err' && grep -qx 'HMAC=absent' '$T/three.err'"

: >"$T/kh5"
junos rsa "$T/kh5" jx-5 yes --fdpass --device-id=jx-5 \
    --secret-file="$NMS_SECRET" --known-hosts="$T/kh5" -- \
    --device-id jx-5 --key "$rsa" --secret "$T/secret" --nul
len=$(printf 'HOST-KEY: %s\r\n' "$rsa" | wc -c)
passed rsa "an RSA HOST-KEY line of $len bytes (NUL too): verified, ssh passes"
check "... that line is over 380 bytes" [ "$len" -gt 380 ]
check "... known_hosts has the RSA key" [ "$(cat "$T/kh5")" = "jx-5 $rsa ssh-callhome" ]

: >"$T/kh6"
junos relay "$T/kh6" jx-6 no --device-id=jx-6 --secret-file="$NMS_SECRET" \
    --known-hosts="$T/kh6" -- \
    --device-id jx-6 --key "$ed" --secret "$T/secret" --nul --eol lf
passed relay "Junos input through the relay (ProxyUseFdpass no): ssh passes"

junos upper none "" yes --fdpass --secret-file="$NMS_SECRET" -- \
    --device-id jx-7 --key "$ed" --secret "$T/secret" --upper
passed upper "uppercase HMAC hex: verified, ssh passes"

junos swapped none "" yes --fdpass --secret-file="$NMS_SECRET" \
    --timeout=4 -- --device-id jx-8 --key "$ed" --secret "$T/secret" \
    --swapped
if [ "$SSHRC" -ne 0 ] && grep -q 'refused: HMAC does not match' \
    "$T/swapped.err" && grep -q 'no acceptable call within 4 s' \
    "$T/swapped.err"; then
	ok "swapped HMAC operands refused by default"
else
	not_ok "swapped HMAC operands by default (ssh $SSHRC)"
	show swapped
fi
junos swapok none "" yes --fdpass --secret-file="$NMS_SECRET" \
    --allow-swapped-hmac -- --device-id jx-9 --key "$ed" \
    --secret "$T/secret" --swapped
passed swapok "swapped HMAC operands with --allow-swapped-hmac: ssh passes"
check "... printed as verified-swapped, with a warning" sh -c \
    "grep -qx 'HMAC=verified-swapped' '$T/swapok.err' && grep -q 'swapped operands' '$T/swapok.err'"

junos rfc8071 none "" yes --fdpass --device-id=jx-10 --
passed rfc8071 "no preamble at all (RFC 8071): ssh passes"
check "... printed as 0 lines, no device id" sh -c \
    "grep -qx 'PREAMBLE_LINES=0' '$T/rfc8071.err' && grep -qx 'DEVICE_ID=' '$T/rfc8071.err'"
junos required none "" yes --fdpass --require-preamble --timeout=4 --
if [ "$SSHRC" -ne 0 ] && grep -q 'refused: no preamble, and --require-preamble' \
    "$T/required.err"; then
	ok "no preamble refused with --require-preamble"
else
	not_ok "--require-preamble (ssh $SSHRC)"
	show required
fi

done_testing
