#!/bin/bash
# ssh-callhomed watches exactly its parked calls for a hang-up, however
# many there are, and nothing else: a parked call that hangs up leaves
# the list; a call once taken is the taker's, so its device hanging up
# changes nothing in the daemon, neither the state "taken" nor the
# device's next parked call; 300 idle parked calls, each with an SSH
# banner waiting unread, do not wake the daemon, and their list (about
# 90 KB: ids of 250 bytes) comes whole.  Devices are Python callers
# sending a preamble with an HMAC (no sshd); --max-startups lets the 300
# call in one burst.
. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

setup_sshd
[ -x "$NMSD" ] || skip_all "ssh-callhomed not built"

port=$(free_port)
CTL=$T/control
KEY=$(pubkey "$T/host_ed25519.pub")

bg "$NMSD" --listen=127.0.0.1:"$port" --secret-file="$NMS_SECRET" \
    --control="$CTL" --preamble-timeout=5 --max-startups=400 -v \
    2>"$T/d.log"
DPID=$BGPID
wait_until 10 listening "$port" && wait_for 10 -S "$CTL" ||
    diag "the daemon did not start: $(cat "$T/d.log")"

# The devices and the taker, step by step; one TAP-like line per check.
cat >"$T/hangup.py" <<-'PY'
	import hashlib, hmac, os, select, socket, sys, time
	port, ctlpath, secretfile, key, pid = sys.argv[1:6]
	with open(secretfile, "rb") as f:
	    secret = f.read().rstrip(b"\r\n")
	mac = hmac.new(secret, key.encode(), hashlib.sha1).hexdigest()

	def call(dev):
	    s = socket.create_connection(("127.0.0.1", int(port)), timeout=10)
	    s.sendall(("MSG-ID: DEVICE-CONN-INFO\r\nMSG-VER: V1\r\n"
	        "DEVICE-ID: %s\r\nHOST-KEY: %s\r\nHMAC: %s\r\n"
	        "SSH-2.0-OpenSSH_9.6 fake\r\n" % (dev, key, mac)).encode())
	    return s

	class Ctl:
	    def __init__(self):
	        self.s = socket.socket(socket.AF_UNIX)
	        self.s.settimeout(10)
	        self.s.connect(ctlpath)
	        self.buf = b""
	        self.line()
	    def line(self, fds=None):
	        while b"\n" not in self.buf:
	            d, got, _, _ = socket.recv_fds(self.s, 65536, 1)
	            if fds is not None:
	                fds.extend(got)
	            else:
	                for fd in got:
	                    os.close(fd)
	            if not d:
	                raise RuntimeError("control socket closed")
	            self.buf += d
	        ln, self.buf = self.buf.split(b"\n", 1)
	        return ln.decode()
	    def state(self, dev):
	        self.s.sendall(b"list\n")
	        st = None
	        while True:
	            f = self.line().split(" ")
	            if f[0] == "end":
	                return st
	            if f[0] == "device" and f[1] == dev:
	                st = f[2]
	    def take(self, dev):
	        fds = []
	        self.s.sendall(b"take %s 0\n" % dev.encode())
	        ln = self.line(fds)
	        return ln, fds

	def until(ctl, dev, want, secs=10):
	    end = time.monotonic() + secs
	    while time.monotonic() < end:
	        st = ctl.state(dev)
	        if st == want:
	            return st
	        time.sleep(0.05)
	    return st

	def closed_by_peer(s, secs):
	    r, _, _ = select.select([s], [], [], secs)
	    if not r:
	        return False
	    try:
	        return s.recv(1, socket.MSG_PEEK) == b""
	    except OSError:
	        return True

	def runs():
	    n = 0
	    for t in os.listdir("/proc/%s/task" % pid):
	        with open("/proc/%s/task/%s/schedstat" % (pid, t)) as f:
	            n += int(f.read().split()[2])
	    return n

	def check(cond, what):
	    print("%s - %s" % ("ok" if cond else "not ok", what), flush=True)

	ctl = Ctl()
	# A parked call that hangs up leaves the list.
	a = call("hu-a")
	check(until(ctl, "hu-a", "parked") == "parked", "hu-a is parked")
	a.close()
	st = until(ctl, "hu-a", "absent", 5)
	check(st == "absent", "hu-a hung up: absent (%s)" % st)

	# Taken, then its device calls again: the new call is parked.
	b1 = call("hu-b")
	until(ctl, "hu-b", "parked")
	ln, fds = ctl.take("hu-b")
	check(ln.startswith("ok ") and len(fds) == 1, "hu-b taken (%s)" % ln)
	b2 = call("hu-b")
	check(until(ctl, "hu-b", "parked") == "parked",
	    "hu-b calls again while taken: parked")
	# The taken call's device hangs up, while the taker holds its end.
	b1.close()
	time.sleep(0.3)
	st = ctl.state("hu-b")
	check(st == "parked" and not closed_by_peer(b2, 1.0),
	    "the taken call's device hung up: hu-b's new call is still parked"
	    " and open (%s)" % st)
	for fd in fds:
	    os.close(fd)
	ln, fds = ctl.take("hu-b")
	check(ln.startswith("ok ") and len(fds) == 1,
	    "hu-b's new call can be taken (%s)" % ln)
	b2.close()
	time.sleep(0.3)
	st = ctl.state("hu-b")
	check(st == "taken", "its device hung up too: hu-b stays taken (%s)"
	    % st)
	for fd in fds:
	    os.close(fd)

	# 300 idle parked calls, each with a banner unread: no wakeup.
	fid = ["hu-f%03d-" % i + "x" * 242 for i in range(300)]
	fleet = [call(dev) for dev in fid]
	n = 0
	end = time.monotonic() + 20
	while time.monotonic() < end:
	    ctl.s.sendall(b"list\n")
	    n = 0
	    while True:
	        f = ctl.line().split(" ")
	        if f[0] == "end":
	            break
	        if f[0] == "device" and f[1] in fid and f[2] == "parked":
	            n += 1
	    if n == 300:
	        break
	    time.sleep(0.1)
	check(n == 300, "300 calls parked, listed whole (%d)" % n)
	time.sleep(0.5)
	r0 = runs()
	time.sleep(3)
	r1 = runs()
	check(r1 - r0 <= 2, "idle with 300 parked calls: %d wakeups in 3 s"
	    % (r1 - r0))
	for s in fleet:
	    s.close()
	st = until(ctl, fid[-1], "absent", 5)
	check(st == "absent", "the 300 hung up: absent (%s)" % st)
	PY
"$PYTHON" "$T/hangup.py" "$port" "$CTL" "$NMS_SECRET" "$KEY" "$DPID" \
    >"$T/hangup.out" 2>&1
rc=$?
while IFS= read -r line; do
	case $line in
	"ok - "*) ok "${line#ok - }" ;;
	"not ok - "*) not_ok "${line#not ok - }" ;;
	*) diag "$line" ;;
	esac
done <"$T/hangup.out"
check "the script ran to its end ($rc)" [ $rc -eq 0 ]
grep -q 'hu-a hung up its parked call' "$T/d.log"
check "the daemon logged hu-a's hang-up" [ $? -eq 0 ]

kill -TERM "$DPID"
wait_pid 10 "$DPID"
rc=$?
check "SIGTERM: the daemon exits 0 ($rc)" [ $rc -eq 0 ]
done_testing
