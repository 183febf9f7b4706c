#!/bin/bash
# ssh-callhomed's pending table under --max-startups: silent callers are
# never evicted to make room, a new caller is dropped while the table is
# full, the silent ones are refused at --preamble-timeout and recorded
# (once each, as "timeout"), and a device then gets through.  Also its
# systemd notifications (READY=1, STATUS=).
. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

need_test_user
setup_sshd "$(unprivileged_user)"
[ -x "$NMSD" ] || skip_all "ssh-callhomed not built"

port=$(free_port)
CTL=$T/control

# A notify socket that writes each datagram as a line.
bg "$PYTHON" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(60)
with open(sys.argv[2], "a", buffering=1) as f:
    while True:
        try:
            f.write(s.recv(4096).decode() + "\n")
        except socket.timeout:
            break
' "$T/notify" "$T/notify.log"
wait_for 10 -S "$T/notify" || diag "no notify socket"

NOTIFY_SOCKET=$T/notify bg "$NMSD" --listen=127.0.0.1:"$port" \
    --control="$CTL" --max-startups=2 --preamble-timeout=4 -vv 2>"$T/d.log"
DPID=$BGPID
wait_until 10 listening "$port" && wait_for 10 -S "$CTL" ||
    diag "the daemon did not start: $(cat "$T/d.log")"
check "READY=1 sent to NOTIFY_SOCKET" wait_until 10 grep -qx READY=1 "$T/notify.log"

# Two silent callers fill the table.
bg "$PYTHON" -c '
import socket, sys, time
a = [socket.create_connection(("127.0.0.1", int(sys.argv[1]))) for _ in range(2)]
time.sleep(15)
' "$port"
wait_until 10 grep -q "call from 127.0.0.1:[0-9]*$" "$T/d.log"
sleep 0.5
device_start dropped dev-1 "127.0.0.1:$port"
if wait_until 10 grep -q "dropped: the pending table is full" "$T/d.log"; then
	ok "a new caller is dropped while the table is full"
else
	not_ok "new caller dropped when full"; diag "$(cat "$T/d.log")"
fi
wait_pid 20 "$DEVPID" >/dev/null
if wait_until 15 grep -q "refused: no complete preamble within 4 s" "$T/d.log" &&
    [ "$(grep -c "refused: no complete preamble" "$T/d.log")" -eq 1 ]; then
	ok "the silent callers were kept until their own timeout, and logged once"
else
	not_ok "silent callers expire"; diag "$(cat "$T/d.log")"
fi
sleep 0.5
if raw | grep -q "^unknown - 127\.0\.0\.1 timeout [0-9]* [0-9]* 2 - -$"; then
	ok "... and recorded as one unknown caller, count 2"
else
	not_ok "timeout record"; diag "$(raw)"
fi
device_start parked dev-1 "127.0.0.1:$port"
if wait_until 20 sh -c "'$NMS' --broker='$CTL' --list --format=raw | grep -q '^device dev-1 parked'"; then
	ok "then the device is parked"
else
	not_ok "device parked after the table emptied"; diag "$(raw)"
fi
check "STATUS= counts parked and unknown" \
    wait_until 10 grep -qx "STATUS=1 parked, 1 unknown" "$T/notify.log"
kill -TERM "$DPID"
wait_pid 10 "$DPID"
check "SIGTERM: exit 0" [ $? -eq 0 ]
check "STOPPING=1 sent" grep -qx STOPPING=1 "$T/notify.log"

# Socket activation: the listening socket comes as descriptor 3 with
# LISTEN_PID and LISTEN_FDS, as systemd passes it; no --listen.
port=$(free_port)
bg "$PYTHON" -c '
import os, socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(16)
os.dup2(s.fileno(), 3)
os.set_inheritable(3, True)
os.execvp("sh", ["sh", "-c", "LISTEN_PID=$$ LISTEN_FDS=1 exec \"$0\" \"$@\""]
    + sys.argv[2:])
' "$port" "$NMSD" --control="$CTL" -v 2>"$T/sa.log"
SAPID=$BGPID
wait_for 10 -S "$CTL" || diag "no control socket: $(cat "$T/sa.log")"
device_start activated dev-2 "127.0.0.1:$port"
if wait_until 20 sh -c "'$NMS' --broker='$CTL' --list --format=raw | grep -q '^device dev-2 parked'" &&
    grep -q "listening on 1 socket(s) from systemd" "$T/sa.log"; then
	ok "socket activation: a call on the inherited socket is parked"
else
	not_ok "socket activation"; diag "$(cat "$T/sa.log")"
fi
kill -TERM "$SAPID"
wait_pid 10 "$SAPID"
check "... and the daemon exits 0 on SIGTERM" [ $? -eq 0 ]
done_testing
