#!/bin/bash
# check-package.sh [DEBDIR]: the Debian packages, installed with apt on a
# booted Debian 12 with systemd as PID 1 (systemd-nspawn --boot), used
# only through the packaged files plus the configuration a user writes:
# install, a broker with two devices, NETCONF by name, restarts under
# load, stop, crash, a usage error, an upgrade, a purge; every unit
# verified and its sandbox measured.  TAP.
#
# The .debs come from DEBDIR, or are built here from a clean clone of the
# source tree (dpkg-buildpackage -us -uc -b) and checked with lintian.
# Needs root, systemd-nspawn, nsenter and debootstrap (tests/package/mkroot
# caches the root).  The container has no network: the root holds the
# packages' dependencies already.  "make check-package" runs it.

. "${top_srcdir:?run through make check-package}/tests/scenarios/lib.sh"

DEBDIR=${1:-}
SUITE=bookworm
# The root: systemd as init, OpenSSH both sides, what the tests use (ps,
# ss), the packages' library dependencies, man for systemd-analyze verify
# (it checks Documentation=).
ROOT_PKGS="systemd-sysv dbus openssh-server openssh-client procps iproute2
	libbsd0 libssl3 man-db"

is_root || skip_all "needs root (systemd-nspawn, nsenter)"
for tool in systemd-nspawn nsenter debootstrap tar; do
	command -v "$tool" >/dev/null ||
	    skip_all "$tool is not installed (apt-get install systemd-container debootstrap)"
done
[ -x "$NETCONF_STUB" ] || skip_all "no $NETCONF_STUB: make it first"

T=$(mktemp -d "${TMPDIR:-/tmp}/callhome-package.XXXXXX") || exit 1
ROOT=$T/root
NSPAWN_PID=
CPID=

# stop_container: by its PID; before done_testing, which checks that
# nothing is left, and on any exit, before lib.sh's cleanup removes $T
# and the root in it.
stop_container() {
	if [ -n "$NSPAWN_PID" ] && kill -0 "$NSPAWN_PID" 2>/dev/null; then
		# A clean poweroff of the container, then nspawn exits.
		[ -n "$CPID" ] && timeout 10 nsenter -t "$CPID" -a \
		    systemctl poweroff --no-block >/dev/null 2>&1
		wait_until 30 eval '! kill -0 "$NSPAWN_PID" 2>/dev/null'
		kill -KILL "$NSPAWN_PID" 2>/dev/null
		wait "$NSPAWN_PID" 2>/dev/null
		# Its init dies with it (nspawn gives it a parent-death signal).
		[ -n "$CPID" ] && wait_until 10 eval '! kill -0 "$CPID" 2>/dev/null'
	fi
	NSPAWN_PID=
	rm -rf "$ROOT"
}
trap 'stop_container; cleanup' EXIT

# ns command...: run in the container, with a clean environment.
ns() {
	nsenter -t "$CPID" -a env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	    HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}
# nsh 'shell code': the same, through sh -c; bounded by $NS_TIMEOUT.
NS_TIMEOUT=60
nsh() {
	timeout --foreground -k 5 "$NS_TIMEOUT" nsenter -t "$CPID" -a env -i \
	    PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
	    DEBIAN_FRONTEND=noninteractive sh -c "$1"
}
# check, returning its verdict: "check ... || diag ...".
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; return 1; fi
}
prop() { nsh "systemctl show -p $2 --value $1"; }
elapsed() { echo "$(($(date +%s) - $1)) s"; }
t_all=$(date +%s)

# --- the packages --------------------------------------------------------

