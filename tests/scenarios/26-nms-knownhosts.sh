#!/bin/bash
# ssh-callhome --known-hosts never removes or overrides a line that it did
# not write.  Callers with the right secret claim names that the file
# already holds by hand: plainly, in another case, in a list, hashed, by a
# wildcard, as a [name]:port entry or under @cert-authority.  Each call is
# refused with one log line naming the file and line, the file stays byte
# for byte the same, and ssh-callhome goes on waiting; a name that a line
# excludes by negation, and a line that ssh-callhome wrote itself (its
# "ssh-callhome" comment), are still written.
. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

setup_sshd "$(unprivileged_user)"
[ -x "$NMS" ] || skip_all "ssh-callhome not built"

ssh-keygen -q -t ed25519 -N '' -C '' -f "$T/other_key"
other=$(pubkey "$T/other_key.pub")
ed=$(pubkey "$T/host_ed25519.pub")
rsa=$(pubkey "$T/host_rsa.pub")

# A hashed entry, as ssh-keygen -H writes it.
echo "gw-2 $other" >"$T/hashed"
ssh-keygen -q -H -f "$T/hashed" >/dev/null 2>&1
hashed=$(cat "$T/hashed")
case $hashed in
'|1|'*) ;;
*) diag "ssh-keygen -H did not hash: $hashed" ;;
esac

kh=$T/known_hosts
{
	echo "# written by hand"
	echo "github.com $other"
	echo "gw-1,192.0.2.1 $other"
	echo "$hashed"
	echo "*.corp $other"
	echo "@cert-authority ca-dev-* $other"
	echo "[gw-3]:830 $other"
	echo "rtr-old $other"
	echo "rtr-n*,!rtr-neg $other"
	echo "@revoked * $rsa"
} >"$kh"
cp "$kh" "$T/known_hosts.orig"
chmod 644 "$kh"

# One ssh-callhome takes every call: no --device-id, any name may call.
port=$(free_port)
: >"$T/nms.err"
bg "$NMS" --listen="127.0.0.1:$port" --timeout=120 \
    --secret-file="$NMS_SECRET" --known-hosts="$kh" </dev/null \
    >/dev/null 2>"$T/nms.err"
nms=$BGPID
wait_until 10 listening "$port" || diag "ssh-callhome is not listening"

# claim tag name line: a device with the right secret calls as name, which
# line of the file already holds: refused, logged, file unchanged.
claim() {
	local tag=$1 id=$2 line=$3 want
	want="(DEVICE-ID \"$id\") refused: known_hosts $kh:$line already holds a line for \"$id\" that ssh-callhome did not write"
	device_start "$tag" "$id" "127.0.0.1:$port" --secret-file="$T/secret"
	wait_pid 20 "$DEVPID" >/dev/null
	wait_until 5 grep -qF -- "$want" "$T/nms.err"
	if grep -qF -- "$want" "$T/nms.err" && kill -0 "$nms" 2>/dev/null &&
	    cmp -s "$kh" "$T/known_hosts.orig"; then
		ok "$tag: \"$id\" refused (line $line), file unchanged, still waiting"
	else
		not_ok "$tag: \"$id\" (line $line)"
		diag "$(tail -n 5 "$T/nms.err")"
		diag "$(diff "$T/known_hosts.orig" "$kh")"
	fi
}

claim plain github.com 2
claim case GitHub.COM 2
claim list gw-1 3
claim hashed gw-2 4
claim wildcard build.corp 5
claim cert-authority ca-dev-7 6
claim bracket-port gw-3 7
claim unmarked rtr-old 8
claim pattern-list rtr-nord 9

# Excluded by "!rtr-neg", and only @revoked for everyone: ssh-callhome
# writes its line, marked, after the others, which stay as they were.
device_start excluded rtr-neg "127.0.0.1:$port" --secret-file="$T/secret"
wait_pid 20 "$nms"
rc=$?
wait_pid 20 "$DEVPID" >/dev/null
n=$(wc -l <"$T/known_hosts.orig")
last=$(sed -n "$((n + 1)),\$p" "$kh")
if [ "$rc" -eq 0 ] && head -n "$n" "$kh" | cmp -s - "$T/known_hosts.orig" &&
    { [ "$last" = "rtr-neg $ed ssh-callhome" ] ||
    [ "$last" = "rtr-neg $rsa ssh-callhome" ]; }; then
	ok "a name that the lines exclude is accepted and appended with the ssh-callhome comment"
else
	not_ok "the excluded name (exit $rc), added: '$last'"
	diag "$(tail -n 5 "$T/nms.err")"
	diag "$(diff "$T/known_hosts.orig" "$kh")"
fi

# With --device-id the same: refused until the timeout, file unchanged.
port=$(free_port)
bg "$NMS" --listen="127.0.0.1:$port" --timeout=4 --device-id=github.com \
    --secret-file="$NMS_SECRET" --known-hosts="$kh" </dev/null \
    >/dev/null 2>"$T/nms2.err"
nms=$BGPID
wait_until 10 listening "$port" || diag "ssh-callhome is not listening"
cp "$kh" "$T/known_hosts.orig"
device_start devid github.com "127.0.0.1:$port" --secret-file="$T/secret"
wait_pid 20 "$nms"
rc=$?
wait_pid 20 "$DEVPID" >/dev/null
if [ "$rc" -eq 75 ] && cmp -s "$kh" "$T/known_hosts.orig" &&
    grep -qF "already holds a line for \"github.com\"" "$T/nms2.err"; then
	ok "--device-id=github.com: the call is refused, exit 75, file unchanged"
else
	not_ok "--device-id=github.com: exit $rc"
	diag "$(cat "$T/nms2.err")"
fi

# A line that ssh-callhome wrote (its comment) with a stale key is
# replaced in place, and only that line changes.
{
	echo "# written by hand"
	echo "rtr-m $other ssh-callhome"
	echo "rtr-mm $other"
} >"$kh"
port=$(free_port)
bg "$NMS" --listen="127.0.0.1:$port" --timeout=20 --device-id=rtr-m \
    --secret-file="$NMS_SECRET" --known-hosts="$kh" </dev/null \
    >/dev/null 2>"$T/nms3.err"
nms=$BGPID
wait_until 10 listening "$port" || diag "ssh-callhome is not listening"
device_start ours rtr-m "127.0.0.1:$port" --secret-file="$T/secret"
wait_pid 20 "$nms"
rc=$?
wait_pid 20 "$DEVPID" >/dev/null
line=$(sed -n 2p "$kh")
if [ "$rc" -eq 0 ] && [ "$(sed -n 1p "$kh")" = "# written by hand" ] &&
    { [ "$line" = "rtr-m $ed ssh-callhome" ] ||
    [ "$line" = "rtr-m $rsa ssh-callhome" ]; } &&
    [ "$(sed -n 3p "$kh")" = "rtr-mm $other" ] &&
    [ "$(wc -l <"$kh")" -eq 3 ]; then
	ok "its own line with a stale key is replaced in place, the rest kept"
else
	not_ok "its own line replaced (exit $rc)"
	diag "$(cat "$kh" "$T/nms3.err")"
	show ours
fi

done_testing
