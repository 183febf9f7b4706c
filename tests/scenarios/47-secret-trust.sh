#!/bin/bash
# 47: whose secret file is trusted.  Both programs, and sshd-callhome's
# --check, refuse with exit 78 a secret file that another user owns (it
# could read or replace it) or that is a symbolic link (the link could be
# turned to another file), and say why; the file itself, owned by root or
# by the reader, is still accepted, even through a linked directory.
. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

setup_sshd
[ -x "$NMS" ] || skip_all "ssh-callhome not built"
port=$(free_port)

# expect want what pattern command...: the exit status, and for a
# refusal the message.
expect() {
	local want=$1 what=$2 pattern=$3 rc
	shift 3
	timeout 20 "$@" >/dev/null 2>"$T/err" </dev/null
	rc=$?
	if [ "$rc" -eq "$want" ] && { [ -z "$pattern" ] ||
	    grep -qF -- "$pattern" "$T/err"; }; then
		ok "$what: exit $want${pattern:+ ($(head -n 1 "$T/err"))}"
	else
		not_ok "$what: exit $rc, want $want${pattern:+ and \"$pattern\"}"
		diag "$(cat "$T/err")"
	fi
}

# all3 want what pattern secret: the same verdict from sshd-callhome
# --check, sshd-callhome's start and ssh-callhome.  Accepted, they go on:
# --check exits 0, the device finds nobody at the port (69), ssh-callhome
# gets no call (75).
all3() {
	local want=$1 what=$2 pattern=$3 secret=$4
	expect "${want:-0}" "sshd-callhome --check, $what" "$pattern" \
	    "$CALLHOME" --device-id=rtr-1 --sshd-config="$T/sshd_config" \
	    --check --secret-file="$secret" "127.0.0.1:$port"
	expect "${want:-69}" "sshd-callhome, $what" "$pattern" \
	    "$CALLHOME" --device-id=rtr-1 --sshd-config="$T/sshd_config" \
	    --once --retry=1 --timeout=1 --backoff-max=1 \
	    --secret-file="$secret" "127.0.0.1:$port"
	expect "${want:-75}" "ssh-callhome, $what" "$pattern" \
	    "$NMS" --listen="127.0.0.1:$port" --timeout=1 \
	    --secret-file="$secret"
}

me=$(id -u)
all3 "" "the secret file itself (owner uid $me, 0600)" "" "$T/secret"

ln -s secret "$T/link"
all3 78 "a symbolic link to it" \
    "secret file $T/link: a symbolic link; name the file itself" "$T/link"

# The directories on the way are the administrator's: a linked one is
# followed.
mkdir -m 700 "$T/real"
cp "$T/secret" "$T/real/secret"
ln -s real "$T/dirlink"
all3 "" "the file itself, in a linked directory" "" "$T/dirlink/secret"

if is_root; then
	nobody=$(id -u nobody 2>/dev/null)
	cp "$T/secret" "$T/theirs"
	if [ -n "$nobody" ] && chown nobody "$T/theirs"; then
		all3 78 "a 0600 file owned by nobody" \
		    "secret file $T/theirs: owned by uid $nobody, not by root or by uid 0" \
		    "$T/theirs"
	else
		skip "no account \"nobody\" to own a secret file"
	fi
	need_test_user
	u=$(unprivileged_user)
	if [ -n "$u" ]; then
		# Root's file is good for any reader it lets in; a user's own
		# file is good for that user.
		cp "$T/secret" "$T/users"
		chown "$u" "$T/users"
		chmod 755 "$T"
		expect 75 "ssh-callhome as $u, its own secret file" "" \
		    runuser -u "$u" -- "$NMS" --listen="127.0.0.1:$port" \
		    --timeout=1 --secret-file="$T/users"
		cp "$T/secret" "$T/roots"
		chmod 604 "$T/roots"
		expect 78 "ssh-callhome as $u, root's file that others can read" \
		    "secret file $T/roots: permissions 0604 are too open" \
		    runuser -u "$u" -- "$NMS" --listen="127.0.0.1:$port" \
		    --timeout=1 --secret-file="$T/roots"
	else
		skip "no unprivileged account for the reader's own file"
		skip "no unprivileged account for root's file"
	fi
else
	skip "a file owned by another user needs root to make"
	skip "as another user: needs root"
	skip "as another user: needs root"
fi

done_testing