t0=$(date +%s)
if [ -z "$DEBDIR" ]; then
	DEBDIR=$T/build
	if ! git -C "$top_srcdir" rev-parse --git-dir >/dev/null 2>&1; then
		skip_all "not a git checkout: give a directory of .debs"
	fi
	git clone -q "$top_srcdir" "$DEBDIR/src" &&
	    (cd "$DEBDIR/src" && timeout 900 dpkg-buildpackage -us -uc -b) \
	    >"$T/build.log" 2>&1
	rm -rf "$DEBDIR/src"
	check "dpkg-buildpackage -us -uc -b from a clean clone ($(elapsed "$t0"))" \
	    test -f "$DEBDIR"/ssh-callhome_*.deb -a -f "$DEBDIR"/sshd-callhome_*.deb ||
	    { diag "$(tail -n 20 "$T/build.log")"; stop_container; done_testing; exit 1; }
	if command -v lintian >/dev/null; then
		timeout 600 lintian --fail-on error,warning "$DEBDIR"/*.changes \
		    >"$T/lintian.out" 2>&1
		check "lintian: no error and no warning" test $? -eq 0
		diag "lintian: $(grep -v 'running with root' "$T/lintian.out" || echo 'no tags')"
	else
		skip "lintian is not installed"
	fi
fi
version=$(dpkg-deb -f "$DEBDIR"/ssh-callhome_*.deb Version)
check "package version $version is configure.ac's" \
    grep -q "^AC_INIT(\[sshd-callhome\], \[$version\]" "$top_srcdir/configure.ac"

# --- boot ----------------------------------------------------------------

t0=$(date +%s)
# The first debootstrap takes minutes; later runs reuse the tarball.
tarball=$(timeout 1800 "$top_srcdir/tests/package/mkroot" $SUITE $ROOT_PKGS 2>"$T/mkroot.err")
rc=$?
[ "$rc" -eq 69 ] && skip_all "mkroot: $(cat "$T/mkroot.err")"
[ "$rc" -eq 0 ] || { not_ok "mkroot $SUITE"; diag "$(cat "$T/mkroot.err")"; stop_container; done_testing; exit 1; }
mkdir "$ROOT" && timeout 600 tar -C "$ROOT" -xf "$tarball"
mkdir -p "$ROOT/root/debs" "$ROOT/usr/local/libexec"
cp "$DEBDIR"/ssh-callhome_*.deb "$DEBDIR"/sshd-callhome_*.deb "$ROOT/root/debs/"
# The device's NETCONF server, as a user would bring one: the test stub.
cp "$NETCONF_STUB" "$ROOT/usr/local/libexec/netconf-stub"
echo callhome-pkg >"$ROOT/etc/hostname"

systemd-nspawn --boot --register=no --keep-unit --private-network \
    -D "$ROOT" >"$T/nspawn.log" 2>&1 </dev/null &
NSPAWN_PID=$!
# PID 1 of the container: the child of nspawn that runs systemd.
container_pid() {
	local c
	for c in $(cat /proc/"$NSPAWN_PID"/task/*/children 2>/dev/null); do
		[ "$(cat /proc/"$c"/comm 2>/dev/null)" = systemd ] &&
		    CPID=$c && return 0
	done
	return 1
}
wait_until 30 container_pid
# systemctl is-system-running --wait fails until the bus is up: poll.
booted() {
	running=$(nsenter -t "$CPID" -a systemctl is-system-running 2>&1)
	case $running in running|degraded) return 0 ;; esac
	return 1
}
running=
[ -n "$CPID" ] && wait_until 90 booted
check "the root boots with systemd as PID 1 ($running, $(elapsed "$t0"))" \
    test "$running" = running -o "$running" = degraded ||
    { diag "$(tail -n 20 "$T/nspawn.log")"; stop_container; done_testing; exit 1; }
[ "$running" = degraded ] && diag "$(nsh 'systemctl --failed --no-legend')"

# --- install -------------------------------------------------------------

t0=$(date +%s)
NS_TIMEOUT=180
nsh 'cd /root/debs && apt-get install -y ./ssh-callhome_*.deb ./sshd-callhome_*.deb' \
    >"$T/install.log" 2>&1
check "apt-get install ./ssh-callhome_*.deb ./sshd-callhome_*.deb ($(elapsed "$t0"))" \
    test $? -eq 0 || diag "$(tail -n 20 "$T/install.log")"
NS_TIMEOUT=60

check "installed: ssh-callhomed.socket is neither enabled nor active" \
    test "$(nsh 'systemctl is-enabled ssh-callhomed.socket; systemctl is-active ssh-callhomed.socket ssh-callhomed.service')" \
    = "$(printf 'disabled\ninactive\ninactive')"
