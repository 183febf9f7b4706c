/*
 * The pending table: callers whose preamble is still being read, up to
 * PENDING_MAX of them at once, each with its own deadline.  Bytes are
 * peeked, and only whole preamble lines are taken off a socket, so that
 * nothing behind the preamble (the SSH banner) is ever consumed.
 *
 * The one-shot wait holds PENDING_MAX callers, and when the table is full
 * the caller that has waited longest makes room for a new one.  The daemon
 * gives the table an admission policy (admit.h) instead: new callers are
 * dropped early and per source, and a waiting caller is never evicted.
 */
#ifndef PENDING_H
#define PENDING_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "admit.h"
#include "misc.h"
#include "preamble.h"

#define PENDING_MAX	64	/* calls still sending a preamble */

/* A caller still sending its preamble. */
struct caller {
	int		fd;
	long long	deadline;	/* ms, monotonic */
	size_t		have;		/* bytes of whole lines consumed */
	size_t		waiting;	/* bytes left in the socket */
	int		lowat;		/* SO_RCVLOWAT now in force */
	char		peer[PEER_MAX];
	uint8_t		src[ADMIT_KEY_MAX];	/* its address, for admit */
	uint8_t		srclen;
	uint8_t		buf[PREAMBLE_MAX + 1];
};

struct pending {
	struct caller	*c;		/* max of them */
	size_t		 n, max;
	int		 preamble_ms;	/* each caller's preamble timeout */
	const struct admit *admit;	/* NULL: evict the oldest when full */
	struct admit_sources sources;
};

enum pending_step {
	PENDING_MORE,		/* the preamble is not complete yet */
	PENDING_DONE,		/* it is, and *p holds it */
	PENDING_BAD		/* the caller failed; why says how */
};

int	pending_init(struct pending *t, int preamble_ms);
int	pending_init_admit(struct pending *t, int preamble_ms,
	    const struct admit *a);
void	pending_free(struct pending *t);
void	pending_accept(struct pending *t, int lfd);
void	pending_expire(struct pending *t, long long now);
long long
	pending_wake(const struct pending *t, long long wake);
void	pending_pollfds(const struct pending *t, struct pollfd *pfd);
enum pending_step
	pending_read(struct pending *t, size_t i, short revents,
	    struct preamble *p, char *why, size_t whylen);
void	pending_refuse(struct pending *t, size_t i, const struct preamble *p,
	    const char *why);
int	pending_take(struct pending *t, size_t i);

#endif
