#!/bin/bash
# 05: --services=netconf reaches sshd as -o options, and a Match block in
# sshd_config overrides those for the users it matches.  A configuration
# whose Match blocks (Include'd files too) set a keyword that the lock-down
# relies on is refused at start and by --check (78, naming the file and
# line); --services=any accepts it; harmless Match blocks are accepted and
# the lock-down still holds for the users they match.

. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

setup_sshd

# A listener that records any call, so that "nothing was dialled" is seen.
listener nms record --hold-time 1 || { done_testing; exit; }

# conf name lines...: $T/name, the test's sshd_config followed by lines.
conf() {
	local f=$T/$1
	shift
	cp "$T/sshd_config" "$f"
	printf '%s\n' "$@" >>"$f"
}

# line_of file text: the number of the first line that is exactly text.
line_of() {
	grep -nxF -- "$2" "$1" | head -n 1 | cut -d: -f1
}

# refused name config where keyword: --check and a normal start both exit
# 78 with the one message, nothing is dialled; --services=any accepts it.
refused() {
	local name=$1 cf=$2 where=$3 kw=$4 rc before msg
	msg="sshd-callhome: $where: Match block sets $kw, which"
	msg="$msg --services=netconf relies on; remove it or use --services=any"
	"$CALLHOME" --check --device-id=rtr-1 --sshd-config="$cf" \
	    "127.0.0.1:$PORT_nms" >"$T/out" 2>"$T/err"
	rc=$?
	check "$name: --check exits 78 ($rc)" test "$rc" -eq 78
	check "$name: --check names $where and $kw" grep -qxF -- "$msg" "$T/err"
	grep -qxF -- "$msg" "$T/err" || diag "$(cat "$T/err")"
	before=$(calls nms)
	"$CALLHOME" --once --retry=1 --timeout=5 --device-id=rtr-1 \
	    --sshd-config="$cf" "127.0.0.1:$PORT_nms" >"$T/out" 2>"$T/err" \
	    </dev/null
	rc=$?
	check "$name: a normal start exits 78 ($rc)" test "$rc" -eq 78
	check "$name: a normal start names $where and $kw" \
	    grep -qxF -- "$msg" "$T/err"
	check "$name: nothing was dialled" test "$(calls nms)" -eq "$before"
	"$CALLHOME" --check --services=any --device-id=rtr-1 \
	    --sshd-config="$cf" "127.0.0.1:$PORT_nms" >"$T/out" 2>"$T/err"
	rc=$?
	check "$name: --services=any accepts it ($rc)" test "$rc" -eq 0
}

# The danger is real with this sshd: a Match value beats sshd -o.
conf bad 'Match User admin' '	ForceCommand none'
"$SSHD" -T -f "$T/bad" -o ForceCommand="$NETCONF_STUB" \
    -C user=admin,host=nms,addr=127.0.0.1 >"$T/t.out" 2>"$T/t.err"
check "sshd itself lets Match ForceCommand none beat -o ForceCommand" \
    grep -qx 'forcecommand none' "$T/t.out"
grep -qx 'forcecommand none' "$T/t.out" ||
    diag "$(grep -i forcecommand "$T/t.out"; cat "$T/t.err")"

refused "Match User + ForceCommand" "$T/bad" \
    "$T/bad:$(line_of "$T/bad" '	ForceCommand none')" ForceCommand

# In a file that a top-level Include reads, after its own Match line.
mkdir "$T/conf.d"
printf '%s\n' '# admins get a shell' 'Banner none' 'Match User admin' \
    '  ForceCommand none' >"$T/conf.d/50-admin.conf"
printf '%s\n' 'Banner none' >"$T/conf.d/10-banner.conf"
conf inc "Include $T/conf.d/*.conf"
refused "ForceCommand in an Include'd file" "$T/inc" \
    "$T/conf.d/50-admin.conf:4" ForceCommand

# An Include inside a Match block: every line of the file is in the block.
printf '%s\n' '# no Match line here' 'permittty=yes' >"$T/in-match.conf"
conf incmatch 'Match Group wheel' "Include $T/in-match.conf"
refused "PermitTTY in a file included from a Match block" "$T/incmatch" \
    "$T/in-match.conf:2" PermitTTY

conf fwd 'Match Address 10.0.0.0/8' 'AllowTcpForwarding yes'
refused "Match Address + AllowTcpForwarding yes" "$T/fwd" \
    "$T/fwd:$(line_of "$T/fwd" 'AllowTcpForwarding yes')" AllowTcpForwarding

conf x11 'match all' '  x11forwarding = "yes"'
refused "match all + x11forwarding = \"yes\"" "$T/x11" \
    "$T/x11:$(line_of "$T/x11" '  x11forwarding = "yes"')" X11Forwarding

# sshd reads an Include'd directory as empty; it is refused all the same.
mkdir "$T/a-dir"
conf incdir "Include $T/a-dir"
"$CALLHOME" --check --device-id=rtr-1 --sshd-config="$T/incdir" \
    "127.0.0.1:$PORT_nms" >"$T/out" 2>"$T/err"
rc=$?
check "an Include'd directory: exit 78 ($rc)" test "$rc" -eq 78
check "an Include'd directory: the message names it" \
    grep -qxF "sshd-callhome: $T/a-dir: not a regular file" "$T/err"

# Harmless Match blocks, for the very user the NMS logs in as, in the file
# and through an Include: accepted, and the lock-down still holds.
printf '%s\n' 'PermitTTY no' 'AllowTcpForwarding no' 'X11Forwarding no' \
    'DisableForwarding yes' 'PermitOpen none' >"$T/conf.d/restrict"
conf good "Match User $DEVUSER" 'Banner none' 'PasswordAuthentication no' \
    "Include $T/conf.d/restrict"
"$CALLHOME" --check --device-id=rtr-1 --sshd-config="$T/good" \
    "127.0.0.1:$PORT_nms" >"$T/out" 2>"$T/err"
rc=$?
check "harmless Match blocks: --check exits 0 ($rc)" test "$rc" -eq 0
[ "$rc" -eq 0 ] || diag "$(cat "$T/err")"
check "--check says the lock-down was checked, with the Include'd file" \
    grep -qxF 'lock-down: no Match block undoes it (sshd_config files read: 2)' \
    "$T/out"
"$CALLHOME" --check --services=any --device-id=rtr-1 \
    --sshd-config="$T/good" "127.0.0.1:$PORT_nms" >"$T/out" 2>"$T/err"
check "--check with --services=any says there is no lock-down" \
    grep -qxF 'lock-down: none (--services=any)' "$T/out"

session "harmless match: shell command" 3 "device echo PWNED" \
    --sshd-config="$T/good"
check "harmless Match blocks: the start was not refused ($RC)" \
    test "$RC" -ne 78
check "harmless Match blocks: a shell command runs the netconf subsystem" \
    grep -q '<hello' "$T/out"
check "harmless Match blocks: the command itself never ran" \
    sh -c "! grep -q PWNED '$T/out'"
SSH_STDIN=$T/client.xml session "harmless match: subsystem" 3 \
    "-s device netconf" --sshd-config="$T/good"
check "harmless Match blocks: NETCONF works" \
    grep -q 'message-id="101"><data>' "$T/out"

stop_listener nms
done_testing
