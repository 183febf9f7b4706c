#include "config.h"

#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>

#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "misc.h"
#include "pending.h"

#ifdef POLLRDHUP
#define POLL_RDHUP	POLLRDHUP	/* the caller shut down its side */
#else
#define POLL_RDHUP	0
#endif

int
pending_init(struct pending *t, int preamble_ms)
{
	memset(t, 0, sizeof(*t));
	if ((t->c = calloc(PENDING_MAX, sizeof(*t->c))) == NULL)
		return -1;
	t->max = PENDING_MAX;
	t->preamble_ms = preamble_ms;
	return 0;
}

/* A table of a->full callers, admitted by a's policy. */
int
pending_init_admit(struct pending *t, int preamble_ms, const struct admit *a)
{
	memset(t, 0, sizeof(*t));
	if ((t->c = calloc(a->full, sizeof(*t->c))) == NULL ||
	    admit_sources_init(&t->sources, a->full,
	    ((uint64_t)arc4random() << 32) | arc4random()) == -1) {
		free(t->c);
		t->c = NULL;
		return -1;
	}
	t->max = a->full;
	t->admit = a;
	t->preamble_ms = preamble_ms;
	return 0;
}

/* Closes every caller still in the table. */
void
pending_free(struct pending *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		close(t->c[i].fd);
	free(t->c);
	if (t->admit != NULL)
		admit_sources_free(&t->sources);
	memset(t, 0, sizeof(*t));
}

/* Out of the table; the last caller takes its place. */
static void
unlink_caller(struct pending *t, size_t i)
{
	if (t->admit != NULL)
		admit_sources_remove(&t->sources, t->c[i].src,
		    t->c[i].srclen);
	if (i != t->n - 1)
		t->c[i] = t->c[t->n - 1];
	t->n--;
}

static void
drop(struct pending *t, size_t i)
{
	close(t->c[i].fd);
	unlink_caller(t, i);
}

/* The caller at i leaves the table with its socket open: fd returned. */
int
pending_take(struct pending *t, size_t i)
{
	int fd = t->c[i].fd;

	unlink_caller(t, i);
	return fd;
}

/* Callers past their own deadline are refused. */
void
pending_expire(struct pending *t, long long now)
{
	char why[64];
	size_t i;

	for (i = 0; i < t->n; ) {
		if (now >= t->c[i].deadline) {
			snprintf(why, sizeof(why), "no complete preamble "
			    "within %d s", t->preamble_ms / 1000);
			pending_refuse(t, i, NULL, why);
		} else
			i++;
	}
}

/* The earlier of wake and every caller's deadline. */
long long
pending_wake(const struct pending *t, long long wake)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->c[i].deadline < wake)
			wake = t->c[i].deadline;
	return wake;
}

/* t->n entries: pfd[i] is the caller at i. */
void
pending_pollfds(const struct pending *t, struct pollfd *pfd)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		pfd[i].fd = t->c[i].fd;
		pfd[i].events = POLLIN | POLL_RDHUP;
		pfd[i].revents = 0;
	}
}

/* Wake up on this call only when more than "waiting" bytes are there. */
static void
set_lowat(struct caller *c, size_t waiting)
{
	int want = (int)waiting + 1;

	if (want == c->lowat)
		return;
	if (setsockopt(c->fd, SOL_SOCKET, SO_RCVLOWAT, &want,
	    sizeof(want)) == -1) {
		log_debug("SO_RCVLOWAT on the call from %s: %s", c->peer,
		    strerror(errno));
		return;
	}
	c->lowat = want;
}

static int
consume(struct caller *c, size_t n)
{
	ssize_t r;

	while (n > 0) {
		r = recv(c->fd, c->buf + c->have, n, 0);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		c->have += r;
		n -= r;
	}
	return 0;
}

/*
 * Read what the caller has sent.  Bytes are peeked: whole preamble lines
 * are then taken off the socket, the rest stays there, so that nothing
 * after the preamble (the SSH banner) is ever consumed.
 */
