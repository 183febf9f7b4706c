#!/bin/bash
# A NETCONF client that cannot take a descriptor: python3-ncclient (over
# paramiko) runs <get> through ssh-callhome, as paramiko's ProxyCommand
# (relay), through an ssh_config ProxyCommand with the known_hosts file
# ssh-callhome wrote, and on a pre-connected socket received from
# ssh-callhome --fdpass.  Host keys are checked in each case.
. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

"$PYTHON" -c 'import ncclient, paramiko' 2>/dev/null ||
	skip_all "python3-ncclient is not installed (apt-get install python3-ncclient)"
need_test_user
setup_sshd "$(unprivileged_user)"
[ -x "$NMS" ] || skip_all "ssh-callhome not built"

cat >"$T/nc.py" <<'PY'
"""ncclient against a calling device: mode proxy, config or fdpass."""
import array
import base64
import hashlib
import os
import socket
import subprocess
import sys

import paramiko
from ncclient import manager

mode, nms, host, user, key, kh = sys.argv[1:7]


def kh_check(hostname, fingerprint):
    """Strict check, done here: the key ssh-callhome recorded for host."""
    try:
        with open(kh) as f:
            lines = [l.split() for l in f if l.strip()]
    except OSError:
        return False
    for f in lines:
        if len(f) >= 3 and f[0] == host:
            md5 = hashlib.md5(base64.b64decode(f[2])).hexdigest()
            want = ":".join(md5[i:i + 2] for i in range(0, 32, 2))
            if want == fingerprint:
                return True
    print("host key %s not in %s" % (fingerprint, kh))
    return False


# password="": ncclient 0.6.17 (Debian 13) unlocks key files with
# password.encode(), which fails on the default None.
args = dict(host=host, username=user, key_filename=key, password="",
            allow_agent=False, look_for_keys=False, hostkey_verify=True,
            timeout=30, unknown_host_cb=kh_check)
child = None
if mode == "proxy":
    args["sock"] = paramiko.ProxyCommand(nms)
elif mode == "config":
    cfg = os.path.join(os.path.dirname(kh), "nc_ssh_config")
    # As ssh-callhome(1) shows it: a pattern, and paramiko expands %h.
    with open(cfg, "w") as f:
        f.write("Host nc-*\n  ProxyCommand %s\n  UserKnownHostsFile %s\n"
                % (nms.replace("--device-id=" + host, "--device-id=%h"), kh))
    args["ssh_config"] = cfg
    # Only what the file held before the call counts.
    args["unknown_host_cb"] = lambda h, fp: False
elif mode == "fdpass":
    # The pre-connected socket a library like libnetconf2 can be given.
    mine, theirs = socket.socketpair()
    child = subprocess.Popen(nms, shell=True, stdout=theirs)
    theirs.close()
    msg, fds, flags, addr = socket.recv_fds(mine, 1, 1)
    mine.close()
    if not fds:
        print("no descriptor from ssh-callhome")
        sys.exit(2)
    args["sock"] = socket.socket(fileno=fds[0])

try:
    with manager.connect(**args) as m:
        reply = m.get()
        print("GET", "netconf-stub" in reply.data_xml)
except Exception as e:
    print("ERROR", type(e).__name__, e)
    sys.exit(3)
finally:
    if child is not None:
        child.wait(timeout=10)
PY

# nc tag mode device-id nms-options...: ncclient and our device; NCRC.
nc() {
	local tag=$1 mode=$2 id=$3 port
	shift 3
	port=$(free_port)
	bg "$PYTHON" "$T/nc.py" "$mode" \
	    "$NMS --listen=127.0.0.1:$port --device-id=$id --timeout=30 $*" \
	    "$id" "$DEVUSER" "$T/user_key" "$T/kh" >"$T/$tag.out" \
	    2>"$T/$tag.err"
	local py=$BGPID
	wait_until 15 listening "$port" || diag "$tag: not listening"
	device_start "$tag" "$id" "127.0.0.1:$port" --secret-file="$T/secret"
	wait_pid 60 "$py"
	NCRC=$?
	wait_pid 20 "$DEVPID" >/dev/null
}

: >"$T/kh"
nc proxy proxy nc-1 --secret-file="$NMS_SECRET" --known-hosts="$T/kh"
if [ "$NCRC" -eq 0 ] && grep -qx 'GET True' "$T/proxy.out"; then
	ok "ncclient <get> through the relay as paramiko's ProxyCommand, host key checked against the recorded one"
else
	not_ok "ncclient through the relay (status $NCRC)"
	show proxy
fi

nc config config nc-1 --secret-file="$NMS_SECRET" --known-hosts="$T/kh"
if [ "$NCRC" -eq 0 ] && grep -qx 'GET True' "$T/config.out"; then
	ok "ncclient <get> with ProxyCommand and UserKnownHostsFile from an ssh_config"
else
	not_ok "ncclient with an ssh_config (status $NCRC)"
	show config
fi

nc fdpass fdpass nc-2 --fdpass --secret-file="$NMS_SECRET" --known-hosts="$T/kh"
if [ "$NCRC" -eq 0 ] && grep -qx 'GET True' "$T/fdpass.out"; then
	ok "ncclient <get> on a pre-connected socket from ssh-callhome --fdpass"
else
	not_ok "ncclient on a pre-connected socket (status $NCRC)"
	show fdpass
fi

ssh-keygen -q -t ed25519 -N '' -f "$T/other_key"
ssh-keygen -q -t rsa -b 2048 -N '' -f "$T/other_rsa"
printf 'nc-3 %s\nnc-3 %s\n' "$(pubkey "$T/other_key.pub")" \
    "$(pubkey "$T/other_rsa.pub")" >"$T/kh"
nc wrong config nc-3 --secret-file="$NMS_SECRET"
if [ "$NCRC" -ne 0 ] && grep -q 'ERROR SSHUnknownHostError' "$T/wrong.out"; then
	ok "ncclient refuses a device whose key is not the recorded one"
else
	not_ok "ncclient and a wrong key (status $NCRC)"
	show wrong
fi

done_testing