check "installed: no sshd-callhome instance exists" \
    test -z "$(nsh "systemctl list-units --all --no-legend 'sshd-callhome@*'")"
check "installed: nothing listens on port 4334" \
    test -z "$(nsh "ss -Hltn 'sport = :4334'")"

# Unconfigured (no secret), a start fails with 78 and is not retried.
nsh 'systemctl start ssh-callhomed.service' >/dev/null 2>&1
sleep 4
st=$(prop ssh-callhomed.service ExecMainStatus)
restarts=$(prop ssh-callhomed.service NRestarts)
check "unconfigured: ssh-callhomed exits 78, no restart (status $st, restarts $restarts)" \
    test "$st" = 78 -a "$restarts" = 0
check "unconfigured: the journal names the missing secret file" \
    nsh "journalctl -b -u ssh-callhomed.service | grep -q /etc/ssh-callhome/secret"
nsh 'systemctl stop ssh-callhomed.socket; systemctl reset-failed ssh-callhomed.service' \
    >/dev/null 2>&1

# --- configure: the NMS --------------------------------------------------

secret() { od -An -tx1 -N20 /dev/urandom | tr -d ' \n'; }
(umask 077
	secret >"$ROOT/etc/ssh-callhome/secret"
	secret >"$ROOT/etc/ssh/callhome-nms-b.secret"
	# Device a uses the fleet secret through --secret-file.
	cp "$ROOT/etc/ssh-callhome/secret" "$ROOT/etc/ssh/callhome.secret"
	# Device b has its own, named in the registry.
	cp "$ROOT/etc/ssh/callhome-nms-b.secret" "$ROOT/etc/ssh-callhome/rtr-b.secret")
printf '%s\n' rtr-a 'rtr-b secret-file=/etc/ssh-callhome/rtr-b.secret' \
    >>"$ROOT/etc/ssh-callhome/devices"
nsh 'systemctl enable --now ssh-callhomed.socket' >/dev/null 2>&1
check "systemctl enable --now ssh-callhomed.socket" \
    test "$(nsh 'systemctl is-active ssh-callhomed.socket')" = active

# The operator: root on the NMS, with the README's ssh_config.
nsh 'mkdir -p -m 700 /root/.ssh && ssh-keygen -q -t ed25519 -N "" -f /root/.ssh/id_ed25519' \
    >/dev/null
cat >"$ROOT/root/.ssh/config" <<'EOF'
Host rtr-*
	User netconf
	ProxyCommand ssh-callhome --broker --device-id=%n --fdpass
	ProxyUseFdpass yes
	UserKnownHostsFile /var/lib/ssh-callhome/known_hosts
	StrictHostKeyChecking yes
EOF

# --- configure: the devices ----------------------------------------------

nsh 'useradd -m -s /bin/sh netconf && install -d -m 700 -o netconf -g netconf ~netconf/.ssh &&
	install -m 600 -o netconf -g netconf /root/.ssh/id_ed25519.pub ~netconf/.ssh/authorized_keys'
ex=$ROOT/usr/share/doc/sshd-callhome/examples
sed 's|^Subsystem netconf .*|Subsystem netconf /usr/local/libexec/netconf-stub|' \
    "$ex/sshd_config.callhome" >"$ROOT/etc/ssh/sshd_config.callhome"
devopts() {
	printf 'SSHD_CALLHOME_OPTS="--device-id=%s \\\n\t--sshd-config=/etc/ssh/sshd_config.callhome \\\n\t--wait-for-client=0 --backoff-max=2 %s 127.0.0.1"\n' "$1" "$2"
}
devopts rtr-a --secret-file=/etc/ssh/callhome.secret \
    >"$ROOT/etc/default/sshd-callhome-nms-a"
devopts rtr-b "" >"$ROOT/etc/default/sshd-callhome-nms-b"
mkdir -p "$ROOT/etc/systemd/system/sshd-callhome@nms-b.service.d"
# Device b also takes the sandbox of the optional hardening.conf: its
# NETCONF sessions below prove that the drop-in leaves them working.
cp "$ex/systemd/secret.conf" "$ex/systemd/hardening.conf" \
    "$ROOT/etc/systemd/system/sshd-callhome@nms-b.service.d/"
