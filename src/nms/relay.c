#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "misc.h"
#include "relay.h"

/* What poll reports whether asked or not. */
#define POLL_GONE	(POLLHUP | POLLERR | POLLNVAL)

/* One direction of the relay. */
struct pipe_buf {
	char	data[RELAY_BUF];
	size_t	off;
	size_t	len;
	int	eof;		/* the source has no more to give */
	int	gone;		/* the destination takes no more */
};

static int
would_block(int e)
{
	return e == EAGAIN || e == EWOULDBLOCK || e == EINTR;
}

/* Nothing more can ever move this way. */
static int
pipe_done(const struct pipe_buf *b)
{
	return b->gone || (b->eof && b->len == 0);
}

/*
 * Copy stdin to the socket and the socket to stdout until one side is
 * done.  The client's EOF is passed on as a half-close (shutdown), and the
 * device's remaining output is still delivered for up to RELAY_LINGER_MS;
 * the device's EOF, or a client that has gone away, ends the relay once
 * what is buffered has been written.  stdin and stdout are shared with the
 * client, so they are never made non-blocking: writes to stdout are kept
 * to PIPE_BUF, which poll's POLLOUT guarantees room for.
 *
 * poll reports a hang-up or an error whatever the events asked for, and
 * reports it again at once until the descriptor is read or written: so a
 * descriptor is polled only while the relay can act on it (the device
 * only while there is room to read into or data to send), and every such
 * report leads to a read or a write that moves the relay on.
 */
enum relay_status
relay_run(int in, int out, int fd, const sigset_t *waitmask)
{
	static struct pipe_buf up, down;	/* client to device, back */
	struct pollfd pfd[3];
	struct timespec ts, *tsp;
	long long linger = 0;
	size_t n;
	ssize_t r;
	short ev;
	int shut = 0;

	memset(&up, 0, sizeof(up));
	memset(&down, 0, sizeof(down));
	for (;;) {
		/* The client is done, or the device takes no more. */
		if (pipe_done(&up) && !shut) {
			if (!up.gone && shutdown(fd, SHUT_WR) == -1)
				log_debug("shutdown: %s", strerror(errno));
			shut = 1;
			linger = now_ms() + RELAY_LINGER_MS;
		}
		if (pipe_done(&down))
			return RELAY_DONE;
		tsp = NULL;
		if (shut) {
			long long left = linger - now_ms();

			if (left <= 0) {
				log_debug("%s within %d s of the end of the "
				    "client's side",
				    down.eof ? "stdout did not drain" :
				    "the device did not close",
				    RELAY_LINGER_MS / 1000);
				return RELAY_DONE;
			}
			ts = ms_timespec(left);
			tsp = &ts;
		}
		pfd[0].fd = up.eof || up.gone || up.len > 0 ? -1 : in;
		pfd[0].events = POLLIN;
		ev = (down.eof || down.len > 0 ? 0 : POLLIN) |
		    (up.len > 0 ? POLLOUT : 0);
		pfd[1].fd = ev != 0 ? fd : -1;
		pfd[1].events = ev;
		/* Polled even when idle, to notice a client gone away. */
		pfd[2].fd = out;
		pfd[2].events = down.len > 0 ? POLLOUT : 0;
		pfd[0].revents = pfd[1].revents = pfd[2].revents = 0;
		if (ppoll(pfd, 3, tsp, waitmask) == -1) {
			if (errno == EINTR)
				return RELAY_INTERRUPTED;
			log_error("poll: %s", strerror(errno));
			return RELAY_ERROR;
		}
		/* A hang-up or an error is seen by the read or write. */
		if (pfd[0].revents != 0) {
			r = read(in, up.data, sizeof(up.data));
			if (r > 0) {
				up.off = 0;
				up.len = r;
			} else if (r == 0 || !would_block(errno)) {
				if (r == -1)
					log_debug("reading stdin: %s",
					    strerror(errno));
				up.eof = 1;
			}
		}
		if ((pfd[1].revents & (POLLIN | POLL_GONE)) && (ev & POLLIN)) {
			r = recv(fd, down.data, sizeof(down.data),
			    MSG_DONTWAIT);
			if (r > 0) {
				down.off = 0;
				down.len = r;
			} else if (r == 0 || !would_block(errno)) {
				if (r == -1)
					log_debug("reading from the device: "
					    "%s", strerror(errno));
				down.eof = 1;
			}
		}
		if ((pfd[1].revents & (POLLOUT | POLL_GONE)) &&
		    (ev & POLLOUT)) {
			r = send(fd, up.data + up.off, up.len, MSG_DONTWAIT |
			    MSG_NOSIGNAL);
			if (r > 0) {
				up.off += r;
				up.len -= r;
			} else if (r == -1 && !would_block(errno)) {
				/*
				 * The device is gone: what it sent before
				 * is still read and delivered.
				 */
				log_debug("writing to the device: %s",
				    strerror(errno));
				up.len = 0;
				up.gone = 1;
			}
		}
		/* Nothing written to stdout can arrive any more. */
		if (pfd[2].revents & POLL_GONE) {
			log_debug("the client closed its side");
			return RELAY_DONE;
		}
		if ((pfd[2].revents & POLLOUT) && down.len > 0) {
			n = down.len < PIPE_BUF ? down.len : PIPE_BUF;
			r = write(out, down.data + down.off, n);
			if (r > 0) {
				down.off += r;
				down.len -= r;
			} else if (r == -1 && !would_block(errno)) {
				log_debug("writing stdout: %s",
				    strerror(errno));
				return RELAY_DONE;
			}
		}
	}
}
