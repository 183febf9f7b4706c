#!/bin/bash
# ssh-callhome --fdpass as stock ssh's ProxyCommand (ProxyUseFdpass yes),
# against our sshd-callhome, over 127.0.0.1 and ::1, with and without a
# secret; the known_hosts file it writes from a verified key lets
# StrictHostKeyChecking=yes pass from an empty file, and a wrong key fails.
. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

need_test_user
setup_sshd "$(unprivileged_user)"
[ -x "$NMS" ] || skip_all "ssh-callhome not built"

# call tag addr device-args -- kh alias host nms-args: one whole session.
call() {
	local tag=$1 addr=$2 port dial
	shift 2
	local devargs=
	while [ "$1" != -- ]; do devargs="$devargs $1"; shift; done
	shift
	local kh=$1 alias=$2 host=$3
	shift 3
	port=$(free_port "$addr")
	case $addr in *:*) dial="[$addr]:$port" ;; *) dial="$addr:$port" ;; esac
	if ! nms_ssh_start "$tag" "$kh" "$alias" yes "$host" "$port" \
	    --fdpass --listen="$dial" --timeout=30 "$@"; then
		diag "$tag: ssh-callhome did not listen on $dial"
	fi
	# shellcheck disable=SC2086
	device_start "$tag" "$host" "$dial" $devargs
	wait_pid 40 "$SSHPID"
	SSHRC=$?
	wait_pid 20 "$DEVPID" >/dev/null
}

ed=$(pubkey "$T/host_ed25519.pub")
rsa=$(pubkey "$T/host_rsa.pub")

for addr in 127.0.0.1 ::1; do
	if [ "$addr" = ::1 ] && ! have_ipv6; then
		skip "no IPv6 loopback: --fdpass over ::1 without a secret"
		skip "no IPv6 loopback: --fdpass over ::1 with a secret"
		skip "no IPv6 loopback: known_hosts over ::1"
		skip "no IPv6 loopback: --print over ::1"
		continue
	fi
	tag=plain-$addr
	call "$tag" "$addr" -- none "" dev-a --device-id=dev-a
	if [ "$SSHRC" -eq 0 ] && netconf_ok "$tag"; then
		ok "--fdpass over $addr without a secret: NETCONF hello and <get>"
	else
		not_ok "--fdpass over $addr without a secret (ssh $SSHRC)"
		show "$tag"
	fi

	tag=secret-$addr
	: >"$T/kh-$addr"
	call "$tag" "$addr" --secret-file="$T/secret" -- "$T/kh-$addr" \
	    dev-b dev-b --device-id=dev-b --secret-file="$NMS_SECRET" \
	    --known-hosts="$T/kh-$addr" --print
	if [ "$SSHRC" -eq 0 ] && netconf_ok "$tag"; then
		ok "--fdpass over $addr with a secret: strict host key check passes from an empty known_hosts"
	else
		not_ok "--fdpass over $addr with a secret (ssh $SSHRC)"
		show "$tag"
	fi
	line=$(cat "$T/kh-$addr")
	if [ "$line" = "dev-b $ed ssh-callhome" ] ||
	    [ "$line" = "dev-b $rsa ssh-callhome" ]; then
		ok "known_hosts over $addr: one line, the device's own host key, marked as ssh-callhome's"
	else
		not_ok "known_hosts over $addr: got '$line'"
	fi
	peer=$addr
	case $addr in *:*) peer="\\[$addr\\]" ;; esac
	if grep -qx 'DEVICE_ID=dev-b' "$T/$tag.err" &&
	    grep -qx "PEER=$peer:[0-9]*" "$T/$tag.err" &&
	    grep -qx 'PREAMBLE_LINES=5' "$T/$tag.err" &&
	    grep -qx 'HMAC=verified' "$T/$tag.err" &&
	    grep -qx 'HOST_KEY_NUL=no' "$T/$tag.err" &&
	    grep -qx "HOST_KEY=$(echo "$line" | cut -d' ' -f2,3)" "$T/$tag.err"; then
		ok "--print over $addr: device id, peer, host key, HMAC verified"
	else
		not_ok "--print over $addr"
		show "$tag"
	fi