nsh 'systemctl daemon-reload && systemctl enable --now sshd-callhome@nms-a sshd-callhome@nms-b' \
    >"$T/enable.log" 2>&1
check "systemctl enable --now sshd-callhome@nms-a sshd-callhome@nms-b" \
    test "$(nsh 'systemctl is-active sshd-callhome@nms-a sshd-callhome@nms-b' | sort -u)" = active ||
    diag "$(cat "$T/enable.log")"

list() { nsh 'ssh-callhome --broker --list --format=raw' 2>/dev/null; }
parked() {
	local l
	l=$(list)
	for id in "$@"; do
		echo "$l" | grep -q "^device $id parked" || return 1
	done
}
wait_until 30 parked rtr-a rtr-b
check "both devices are parked in ssh-callhome --broker --list" parked rtr-a rtr-b ||
    diag "$(list)" "$(nsh 'journalctl -b --no-pager -n 30')"
diag "$(nsh 'ssh-callhome --broker --list')"

# --- NETCONF by device id, with stock ssh --------------------------------

HELLO='<?xml version="1.0" encoding="UTF-8"?><hello xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><capabilities><capability>urn:ietf:params:netconf:base:1.0</capability></capabilities></hello>]]>]]>'
GET='<rpc message-id="101" xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><get/></rpc>]]>]]>'
CLOSE='<rpc message-id="102" xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><close-session/></rpc>]]>]]>'
netconf() {
	printf '%s%s%s' "$HELLO" "$GET" "$CLOSE" >"$ROOT/root/rpc.xml"
	nsh "ssh -s $1 netconf </root/rpc.xml" >"$T/$1.out" 2>"$T/$1.err"
	grep -q '<hello' "$T/$1.out" && netconf_ok "$1"
}
for id in rtr-a rtr-b; do
	check "NETCONF to $id by name: <hello> and a <get>" netconf $id ||
	    show $id
done

for u in sshd-callhome@nms-a sshd-callhome@nms-b ssh-callhomed.service; do
	wait_until 10 test -n "$(prop $u StatusText)"
	s=$(nsh "systemctl status --no-pager $u" | grep -m1 'Status:')
	check "systemctl status $u shows its STATUS= text" test -n "$s"
	diag "$u: ${s#"${s%%[! ]*}"}"
done

# --- restart of the broker while devices call ----------------------------

# Devices that call again and again (SIGUSR1 ends the parked call, the
# device re-dials), and a prober connecting to the port all along: with
# the socket held by systemd, no connection is refused.
cat >"$ROOT/root/prober" <<'EOF'
#!/bin/bash
# Connect to the call-home port until /root/stop exists; print the count
# of refused and accepted connections.
refused=0 ok=0
for i in $(seq 600); do
	[ -e /root/stop ] && break
	if exec 3<>/dev/tcp/127.0.0.1/4334; then
		ok=$((ok + 1)); exec 3>&-
	else
		refused=$((refused + 1))
	fi
	systemctl kill -s USR1 sshd-callhome@nms-a sshd-callhome@nms-b
	sleep 0.05
done
echo "$refused $ok"
EOF
chmod +x "$ROOT/root/prober"
prober_start() {
	rm -f "$ROOT/root/stop" "$T/prober.out"
	NS_TIMEOUT=120 bg nsh '/root/prober 2>/dev/null' >"$T/prober.out"
	prober=$BGPID
}
# prober_stop: refused and accepted, its counts.
prober_stop() {
	touch "$ROOT/root/stop"
	wait_pid 60 "$prober"
	refused=x accepted=0
	read -r refused accepted <"$T/prober.out"
}
prober_start
pid0=$(prop ssh-callhomed.service MainPID)
for i in 1 2 3; do
	sleep 1
	nsh 'systemctl restart ssh-callhomed.service'
done
sleep 1
prober_stop
pid1=$(prop ssh-callhomed.service MainPID)
check "3 restarts of ssh-callhomed.service under calls: none refused ($refused refused, $accepted accepted)" \
    test "$refused" = 0 -a "$accepted" -gt 0 -a "$pid0" != "$pid1"
wait_until 30 parked rtr-a rtr-b
check "both devices are parked again" parked rtr-a rtr-b || diag "$(list)"

