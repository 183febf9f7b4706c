#!/bin/bash
# The relay when the device resets its connection while the client is not
# reading (ssh suspended with Ctrl-Z, say): ssh-callhome must sleep, not
# spin, and once the client reads again it must deliver what it holds and
# end by itself.
. "${top_srcdir:?run through make check}/tests/scenarios/lib.sh"

setup_sshd
[ -x "$NMS" ] || skip_all "ssh-callhome not built"

# cpu_ticks pid: the process's user + system time, in clock ticks.
cpu_ticks() {
	# Fields 14 and 15, counted after the ")" that ends the command name.
	sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

# pipe_bytes fifo: bytes waiting in a named pipe that has a reader.
pipe_bytes() {
	$PYTHON -c 'import fcntl, os, struct, sys, termios
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_NONBLOCK)
print(struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0" * 4))[0])' "$1"
}

# stdin: a pipe that stays open and silent.  stdout: a pipe that nobody
# reads until the end (fd 4 keeps it open, so writes block, not fail).
mkfifo "$T/in" "$T/out"
exec 3<>"$T/in" 4<>"$T/out"
{ printf 'SSH-2.0-fake\r\n'; head -c 4194304 /dev/urandom; } >"$T/data"
port=$(free_port)
bg "$NMS" --listen="127.0.0.1:$port" --timeout=20 <"$T/in" >"$T/out" \
    2>"$T/nms.err"
nms=$BGPID
wait_until 10 listening "$port" || diag "ssh-callhome is not listening"
# The device sends more than stdout and the relay can hold, then resets.
bg "$PYTHON" "$FAKEDEV" --connect 127.0.0.1 --port "$port" \
    --device-id=rly-r --data "$T/data" --send-timeout 2 --then reset \
    --max-time 15 2>"$T/dev.err"
dev=$BGPID
wait_pid 20 "$dev"
rc=$?
# Sending stops when nobody reads any more: a timeout, not an error.
if [ "$rc" -eq 0 ] && ! grep -v 'send: timed out' "$T/dev.err" | grep -q .; then
	ok "the device sent what it could and reset the connection"
else
	not_ok "the device (status $rc)"
	diag "$(cat "$T/dev.err" "$T/nms.err")"
fi
sleep 0.5

held=$(pipe_bytes "$T/out")
if kill -0 "$nms" 2>/dev/null && [ "$held" -ge 60000 ]; then
	ok "ssh-callhome relays into a full stdout ($held bytes waiting)"
else
	not_ok "ssh-callhome relaying into a full stdout (alive: $(kill -0 \
	    "$nms" 2>/dev/null && echo yes || echo no), $held bytes waiting)"
	diag "$(cat "$T/nms.err")"
fi

# Its CPU time over 3 s of wall time, while nothing can move.
hz=$(getconf CLK_TCK)
t0=$EPOCHREALTIME
c0=$(cpu_ticks "$nms")
sleep 3
c1=$(cpu_ticks "$nms")
t1=$EPOCHREALTIME
pct=$(awk -v c=$((c1 - c0)) -v hz="$hz" -v t0="$t0" -v t1="$t1" \
    'BEGIN { printf "%d", 100 * c / hz / (t1 - t0) }')
if [ -n "$c0" ] && [ -n "$c1" ] && [ "$pct" -lt 5 ]; then
	ok "after the reset, with stdout full, it sleeps: $((c1 - c0)) ticks of CPU in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s ($pct%)"
else
	not_ok "after the reset, with stdout full, it used $pct% of a CPU ($((c1 - c0)) ticks at $hz/s over $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s)"
fi

# The client reads again: what the device said before its reset comes out,
# unaltered, and the relay ends with status 0.
bg cat "$T/out" >"$T/got"
reader=$BGPID
exec 4>&-
wait_pid 10 "$nms"
rc=$?
wait_pid 10 "$reader"
got=$(stat -c %s "$T/got")
if [ "$rc" -eq 0 ] && [ "$got" -ge "$held" ] &&
    cmp -s -n "$got" "$T/got" "$T/data"; then
	ok "once stdout drains, it delivers the $got bytes it held and exits 0"
else
	not_ok "after stdout drained: exit $rc, $got bytes (a prefix of the data: $(cmp -s -n "$got" "$T/got" "$T/data" && echo yes || echo no))"
	diag "$(cat "$T/nms.err")"
fi
exec 3>&-

done_testing
