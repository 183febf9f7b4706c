#!/bin/bash
# contrib/ and the manual: the systemd units (the device's template and
# its drop-ins, ssh-callhomed's socket and service) pass systemd-analyze
# verify, the rc scripts and the example options files parse, the manual pages are clean under mandoc -Tlint, and
# sshd-callhome(8) documents exactly the options that --help lists.
#
# Runs no sshd and dials nothing.

. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

GEN=$top_builddir/contrib/gen
MAN8=$top_srcdir/man/sshd-callhome.8
T=$(mktemp -d "${TMPDIR:-/tmp}/callhome-contrib.XXXXXX") || exit 1

# out_empty "description" command...: ok when the command succeeds and
# prints nothing (systemd-analyze and mandoc report problems but may still
# exit 0); the output is shown otherwise.
out_empty() {
	local what=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ] && [ -z "$out" ]; then
		ok "$what"
	else
		not_ok "$what"
		diag "exit status $rc"
		[ -n "$out" ] && diag "$out"
	fi
}

# --- the generated files -------------------------------------------------

for f in systemd/sshd-callhome@.service systemd/secret.conf \
    openrc/sshd-callhome sysv/sshd-callhome systemd/ssh-callhomed.service \
    openrc/ssh-callhomed sysv/ssh-callhomed; do
	if [ -f "$GEN/$f" ] && ! grep -q '@SBINDIR@' "$GEN/$f"; then
		ok "contrib/gen/$f is generated, @SBINDIR@ replaced"
	else
		not_ok "contrib/gen/$f is generated, @SBINDIR@ replaced"
	fi
done

# --- the systemd unit ----------------------------------------------------

UNIT=$GEN/systemd/sshd-callhome@.service
for line in 'Type=notify' \
    'EnvironmentFile=-/etc/default/sshd-callhome-%i' \
    'Restart=on-failure' 'RestartSec=5' 'RestartPreventExitStatus=64 78' \
    'StartLimitIntervalSec=0' 'RuntimeDirectory=sshd' \
    'RuntimeDirectoryPreserve=yes' 'KillMode=mixed'; do
	check "unit has $line" grep -qx "$line" "$UNIT"
done
check "unit runs sshd-callhome with \$SSHD_CALLHOME_OPTS" \
    grep -q '^ExecStart=/.*/sshd-callhome .*\$SSHD_CALLHOME_OPTS$' "$UNIT"
check "secret.conf loads the credential" grep -qx \
    'LoadCredential=secret:/etc/ssh/callhome-%i.secret' \
    "$GEN/systemd/secret.conf"
check "secret.conf points --secret-file into the credentials directory" \
    grep -qx 'Environment=SSHD_CALLHOME_SECRET=--secret-file=%d/secret' \
    "$GEN/systemd/secret.conf"

# The exit statuses that RestartPreventExitStatus= names are the ones the
# program gives for a usage and a configuration error.
"$CALLHOME" >/dev/null 2>&1
check "no options: exit 64, as RestartPreventExitStatus= expects" \
    test $? -eq 64
"$CALLHOME" --device-id=x --sshd=/nonexistent/sshd nms.invalid \
    >/dev/null 2>&1
check "sshd not executable: exit 78, as RestartPreventExitStatus= expects" \
    test $? -eq 78

if command -v systemd-analyze >/dev/null 2>&1; then
	# A copy whose ExecStart is the built binary, so that verify finds
	# it; --man=no because the manual page is not installed yet.
	mkdir -p "$T/plain" "$T/dropins/sshd-callhome@.service.d"
	sed "s|^ExecStart=[^ ]*/sshd-callhome |ExecStart=$CALLHOME |" \
	    "$UNIT" >"$T/plain/sshd-callhome@.service"
	cp "$T/plain/sshd-callhome@.service" "$T/dropins/"
	cp "$GEN/systemd/secret.conf" "$top_srcdir/contrib/systemd/hardening.conf" \
	    "$T/dropins/sshd-callhome@.service.d/"
	check "the unit's copy runs the built binary" \
	    grep -q "^ExecStart=$CALLHOME " "$T/plain/sshd-callhome@.service"
	out_empty "systemd-analyze verify sshd-callhome@test.service" \
	    systemd-analyze verify --man=no \
	    "$T/plain/sshd-callhome@test.service"
	out_empty "systemd-analyze verify with secret.conf and hardening.conf" \
	    systemd-analyze verify --man=no \
	    "$T/dropins/sshd-callhome@test.service"