enum pending_step
pending_read(struct pending *t, size_t i, short revents, struct preamble *p,
    char *why, size_t whylen)
{
	struct caller *c = &t->c[i];
	enum preamble_verdict v;
	const char *w;
	uint8_t *lf;
	size_t used, n;
	ssize_t r;
	int stalled;

	if (c->have >= PREAMBLE_MAX) {
		snprintf(why, whylen, "preamble longer than %d bytes",
		    PREAMBLE_MAX);
		return PENDING_BAD;
	}
	r = recv(c->fd, c->buf + c->have, PREAMBLE_MAX - c->have, MSG_PEEK);
	if (r == -1 && (errno == EINTR || errno == EAGAIN ||
	    errno == EWOULDBLOCK))
		return PENDING_MORE;
	if (r == -1) {
		snprintf(why, whylen, "%s", strerror(errno));
		return PENDING_BAD;
	}
	if (r == 0) {
		snprintf(why, whylen, c->have == 0 ? "closed the connection "
		    "without sending anything" : "closed the connection "
		    "during the preamble");
		return PENDING_BAD;
	}
	n = r;
	/*
	 * Woken with SO_RCVLOWAT in force but nothing new: end of stream.
	 * Where poll has POLLRDHUP that says so itself, and Linux may wake
	 * early under memory pressure, so the guess is made only elsewhere.
	 */
	stalled = POLL_RDHUP == 0 && n <= c->waiting &&
	    c->lowat == (int)c->waiting + 1;
	v = preamble_parse(c->buf, c->have + n, p, &used, &w);
	if (v == PREAMBLE_BAD) {
		snprintf(why, whylen, "%s", w);
		return PENDING_BAD;
	}
	if (v == PREAMBLE_DONE) {
		/* used >= have: only whole lines were consumed before. */
		if (consume(c, used - c->have) == -1) {
			snprintf(why, whylen, "lost the connection");
			return PENDING_BAD;
		}
		set_lowat(c, 0);
		return PENDING_DONE;
	}
	if (c->have + n >= PREAMBLE_MAX) {
		snprintf(why, whylen, "preamble longer than %d bytes",
		    PREAMBLE_MAX);
		return PENDING_BAD;
	}
	if ((lf = memrchr(c->buf + c->have, '\n', n)) != NULL) {
		size_t k = lf + 1 - (c->buf + c->have);

		if (consume(c, k) == -1) {
			snprintf(why, whylen, "lost the connection");
			return PENDING_BAD;
		}
		n -= k;
	}
	if (stalled || (revents & (POLLHUP | POLLERR | POLL_RDHUP))) {
		snprintf(why, whylen, "closed the connection during the "
		    "preamble");
		return PENDING_BAD;
	}
	c->waiting = n;
	set_lowat(c, n);
	return PENDING_MORE;
}

/* The address bytes of a caller, its source for admit. */
static uint8_t
source_key(const struct sockaddr_storage *ss, uint8_t *key)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

	if (ss->ss_family == AF_INET) {
		memcpy(key, &sin->sin_addr, 4);
		return 4;
	}
	if (ss->ss_family == AF_INET6) {
		memcpy(key, &sin6->sin6_addr, 16);
		return 16;
	}
	return 0;
}

/*
 * Take every caller waiting on the listening socket lfd into the table.
 * With an admission policy (the daemon), a new caller is admitted or
 * dropped by it, and no waiting caller is evicted.  Without one (the
 * one-shot wait), when the table is full the caller that has waited
 * longest goes: a real device finishes its preamble in a moment, so a
 * flood of silent or slow callers only ever evicts its own.
 */
void
pending_accept(struct pending *t, int lfd)
{
	struct caller *c;
	struct sockaddr_storage ss;
	socklen_t sslen;
	char peer[PEER_MAX];
	uint8_t src[ADMIT_KEY_MAX];
	uint8_t srclen;
	enum admit_verdict v;
	int fd;

	for (;;) {
		sslen = sizeof(ss);
		fd = accept4(lfd, (struct sockaddr *)&ss, &sslen,
		    SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd == -1) {
			if (errno == EINTR)
				continue;
			/* EAGAIN, or a caller gone before accept. */
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != ECONNABORTED)
				log_warn("accept: %s", strerror(errno));
			return;
		}
		addr_name((struct sockaddr *)&ss, sslen, peer, sizeof(peer));
		srclen = source_key(&ss, src);
		if (t->admit != NULL) {
			v = admit_decide(t->admit, t->n, admit_sources_count(
			    &t->sources, src, srclen));
			if (v == ADMIT_OK && admit_sources_add(&t->sources,
			    src, srclen) == -1)
				v = ADMIT_FULL;
			if (v != ADMIT_OK) {
				log_debug("call from %s dropped: %s", peer,
				    admit_verdict_text(v));
				close(fd);
				continue;
			}
		} else if (t->n == PENDING_MAX) {
			size_t i, old = 0;

			for (i = 1; i < t->n; i++)
				if (t->c[i].deadline < t->c[old].deadline)
					old = i;
			log_warn("call from %s closed: %d calls are sending "
			    "their preamble and it has waited longest",
			    t->c[old].peer, PENDING_MAX);
			drop(t, old);
		}
		log_debug("call from %s", peer);
		c = &t->c[t->n];
		memset(c, 0, offsetof(struct caller, buf));
		c->fd = fd;
		c->deadline = now_ms() + t->preamble_ms;
		c->lowat = 1;
		strlcpy(c->peer, peer, sizeof(c->peer));
		memcpy(c->src, src, srclen);
		c->srclen = srclen;
		t->n++;
	}
}

/* Log why the caller at i is refused (p: its preamble, if read), close it. */
void
pending_refuse(struct pending *t, size_t i, const struct preamble *p,
    const char *why)
{
	struct caller *c = &t->c[i];

	if (p != NULL && p->present)
		log_warn("call from %s (DEVICE-ID \"%s\") refused: %s",
		    c->peer, p->device_id, why);
	else
		log_warn("call from %s refused: %s", c->peer, why);
	drop(t, i);
}
