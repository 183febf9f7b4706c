#include "config.h"

#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pending.h"
#include "knownhosts.h"
#include "log.h"
#include "misc.h"

#ifdef POLLRDHUP
#define POLL_RDHUP	POLLRDHUP	/* the caller shut down its side */
#else
#define POLL_RDHUP	0
#endif

/* A caller still sending its preamble. */
struct pending {
	int		fd;
	long long	deadline;	/* ms, monotonic */
	size_t		have;		/* bytes of whole lines consumed */
	size_t		waiting;	/* bytes left in the socket */
	int		lowat;		/* SO_RCVLOWAT now in force */
	char		peer[PEER_MAX];
	uint8_t		buf[PREAMBLE_MAX + 1];
};

static void
addr_name(const struct sockaddr *sa, socklen_t salen, char *out, size_t outlen)
{
	char host[NI_MAXHOST], serv[NI_MAXSERV];

	if (getnameinfo(sa, salen, host, sizeof(host), serv, sizeof(serv),
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		strlcpy(out, "(unknown)", outlen);
		return;
	}
	snprintf(out, outlen, sa->sa_family == AF_INET6 ? "[%s]:%s" : "%s:%s",
	    host, serv);
}

/* No IPv6 (or IPv4) on this machine: skip that family, not an error. */
static int
family_missing(int e)
{
	return e == EAFNOSUPPORT || e == EPROTONOSUPPORT ||
	    e == EADDRNOTAVAIL;
}

static int
listen_one(const struct addrinfo *ai, struct listeners *l, char *err,
    size_t errlen)
{
	char name[PEER_MAX];
	int fd, on = 1, e;

	addr_name(ai->ai_addr, ai->ai_addrlen, name, sizeof(name));
	if (l->n == ACCEPT_LISTEN_MAX) {
		snprintf(err, errlen, "%s: more than %d addresses", name,
		    ACCEPT_LISTEN_MAX);
		return -1;
	}
	if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, ai->ai_protocol)) == -1) {
		e = errno;
		goto fail;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	/* One socket per family, so that "all addresses" means both. */
	if (ai->ai_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) == -1) {
		e = errno;
		goto fail;
	}
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 ||
	    listen(fd, SOMAXCONN) == -1) {
		e = errno;
		goto fail;
	}
	log_debug("listening on %s", name);
	l->fd[l->n++] = fd;
	return 0;
fail:
	if (fd != -1)
		close(fd);
	if (family_missing(e)) {
		log_debug("not listening on %s: %s", name, strerror(e));
		return 1;
	}
	snprintf(err, errlen, "cannot listen on %s: %s", name, strerror(e));
	return -1;
}

/*
 * Listen on host:port, or on every IPv4 and IPv6 address if host is "".
 * An address family the machine lacks is skipped; any other failure, or
 * no socket at all, is an error.
 */
int
listeners_open(const char *host, const char *port, struct listeners *l,
    char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL, *ai;
	int e, r;

	memset(l, 0, sizeof(*l));
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((e = getaddrinfo(host[0] != '\0' ? host : NULL, port, &hints,
	    &res)) != 0) {
		snprintf(err, errlen, "%s: %s", host[0] != '\0' ? host : "*",
		    gai_strerror(e));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		if ((r = listen_one(ai, l, err, errlen)) == -1)
			goto err;
	}
	if (l->n == 0) {
		snprintf(err, errlen, "no address to listen on for %s port %s",
		    host[0] != '\0' ? host : "*", port);
		goto err;
	}
	freeaddrinfo(res);
	return 0;
err:
	freeaddrinfo(res);
	listeners_close(l);
	return -1;
}

void
listeners_close(struct listeners *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		close(l->fd[i]);
	l->n = 0;
}

const char *
call_hmac_name(enum call_hmac h)
{
	switch (h) {
	case CALL_HMAC_VERIFIED:
		return "verified";
	case CALL_HMAC_SWAPPED:
		return "verified-swapped";
	case CALL_HMAC_UNCHECKED:
		return "unchecked";
	case CALL_HMAC_ABSENT:
		break;
	}
	return "absent";
}

/*
 * May this call go on to ssh?  0 yes (*hmac says how it was verified);
 * -1 no, and why says why.  Pure: the decision apart from the sockets.
 */
int
call_judge(const struct accept_policy *pol, const struct preamble *p,
    enum call_hmac *hmac, char *why, size_t whylen)
{
	const char *w;