else
	skip "systemd-analyze verify: systemd-analyze is not installed" \
	    "(apt-get install systemd)"
	skip "systemd-analyze verify with drop-ins: no systemd-analyze"
fi

# --- ssh-callhomed's socket and service ----------------------------------

DUNIT=$GEN/systemd/ssh-callhomed.service
DSOCK=$top_srcdir/contrib/systemd/ssh-callhomed.socket
for line in 'Type=notify' 'EnvironmentFile=-/etc/default/ssh-callhomed' \
    'Restart=on-failure' 'RestartPreventExitStatus=64 78' \
    'RuntimeDirectory=ssh-callhome' 'StateDirectory=ssh-callhome' \
    'Requires=ssh-callhomed.socket' 'NoNewPrivileges=yes' \
    'ProtectSystem=strict' 'ProtectHome=yes' 'PrivateTmp=yes' \
    'PrivateDevices=yes' 'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6'; do
	check "ssh-callhomed.service has $line" grep -qx "$line" "$DUNIT"
done
check "ssh-callhomed.service runs ssh-callhomed with \$SSH_CALLHOMED_OPTS" \
    grep -q '^ExecStart=/.*/ssh-callhomed \$SSH_CALLHOMED_OPTS$' "$DUNIT"
check "ssh-callhomed.socket listens on port 4334" \
    grep -qx 'ListenStream=0\.0\.0\.0:4334' "$DSOCK"
# RuntimeDirectory= is where the daemon puts its control socket by
# default, StateDirectory= where the example options put known_hosts.
"$NMSD" --help >"$T/dhelp" 2>&1
check "RuntimeDirectory= holds ssh-callhomed's default control socket" \
    grep -q '(/run/ssh-callhome/control)' "$T/dhelp"
check "StateDirectory= holds the example's known hosts file" \
    grep -q -- '--known-hosts=/var/lib/ssh-callhome/' \
    "$top_srcdir/contrib/default/ssh-callhomed"

"$NMSD" --no-such-option >/dev/null 2>&1
check "ssh-callhomed: a usage error exits 64, as RestartPreventExitStatus= expects" \
    test $? -eq 64
# The example options, valid as options: the daemon stops at the missing
# registry (78), not at a usage error (64).
(
	. "$top_srcdir/contrib/default/ssh-callhomed"
	# shellcheck disable=SC2086 # split on purpose, as systemd does
	exec timeout 20 "$NMSD" --listen=127.0.0.1:"$(free_port)" \
	    --control="$T/control" $SSH_CALLHOMED_OPTS \
	    --devices="$T/no-such-registry"
) >/dev/null 2>"$T/dopts.err"
rc=$?
if [ "$rc" -eq 78 ]; then
	ok "the example SSH_CALLHOMED_OPTS are valid options; a missing registry exits 78"
else
	not_ok "the example SSH_CALLHOMED_OPTS are valid options"
	diag "exit status $rc: $(cat "$T/dopts.err")"
fi

if command -v systemd-analyze >/dev/null 2>&1; then
	mkdir -p "$T/broker"
	sed "s|^ExecStart=[^ ]*/ssh-callhomed |ExecStart=$NMSD |" \
	    "$DUNIT" >"$T/broker/ssh-callhomed.service"
	cp "$DSOCK" "$T/broker/"
	check "the broker unit's copy runs the built binary" \
	    grep -q "^ExecStart=$NMSD " "$T/broker/ssh-callhomed.service"
	out_empty "systemd-analyze verify ssh-callhomed.socket and .service" \
	    systemd-analyze verify --man=no "$T/broker/ssh-callhomed.socket" \
	    "$T/broker/ssh-callhomed.service"
else
	skip "systemd-analyze verify ssh-callhomed: systemd-analyze is not" \
	    "installed (apt-get install systemd)"
fi

# --- the rc scripts and the options file ---------------------------------

for f in contrib/openrc/sshd-callhome contrib/sysv/sshd-callhome \
    contrib/default/sshd-callhome contrib/openrc/ssh-callhomed \
    contrib/sysv/ssh-callhomed contrib/default/ssh-callhomed; do
	out_empty "sh -n $f" sh -n "$top_srcdir/$f"