done

# The known_hosts file from above, with ssh's host name as the device id
# (no HostKeyAlias, as in a "Host rtr-*" block) and no secret this time.
tag=noalias
cp "$T/kh-127.0.0.1" "$T/kh-noalias"
call "$tag" 127.0.0.1 -- "$T/kh-noalias" "" dev-b --device-id=dev-b
if [ "$SSHRC" -eq 0 ] && netconf_ok "$tag"; then
	ok "the recorded key verifies the device under its own name, no HostKeyAlias"
else
	not_ok "the recorded key under the host name (ssh $SSHRC)"
	show "$tag"
fi

# The ~/.ssh/config blocks of ssh-callhome(1)'s EXAMPLES, as written there
# (but with this test's paths and port): a "Host rtr-*" pattern with %n,
# and a host whose ssh name is not its device id, with HostKeyAlias.
for example in pattern alias; do
	port=$(free_port)
	if [ "$example" = pattern ]; then
		host=rtr-17 id=rtr-17
	else
		host=core-router id=rtr-18
	fi
	: >"$T/kh-config-$example"
	cat >"$T/ssh_config-$example" <<-EOF
	Host rtr-*
		ProxyCommand $NMS --fdpass --device-id=%n --secret-file=$NMS_SECRET --known-hosts=$T/kh-config-$example --listen=127.0.0.1:$port --timeout=30
		ProxyUseFdpass yes
		UserKnownHostsFile $T/kh-config-$example
		StrictHostKeyChecking yes
	Host core-router
		ProxyCommand $NMS --fdpass --device-id=rtr-18 --secret-file=$NMS_SECRET --known-hosts=$T/kh-config-$example --listen=127.0.0.1:$port --timeout=30
		ProxyUseFdpass yes
		UserKnownHostsFile $T/kh-config-$example
		HostKeyAlias rtr-18
		StrictHostKeyChecking yes
	Host *
		User $DEVUSER
		IdentityFile $T/user_key
		IdentitiesOnly yes
		BatchMode yes
		GlobalKnownHostsFile /dev/null
		LogLevel ERROR
	EOF
	tag=config-$example
	bg ssh -F "$T/ssh_config-$example" -s "$host" netconf \
	    <"$T/client.xml" >"$T/$tag.out" 2>"$T/$tag.err"
	SSHPID=$BGPID
	wait_until 10 listening "$port" || diag "$tag: not listening"
	device_start "$tag" "$id" "127.0.0.1:$port" --secret-file="$T/secret"
	wait_pid 40 "$SSHPID"
	SSHRC=$?
	wait_pid 20 "$DEVPID" >/dev/null
	if [ "$SSHRC" -eq 0 ] && netconf_ok "$tag" &&
	    [ "$(cut -d' ' -f1 "$T/kh-config-$example")" = "$id" ]; then
		ok "ssh_config example ($example): ssh -s $host netconf, from an empty known_hosts"
	else
		not_ok "ssh_config example ($example) (ssh $SSHRC)"
		show "$tag"
	fi
done

# A wrong key for the device: ssh must refuse.
ssh-keygen -q -t ed25519 -N '' -f "$T/other_key"
ssh-keygen -q -t rsa -b 2048 -N '' -f "$T/other_rsa"
printf 'dev-c %s\ndev-c %s\n' "$(pubkey "$T/other_key.pub")" \
    "$(pubkey "$T/other_rsa.pub")" >"$T/kh-wrong"
cp "$T/kh-wrong" "$T/kh-wrong.orig"
tag=wrongkey
call "$tag" 127.0.0.1 -- "$T/kh-wrong" dev-c dev-c --device-id=dev-c
if [ "$SSHRC" -ne 0 ] && ! grep -q netconf-stub "$T/$tag.out" &&
    grep -qi 'verification failed\|IDENTIFICATION HAS CHANGED' "$T/$tag.err"; then
	ok "a wrong key in known_hosts still fails StrictHostKeyChecking"