# --- stop during a session -----------------------------------------------

printf '%s' "$HELLO" >"$ROOT/root/hello.xml"
# A session held open: the hello, then silence until the device ends it.
NS_TIMEOUT=60 bg nsh '(cat /root/hello.xml; sleep 50) | ssh -s rtr-a netconf' \
    >"$T/held.out" 2>&1
held=$BGPID
cg=$(prop sshd-callhome@nms-a ControlGroup)
# The unit's processes: the cgroup v2 tree, or on a cgroup v1 host the
# hybrid or named systemd hierarchy that nspawn gives the container.
procs() {
	nsh "for d in /sys/fs/cgroup /sys/fs/cgroup/unified /sys/fs/cgroup/systemd; do
		[ -f \"\$d$cg/cgroup.procs\" ] && exec cat \"\$d$cg/cgroup.procs\"
	done" | wc -l
}
in_session() { grep -q '<hello' "$T/held.out"; }
wait_until 20 in_session
n=$(procs)
check "a NETCONF session to rtr-a is open ($n processes in the unit's cgroup)" \
    test "$n" -gt 2 && in_session || { diag "$(cat "$T/held.out")"; diag "$(nsh "cat /proc/$(prop sshd-callhome@nms-a MainPID)/cgroup; ls /sys/fs/cgroup$cg")"; }
t0=$(date +%s%N)
nsh 'systemctl stop sshd-callhome@nms-a'
ms=$((($(date +%s%N) - t0) / 1000000))
timeout_s=$(prop sshd-callhome@nms-a TimeoutStopUSec)
check "systemctl stop sshd-callhome@nms-a returns within the stop timeout ($ms ms, $timeout_s)" \
    test "$ms" -lt 20000
check "no process is left in its cgroup" test "$(procs)" -eq 0
wait_pid 2 "$held"	# its sleep outlives the session
nsh 'systemctl start sshd-callhome@nms-a'

# --- crash, usage error --------------------------------------------------

restarted() { # unit old-pid
	local p
	p=$(prop "$1" MainPID)
	[ "$p" != 0 ] && [ "$p" != "$2" ] && [ "$(nsh "systemctl is-active $1")" = active ]
}
for u in sshd-callhome@nms-b ssh-callhomed.service; do
	p=$(prop $u MainPID)
	n0=$(prop $u NRestarts)
	nsh "kill -KILL $p"
	wait_until 30 restarted $u "$p"
	check "kill -9 of $u's main PID: restarted (NRestarts $n0 -> $(prop $u NRestarts))" \
	    restarted $u "$p"
done

echo 'SSHD_CALLHOME_OPTS="--device-id=rtr-c --no-such-option 127.0.0.1"' \
    >"$ROOT/etc/default/sshd-callhome-bad"
nsh 'systemctl start sshd-callhome@bad' >/dev/null 2>&1
sleep 8	# more than RestartSec=5
st=$(prop sshd-callhome@bad ExecMainStatus)
n=$(prop sshd-callhome@bad NRestarts)
check "a usage error in an options file: exit $st, $n restarts, $(nsh 'systemctl is-active sshd-callhome@bad')" \
    test "$st" = 64 -a "$n" = 0
nsh 'systemctl reset-failed sshd-callhome@bad' >/dev/null 2>&1
rm -f "$ROOT/etc/default/sshd-callhome-bad"

# --- upgrade -------------------------------------------------------------

wait_until 30 parked rtr-a rtr-b
d0=$(prop ssh-callhomed.service MainPID)
a0=$(prop sshd-callhome@nms-a MainPID)
s0=$(prop ssh-callhomed.socket ActiveEnterTimestampMonotonic)
t0=$(date +%s)
prober_start
NS_TIMEOUT=180
nsh 'cd /root/debs && apt-get install --reinstall -y ./ssh-callhome_*.deb ./sshd-callhome_*.deb' \
    >"$T/upgrade.log" 2>&1
check "apt-get install --reinstall of both ($(elapsed "$t0"))" test $? -eq 0 ||
    diag "$(tail -n 20 "$T/upgrade.log")"
NS_TIMEOUT=60
sleep 1
prober_stop
check "no call refused during the upgrade ($refused refused, $accepted accepted)" \
    test "$refused" = 0 -a "$accepted" -gt 0
check "the edited conffile /etc/ssh-callhome/devices is kept" \
    grep -qx rtr-a "$ROOT/etc/ssh-callhome/devices"
check "ssh-callhomed.service restarted, its socket not" \
    test "$(prop ssh-callhomed.service MainPID)" != "$d0" -a \
    "$(prop ssh-callhomed.socket ActiveEnterTimestampMonotonic)" = "$s0" -a \
    "$(nsh 'systemctl is-active ssh-callhomed.socket')" = active
check "sshd-callhome@nms-a restarted" test "$(prop sshd-callhome@nms-a MainPID)" != "$a0"
wait_until 30 parked rtr-a rtr-b
check "after the upgrade, both devices are parked again" parked rtr-a rtr-b ||
    diag "$(list)" "$(nsh 'systemctl status --no-pager ssh-callhomed.socket ssh-callhomed.service; journalctl -b --no-pager -n 60 -u ssh-callhomed.socket -u ssh-callhomed.service')"
check "after the upgrade, NETCONF to rtr-b" netconf rtr-b || show rtr-b

# --- units: verify and security ------------------------------------------

units="ssh-callhomed.socket ssh-callhomed.service sshd-callhome@nms-a.service sshd-callhome@nms-b.service"
for u in $units; do
	out=$(nsh "systemd-analyze verify $u" 2>&1)
	check "systemd-analyze verify $u: clean" test $? -eq 0 -a -z "$out" ||
	    diag "$out"
done
# The device's score is sshd's: the unit runs sshd -i as root for every
# session, and whatever it restricts restricts the sessions too (an
# admin's shell, the netconf server), so it ships plain; nms-b has the
# optional hardening.conf.
for u in ssh-callhomed.service sshd-callhome@nms-a.service \
    sshd-callhome@nms-b.service; do
	nsh "systemd-analyze security --no-pager $u" >"$T/security.$u" 2>&1
	diag "systemd-analyze security $u: $(grep 'Overall exposure' "$T/security.$u")"
done
diag "ssh-callhomed.service, what is left open:" \
    "$(grep '✗' "$T/security.ssh-callhomed.service" | awk '{ $NF = ""; print }' | cut -c1-100)"
score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' \
    "$T/security.ssh-callhomed.service")
# Root, for root-owned secrets; the rest is as tight as its job allows.
check "ssh-callhomed.service exposure $score is below 2.5" \
    awk -v s="${score:-10}" 'BEGIN { exit !(s < 2.5) }'

# --- purge ---------------------------------------------------------------

t0=$(date +%s)
NS_TIMEOUT=180
nsh 'apt-get purge -y ssh-callhome sshd-callhome' >"$T/purge.log" 2>&1
check "apt-get purge of both ($(elapsed "$t0"))" test $? -eq 0 ||
    diag "$(tail -n 20 "$T/purge.log")"
NS_TIMEOUT=60
nsh 'systemctl daemon-reload'
check "purged: no unit left" test -z "$(nsh "systemctl list-units --all --no-legend 'ssh-callhomed*' 'sshd-callhome@*'; systemctl list-unit-files --no-legend 'ssh-callhomed*' 'sshd-callhome*'")"
check "purged: no process left" \
    test -z "$(nsh 'ps -eo comm=' | grep -E '^(ssh-callhomed|sshd-callhome)$')"
left=
for f in /var/lib/ssh-callhome /var/lib/sshd-callhome /run/ssh-callhome \
    /etc/default/ssh-callhomed /etc/ssh-callhome/devices \
    /etc/systemd/system/multi-user.target.wants/sshd-callhome@nms-a.service \
    /etc/systemd/system/sockets.target.wants/ssh-callhomed.socket; do
	[ -e "$ROOT$f" ] || [ -L "$ROOT$f" ] && left="$left $f"
done
check "purged: no state, conffile or enable link left" test -z "$left" ||
    diag "left:$left"

t0=$(date +%s)
stop_container
diag "container stopped in $(elapsed "$t0")"
diag "check-package: $(elapsed "$t_all") in all"
done_testing