done
for f in openrc/sshd-callhome sysv/sshd-callhome openrc/ssh-callhomed \
    sysv/ssh-callhomed; do
	out_empty "sh -n contrib/gen/$f" sh -n "$GEN/$f"
done
for p in sshd-callhome ssh-callhomed; do
	check "the SysV script $p has an LSB header" \
	    grep -qx '### BEGIN INIT INFO' "$top_srcdir/contrib/sysv/$p"
	check "the OpenRC script $p runs under supervise-daemon" \
	    grep -qx 'supervisor=supervise-daemon' \
	    "$top_srcdir/contrib/openrc/$p"
done

# The example options are all valid: the program gets past option parsing
# and stops at the (missing) sshd, 78, not at a usage error, 64.
(
	. "$top_srcdir/contrib/default/sshd-callhome"
	# shellcheck disable=SC2086 # split on purpose, as systemd does
	exec "$CALLHOME" --sshd=/nonexistent/sshd $SSHD_CALLHOME_OPTS
) >/dev/null 2>"$T/opts.err"
rc=$?
if [ "$rc" -eq 78 ]; then
	ok "the example SSHD_CALLHOME_OPTS are valid options"
else
	not_ok "the example SSHD_CALLHOME_OPTS are valid options"
	diag "exit status $rc: $(cat "$T/opts.err")"
fi

# The SysV scripts' status action, with the built binary: not running (3).
for p in sshd-callhome:"$CALLHOME" ssh-callhomed:"$NMSD"; do
	bin=${p#*:} p=${p%%:*}
	if [ -r /lib/lsb/init-functions ]; then
		sed "s|^DAEMON=.*|DAEMON=$bin|; s|^PIDFILE=.*|PIDFILE=$T/$p.pid|" \
		    "$GEN/sysv/$p" >"$T/$p-contribtest"
		sh "$T/$p-contribtest" status >/dev/null 2>&1
		check "SysV script $p: status says not running (3)" test $? -eq 3
		sh "$T/$p-contribtest" bogus >/dev/null 2>&1
		check "SysV script $p: an unknown action is a usage error (3)" \
		    test $? -eq 3
	else
		skip "SysV script $p status: no /lib/lsb/init-functions"
		skip "SysV script $p usage: no /lib/lsb/init-functions"
	fi
done

# --- the manual pages ----------------------------------------------------

if command -v mandoc >/dev/null 2>&1; then
	for f in "$top_srcdir"/man/*.8 "$top_srcdir"/man/*.1; do
		[ -f "$f" ] || continue
		out_empty "mandoc -Tlint -W warning man/${f##*/}" \
		    mandoc -Tlint -W warning "$f"
	done
else
	skip "mandoc -Tlint: mandoc is not installed (apt-get install mandoc)"
fi

# Every long option of --help is documented in the OPTIONS section, and
# every option documented there exists.
"$CALLHOME" --help >"$T/help"
grep -o -- '--[a-z][a-z-]*' "$T/help" | sort -u >"$T/help.long"
grep -o -- '^ *-[a-zA-Z],' "$T/help" | tr -d ' ,' | sort -u >"$T/help.short"
sed -n '/^\.Sh OPTIONS$/,/^\.Sh /p' "$MAN8" | grep '^\.It ' >"$T/man.items"
grep -o 'Fl -[a-z][a-z-]*' "$T/man.items" | sed 's/^Fl /-/' | sort -u \
    >"$T/man.long"
grep -o 'Fl [a-zA-Z] ,' "$T/man.items" | sed 's/^Fl \(.\) ,$/-\1/' |
    sort -u >"$T/man.short"
check "--help lists long options" test -s "$T/help.long"
check "the manual's OPTIONS section lists options" test -s "$T/man.long"
while read -r opt; do
	check "$opt is documented in sshd-callhome(8) OPTIONS" \
	    grep -qx -- "$opt" "$T/man.long"
done <"$T/help.long"
while read -r opt; do
	check "$opt of sshd-callhome(8) OPTIONS is in --help" \
	    grep -qx -- "$opt" "$T/help.long"
done <"$T/man.long"
check "the short options of --help and OPTIONS agree" \
    cmp -s "$T/help.short" "$T/man.short"

done_testing