	*hmac = CALL_HMAC_ABSENT;
	why[0] = '\0';
	if (!p->present) {
		if (pol->secret != NULL) {
			snprintf(why, whylen, "no preamble, but a secret is "
			    "configured: HOST-KEY and HMAC are required");
			return -1;
		}
		if (pol->require_preamble) {
			snprintf(why, whylen, "no preamble, and "
			    "--require-preamble is set");
			return -1;
		}
		return 0;
	}
	if (pol->device_id != NULL && strcmp(p->device_id,
	    pol->device_id) != 0) {
		snprintf(why, whylen, "DEVICE-ID \"%s\" is not the expected "
		    "\"%s\"", p->device_id, pol->device_id);
		return -1;
	}
	if (pol->secret == NULL) {
		if (p->lines == 5)
			*hmac = CALL_HMAC_UNCHECKED;
		return 0;
	}
	if (p->lines != 5) {
		snprintf(why, whylen, "no HOST-KEY and HMAC, but a secret is "
		    "configured");
		return -1;
	}
	switch (preamble_verify(p, pol->secret, pol->secretlen,
	    pol->allow_swapped)) {
	case 0:
		*hmac = CALL_HMAC_VERIFIED;
		break;
	case 1:
		*hmac = CALL_HMAC_SWAPPED;
		break;
	default:
		snprintf(why, whylen, "HMAC does not match the host key "
		    "(wrong secret, or an altered host key)");
		return -1;
	}
	/* Checked after the HMAC: the name is then the device's own. */
	if (pol->knownhosts_name && knownhosts_name_ok(p->device_id,
	    &w) == -1) {
		snprintf(why, whylen, "DEVICE-ID \"%s\" cannot be recorded in "
		    "known_hosts: %s", p->device_id, w);
		*hmac = CALL_HMAC_ABSENT;
		return -1;
	}
	return 0;
}

static void
pending_drop(struct pending *pd, size_t *n, size_t i)
{
	close(pd[i].fd);
	if (i != *n - 1)
		pd[i] = pd[*n - 1];
	(*n)--;
}

/* Wake up on this call only when more than "waiting" bytes are there. */
static void
set_lowat(struct pending *c, size_t waiting)
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
consume(struct pending *c, size_t n)
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

enum step { STEP_MORE, STEP_DONE, STEP_BAD };

/*
 * Read what the caller has sent.  Bytes are peeked: whole preamble lines
 * are then taken off the socket, the rest stays there, so that nothing
 * after the preamble (the SSH banner) is ever consumed.
 */
static enum step
pending_read(struct pending *c, short revents, struct preamble *p, char *why,
    size_t whylen)
{
	enum preamble_verdict v;
	const char *w;
	uint8_t *lf;
	size_t used, n;
	ssize_t r;
	int stalled;

	if (c->have >= PREAMBLE_MAX) {
		snprintf(why, whylen, "preamble longer than %d bytes",
		    PREAMBLE_MAX);
		return STEP_BAD;
	}
	r = recv(c->fd, c->buf + c->have, PREAMBLE_MAX - c->have, MSG_PEEK);
	if (r == -1 && (errno == EINTR || errno == EAGAIN ||
	    errno == EWOULDBLOCK))
		return STEP_MORE;
	if (r == -1) {
		snprintf(why, whylen, "%s", strerror(errno));
		return STEP_BAD;
	}
	if (r == 0) {
		snprintf(why, whylen, c->have == 0 ? "closed the connection "
		    "without sending anything" : "closed the connection "
		    "during the preamble");
		return STEP_BAD;
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
		return STEP_BAD;
	}
	if (v == PREAMBLE_DONE) {
		/* used >= have: only whole lines were consumed before. */
		if (consume(c, used - c->have) == -1) {
			snprintf(why, whylen, "lost the connection");
			return STEP_BAD;
		}
		set_lowat(c, 0);
		return STEP_DONE;
	}
	if (c->have + n >= PREAMBLE_MAX) {
		snprintf(why, whylen, "preamble longer than %d bytes",
		    PREAMBLE_MAX);
		return STEP_BAD;
	}
	if ((lf = memrchr(c->buf + c->have, '\n', n)) != NULL) {
		size_t k = lf + 1 - (c->buf + c->have);

		if (consume(c, k) == -1) {
			snprintf(why, whylen, "lost the connection");
			return STEP_BAD;
		}
		n -= k;
	}
	if (stalled || (revents & (POLLHUP | POLLERR | POLL_RDHUP))) {
		snprintf(why, whylen, "closed the connection during the "
		    "preamble");
		return STEP_BAD;
	}
	c->waiting = n;
	set_lowat(c, n);
	return STEP_MORE;
}

/* Back to an ordinary blocking socket for ssh or the relay. */
static void
call_ready(int fd)
{
	int on = 1, fl;

	(void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
	if ((fl = fcntl(fd, F_GETFL)) != -1)
		(void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
}

static void
accept_new(int lfd, struct pending *pd, size_t *n, int preamble_ms)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	char peer[PEER_MAX];
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
		if (*n == ACCEPT_PENDING_MAX) {
			/*
			 * Full: the caller that has waited longest goes.  A
			 * real device finishes its preamble in a moment, so
			 * a flood of silent or slow callers only ever evicts
			 * its own, and cannot keep the right device out.
			 */
			size_t i, old = 0;

			for (i = 1; i < *n; i++)
				if (pd[i].deadline < pd[old].deadline)
					old = i;
			log_warn("call from %s closed: %d calls are sending "
			    "their preamble and it has waited longest",
			    pd[old].peer, ACCEPT_PENDING_MAX);
			pending_drop(pd, n, old);
		}
		log_debug("call from %s", peer);
		memset(&pd[*n], 0, offsetof(struct pending, buf));
		pd[*n].fd = fd;
		pd[*n].deadline = now_ms() + preamble_ms;
		pd[*n].lowat = 1;
		strlcpy(pd[*n].peer, peer, sizeof(pd[*n].peer));
		(*n)++;
	}
}

