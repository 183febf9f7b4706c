#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "misc.h"
#include "proxyio.h"

/* Send all of buf on the non-blocking fd by the deadline: 0, or errno. */
static int
send_all(int fd, const unsigned char *buf, size_t len, long long deadline,
    const sigset_t *waitmask)
{
	size_t off = 0;
	ssize_t n;

	while (off < len) {
		n = send(fd, buf + off, len - off, MSG_NOSIGNAL);
		if (n > 0) {
			off += n;
			continue;
		}
		if (n == -1 && errno != EAGAIN && errno != EINTR)
			return errno;
		if (now_ms() >= deadline)
			return ETIMEDOUT;
		if (wait_fd(fd, POLLOUT, (int)(deadline - now_ms()),
		    waitmask) == -1 && errno == EINTR)
			return EINTR;
	}
	return 0;
}

enum proxyio_status
proxy_handshake(int fd, const struct proxy *p, const struct server *dest,
    const struct secret *pass, long long deadline, int timeout_ms,
    const sigset_t *waitmask, char *why, size_t whylen)
{
	struct proxy_talk t;
	enum proxyio_status st = PROXYIO_FAILED;
	enum proxy_step step = PROXY_SEND;
	unsigned char buf[512];
	const char *msg;
	size_t used, got = 0;
	ssize_t n;
	int e, r;

	if (proxy_start(&t, p, dest, pass != NULL ? (const char *)pass->buf :
	    "", pass != NULL ? pass->len : 0, &msg) == -1) {
		snprintf(why, whylen, "%s", msg);
		goto out;
	}
	for (;;) {
		if (step == PROXY_SEND) {
			if ((e = send_all(fd, t.out, t.outlen, deadline,
			    waitmask)) != 0) {
				if (e == EINTR)
					st = PROXYIO_INTERRUPTED;
				else
					snprintf(why, whylen, "sending to the "
					    "proxy: %s", e == ETIMEDOUT ?
					    "timed out" : strerror(e));
				goto out;
			}
		}
		if (now_ms() >= deadline) {
			snprintf(why, whylen, "no complete answer from the "
			    "proxy within the attempt's %d s (%zu bytes of "
			    "its reply)", timeout_ms / 1000, got);
			goto out;
		}
		r = wait_fd(fd, POLLIN, (int)(deadline - now_ms()), waitmask);
		if (r == -1 && errno == EINTR) {
			st = PROXYIO_INTERRUPTED;
			goto out;
		}
		if (r != 1)
			continue;
		/* Peek, and take only what the reply is made of. */
		n = recv(fd, buf, sizeof(buf), MSG_PEEK);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n == -1) {
			snprintf(why, whylen, "reading from the proxy: %s",
			    strerror(errno));
			goto out;
		}
		if (n == 0) {
			if (got == 0)
				snprintf(why, whylen, "the proxy closed the "
				    "connection without an answer");
			else
				snprintf(why, whylen, "the proxy closed the "
				    "connection after %zu bytes of its reply%s"
				    "%s", got, t.kind == PROXY_HTTP &&
				    t.why[0] != '\0' ? ": " : "", t.kind ==
				    PROXY_HTTP ? t.why : "");
			goto out;
		}
		used = proxy_feed(&t, buf, (size_t)n, &step);
		if (used > 0 && recv(fd, buf, used, 0) != (ssize_t)used) {
			snprintf(why, whylen, "reading from the proxy: %s",
			    strerror(errno));
			goto out;
		}
		got += used;
		switch (step) {
		case PROXY_MORE:
		case PROXY_SEND:
			continue;
		case PROXY_DONE:
			st = PROXYIO_OK;
			goto out;
		case PROXY_REFUSED:
			snprintf(why, whylen, "the proxy refused: %s", t.why);
			goto out;
		case PROXY_GARBAGE:
			snprintf(why, whylen, "%s", t.why);
			goto out;
		}
	}
out:
	proxy_talk_wipe(&t);
	explicit_bzero(buf, sizeof(buf));
	return st;
}
