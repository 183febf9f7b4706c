/*
 * The management side's wait for a call: listen, accept many callers at
 * once, read each one's preamble without consuming the SSH banner behind
 * it, and keep the first call that passes the policy.
 */
#ifndef ACCEPT_H
#define ACCEPT_H

#include <signal.h>
#include <stddef.h>

#include "misc.h"
#include "preamble.h"

#define ACCEPT_LISTEN_MAX	16	/* listening sockets */
#define ACCEPT_PENDING_MAX	64	/* calls still sending a preamble */
#define ACCEPT_WHY_MAX		(2 * PREAMBLE_ID_MAX + 4096 + 128) /* a path too */

struct listeners {
	int	fd[ACCEPT_LISTEN_MAX];
	size_t	n;
};

enum call_hmac {
	CALL_HMAC_ABSENT,	/* no HOST-KEY/HMAC lines */
	CALL_HMAC_UNCHECKED,	/* sent, but there is no secret to check */
	CALL_HMAC_VERIFIED,
	CALL_HMAC_SWAPPED	/* verified with swapped operands (compat) */
};

struct call {
	int		 fd;
	char		 peer[PEER_MAX];
	struct preamble	 p;
	enum call_hmac	 hmac;
};

#define ACCEPT_REFUSE		1	/* from accept_policy's admit */

struct accept_policy {
	const char	*device_id;	/* NULL: any */
	int		 require_preamble;
	const void	*secret;	/* NULL: none */
	size_t		 secretlen;
	int		 allow_swapped;
	int		 knownhosts_name; /* the id must suit known_hosts */
	int		 timeout_ms;	/* the whole wait */
	int		 preamble_timeout_ms; /* each call */
	const sigset_t	*waitmask;	/* signals to let in while waiting */
	/*
	 * Last word on a call that passed the rest (NULL: take it): 0 take
	 * it, ACCEPT_REFUSE refuse it for why and wait on, -1 give up.
	 */
	int		(*admit)(const struct call *c, void *arg, char *why,
			    size_t whylen);
	void		*admit_arg;
};

enum accept_status {
	ACCEPT_OK,
	ACCEPT_TIMEOUT,		/* no acceptable call in time */
	ACCEPT_INTERRUPTED,	/* a signal came in */
	ACCEPT_ERROR
};

int	listeners_open(const char *host, const char *port, struct listeners *l,
	    char *err, size_t errlen);
void	listeners_close(struct listeners *l);
int	call_judge(const struct accept_policy *pol, const struct preamble *p,
	    enum call_hmac *hmac, char *why, size_t whylen);
const char *
	call_hmac_name(enum call_hmac h);
enum accept_status
	accept_call(struct listeners *l, const struct accept_policy *pol,
	    struct call *c);

#endif
