#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "misc.h"
#include "oneshot.h"
#include "pending.h"

/* Back to an ordinary blocking socket for ssh or the relay. */
static void
call_ready(int fd)
{
	int on = 1, fl;

	(void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
	if ((fl = fcntl(fd, F_GETFL)) != -1)
		(void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
}

/*
 * Wait for the first acceptable call.  Every caller has its own preamble
 * deadline; up to PENDING_MAX of them are read at once (then the one that
 * has waited longest makes room for a new one), so that a slow or hostile
 * caller cannot keep the right device out.  On success the listeners are
 * closed, and so is every other caller (they re-dial).
 */
enum oneshot_status
oneshot_wait(struct listeners *l, const struct oneshot *o, struct call *c)
{
	struct pollfd pfd[LISTEN_MAX + PENDING_MAX];
	struct pending t;
	struct preamble *p = NULL;
	struct timespec ts;
	char why[JUDGE_WHY_MAX];
	long long deadline = now_ms() + o->timeout_ms, now;
	enum oneshot_status st = ONESHOT_ERROR;
	enum call_hmac hmac;
	size_t i;
	int r;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	if (pending_init(&t, o->preamble_timeout_ms) == -1 ||
	    (p = calloc(1, sizeof(*p))) == NULL) {
		log_error("out of memory");
		pending_free(&t);
		return ONESHOT_ERROR;
	}
	for (;;) {
		now = now_ms();
		/* Callers past their own deadline go first. */
		pending_expire(&t, now);
		if (now >= deadline) {
			st = ONESHOT_TIMEOUT;
			goto out;
		}
		ts = ms_timespec(pending_wake(&t, deadline) - now);

		for (i = 0; i < l->n; i++) {
			pfd[i].fd = l->fd[i];
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}
		pending_pollfds(&t, pfd + l->n);
		if ((r = ppoll(pfd, l->n + t.n, &ts, o->waitmask)) == -1) {
			if (errno == EINTR) {
				st = ONESHOT_INTERRUPTED;
				goto out;
			}
			log_error("poll: %s", strerror(errno));
			goto out;
		}
		if (r == 0)
			continue;
		/* Callers first: the table shrinks as they are refused. */
		for (i = t.n; i-- > 0; ) {
			if (pfd[l->n + i].revents == 0)
				continue;
			switch (pending_read(&t, i, pfd[l->n + i].revents, p,
			    why, sizeof(why))) {
			case PENDING_MORE:
				continue;
			case PENDING_BAD:
				pending_refuse(&t, i, NULL, why);
				continue;
			case PENDING_DONE:
				break;
			}
			if (judge_call(&o->rules, p, &hmac, why,
			    sizeof(why)) == -1) {
				pending_refuse(&t, i, p, why);
				continue;
			}
			c->fd = t.c[i].fd;
			strlcpy(c->peer, t.c[i].peer, sizeof(c->peer));
			c->p = *p;
			c->hmac = hmac;
			r = o->last_word != NULL ? o->last_word(c,
			    o->last_word_arg, why, sizeof(why)) : 0;
			if (r != 0) {
				/* Closed here, or with the others below. */
				explicit_bzero(c, sizeof(*c));
				c->fd = -1;
				if (r == -1)
					goto out;
				pending_refuse(&t, i, p, why);
				continue;
			}
			call_ready(c->fd);
			/* Not closed with the others below. */
			(void)pending_take(&t, i);
			st = ONESHOT_OK;
			goto out;
		}
		for (i = 0; i < l->n; i++)
			if (pfd[i].revents != 0)
				pending_accept(&t, l->fd[i]);
	}
out:
	for (i = 0; st == ONESHOT_OK && i < t.n; i++)
		log_debug("closing the call from %s: another call was "
		    "accepted", t.c[i].peer);
	pending_free(&t);
	if (st == ONESHOT_OK)
		listeners_close(l);
	explicit_bzero(p, sizeof(*p));
	free(p);
	return st;
}