else
	not_ok "a wrong key in known_hosts (ssh $SSHRC)"
	show "$tag"
fi

# A caller that must be refused (the wrong secret), with --known-hosts and
# a file that holds other keys for its name: the file is left alone.
printf 'not-the-secret\n' >"$T/wrong-secret"
chmod 600 "$T/wrong-secret"
chown "$DEVUSER" "$T/wrong-secret"
cp "$T/kh-wrong" "$T/kh-refused"
tag=refused
call "$tag" 127.0.0.1 --secret-file="$T/wrong-secret" -- "$T/kh-refused" \
    dev-c dev-c --device-id=dev-c --secret-file="$NMS_SECRET" \
    --known-hosts="$T/kh-refused" --timeout=5
if [ "$SSHRC" -ne 0 ] && ! grep -q netconf-stub "$T/$tag.out" &&
    grep -q 'refused: HMAC does not match' "$T/$tag.err"; then
	ok "a caller with the wrong secret is refused"
else
	not_ok "a caller with the wrong secret (ssh $SSHRC)"
	show "$tag"
fi
check "... and known_hosts is left alone" cmp -s "$T/kh-refused" \
    "$T/kh-wrong.orig"

# No secret: nothing vouches for the key, an empty known_hosts stays empty
# and the strict check fails (no trust on first use).
tag=notofu
: >"$T/kh-empty"
call "$tag" 127.0.0.1 -- "$T/kh-empty" dev-d dev-d --device-id=dev-d
if [ "$SSHRC" -ne 0 ] && [ ! -s "$T/kh-empty" ] &&
    ! grep -q netconf-stub "$T/$tag.out"; then
	ok "without a secret an empty known_hosts stays empty and ssh refuses"
else
	not_ok "no trust on first use (ssh $SSHRC)"
	show "$tag"
fi

# An existing file: the stale line that ssh-callhome wrote is replaced in
# place, the rest kept.
{
	echo '# managed by hand'
	echo "other-host $(pubkey "$T/other_key.pub")"
	echo "dev-e $(pubkey "$T/other_key.pub") ssh-callhome"
	echo "@revoked * $(pubkey "$T/other_rsa.pub")"
} >"$T/kh-mixed"
tag=mixed
call "$tag" 127.0.0.1 --secret-file="$T/secret" -- "$T/kh-mixed" dev-e \
    dev-e --device-id=dev-e --secret-file="$NMS_SECRET" \
    --known-hosts="$T/kh-mixed"
if [ "$SSHRC" -eq 0 ] && netconf_ok "$tag"; then
	ok "a stale key for the device is replaced and ssh verifies it"
else
	not_ok "stale key replaced (ssh $SSHRC)"
	show "$tag"
fi
if [ "$(sed -n 1p "$T/kh-mixed")" = '# managed by hand' ] &&
    [ "$(sed -n 2p "$T/kh-mixed")" = "other-host $(pubkey "$T/other_key.pub")" ] &&
    sed -n 3p "$T/kh-mixed" | grep -q "^dev-e \\($ed\\|$rsa\\) ssh-callhome\$" &&
    [ "$(sed -n 4p "$T/kh-mixed")" = "@revoked * $(pubkey "$T/other_rsa.pub")" ] &&
    [ "$(wc -l <"$T/kh-mixed")" -eq 4 ]; then
	ok "other lines, comments and markers are kept, in order"
else
	not_ok "other known_hosts lines kept"
	diag "$(cat "$T/kh-mixed")"
fi
a='[A-Za-z0-9]'
leftover=$(find "$T" -name "kh-*.$a$a$a$a$a$a" | wc -l)
check "no temporary known_hosts file is left behind" [ "$leftover" -eq 0 ]

done_testing