static void
refuse(struct pending *c, const struct preamble *p, const char *why)
{
	if (p != NULL && p->present)
		log_warn("call from %s (DEVICE-ID \"%s\") refused: %s",
		    c->peer, p->device_id, why);
	else
		log_warn("call from %s refused: %s", c->peer, why);
}

/*
 * Wait for the first acceptable call.  Every caller has its own preamble
 * deadline; up to ACCEPT_PENDING_MAX of them are read at once (then the
 * one that has waited longest makes room for a new one), so that a
 * slow or hostile caller cannot keep the right device out.  On success
 * the listeners are closed, and so is every other caller (they re-dial).
 */
enum accept_status
accept_call(struct listeners *l, const struct accept_policy *pol,
    struct call *c)
{
	struct pollfd pfd[ACCEPT_LISTEN_MAX + ACCEPT_PENDING_MAX];
	struct pending *pd;
	struct preamble *p;
	struct timespec ts;
	char why[ACCEPT_WHY_MAX];
	long long deadline = now_ms() + pol->timeout_ms, now, wake;
	enum accept_status st = ACCEPT_ERROR;
	enum call_hmac hmac;
	size_t n = 0, i, np;
	int r;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	if ((pd = calloc(ACCEPT_PENDING_MAX, sizeof(*pd))) == NULL ||
	    (p = calloc(1, sizeof(*p))) == NULL) {
		log_error("out of memory");
		free(pd);
		return ACCEPT_ERROR;
	}
	for (;;) {
		now = now_ms();
		/* Callers past their own deadline go first. */
		for (i = 0; i < n; ) {
			if (now >= pd[i].deadline) {
				snprintf(why, sizeof(why), "no complete "
				    "preamble within %d s",
				    pol->preamble_timeout_ms / 1000);
				refuse(&pd[i], NULL, why);
				pending_drop(pd, &n, i);
			} else
				i++;
		}
		if (now >= deadline) {
			st = ACCEPT_TIMEOUT;
			goto out;
		}
		wake = deadline;
		for (i = 0; i < n; i++)
			if (pd[i].deadline < wake)
				wake = pd[i].deadline;
		ts = ms_timespec(wake - now);

		for (i = 0; i < l->n; i++) {
			pfd[i].fd = l->fd[i];
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}
		for (i = 0; i < n; i++) {
			pfd[l->n + i].fd = pd[i].fd;
			pfd[l->n + i].events = POLLIN | POLL_RDHUP;
			pfd[l->n + i].revents = 0;
		}
		np = l->n + n;
		if ((r = ppoll(pfd, np, &ts, pol->waitmask)) == -1) {
			if (errno == EINTR) {
				st = ACCEPT_INTERRUPTED;
				goto out;
			}
			log_error("poll: %s", strerror(errno));
			goto out;
		}
		if (r == 0)
			continue;
		/* Callers first: the table shrinks as they are refused. */
		for (i = n; i-- > 0; ) {
			if (pfd[l->n + i].revents == 0)
				continue;
			switch (pending_read(&pd[i], pfd[l->n + i].revents, p,
			    why, sizeof(why))) {
			case STEP_MORE:
				continue;
			case STEP_BAD:
				refuse(&pd[i], NULL, why);
				pending_drop(pd, &n, i);
				continue;
			case STEP_DONE:
				break;
			}
			if (call_judge(pol, p, &hmac, why, sizeof(why)) == -1) {
				refuse(&pd[i], p, why);
				pending_drop(pd, &n, i);
				continue;
			}
			c->fd = pd[i].fd;
			strlcpy(c->peer, pd[i].peer, sizeof(c->peer));
			c->p = *p;
			c->hmac = hmac;
			r = pol->admit != NULL ? pol->admit(c, pol->admit_arg,
			    why, sizeof(why)) : 0;
			if (r != 0) {
				/* Closed here, or with the others below. */
				explicit_bzero(c, sizeof(*c));
				c->fd = -1;
				if (r == -1)
					goto out;
				refuse(&pd[i], p, why);
				pending_drop(pd, &n, i);
				continue;
			}
			call_ready(c->fd);
			/* Not closed with the others below. */
			pd[i] = pd[--n];
			st = ACCEPT_OK;
			goto out;
		}
		for (i = 0; i < l->n; i++)
			if (pfd[i].revents != 0)
				accept_new(l->fd[i], pd, &n,
				    pol->preamble_timeout_ms);
	}
out:
	for (i = 0; i < n; i++) {
		if (st == ACCEPT_OK)
			log_debug("closing the call from %s: another call "
			    "was accepted", pd[i].peer);
		close(pd[i].fd);
	}
	if (st == ACCEPT_OK)
		listeners_close(l);
	explicit_bzero(p, sizeof(*p));
	free(p);
	free(pd);
	return st;
}
