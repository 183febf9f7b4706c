/*
 * ssh-callhomed's fleet: each known device with its parked call (at most
 * one), and the record of unknown or failed callers.  Pure: sockets are
 * only numbers here; the caller closes what these functions hand back.
 */
#ifndef PARK_H
#define PARK_H

#include <stddef.h>

#include "ctlproto.h"
#include "preamble.h"

#define PARK_UNKNOWN_MAX	1024	/* unknown-caller records kept */
#define PARK_LOG_EVERY		3600	/* s: one log line per caller+reason */

struct park_dev {
	char		 id[PREAMBLE_ID_MAX + 1];
	int		 fd;		/* the parked call, or -1 */
	enum ctl_state	 state;
	long long	 since;		/* s since 1970; -1: never called */
	char		 addr[CTL_ADDR_MAX + 1];
	int		 port;		/* the port it called; 0: never */
	enum ctl_verify	 verify;	/* of its last call, failed ones too */
	enum ctl_verify	 call_verify;	/* of the parked (or taken) call */
	long long	 calls;
	long long	 taker_uid, taker_pid;
	char		 host_key[PREAMBLE_KEY_MAX + 1];
	int		 listed;	/* in the registry */
};

struct park_unknown {
	char		 id[PREAMBLE_ID_MAX + 1];	/* "": none read */
	char		 addr[CTL_ADDR_MAX + 1];
	enum ctl_reason	 reason;
	long long	 first, last, count;
	long long	 logged;		/* s; last logged */
	char		 host_key[PREAMBLE_KEY_MAX + 1];
};

struct park {
	struct park_dev		*dev;
	size_t			 n, cap;
	struct park_unknown	*unk;
	size_t			 nunk;
};

/* What a new call does to the parked one. */
enum park_offer {
	PARK_NEW,		/* parked; nothing was parked */
	PARK_REPLACED,		/* parked; *old is the call it replaced */
	PARK_REFUSED		/* an unverified call, a verified one parked */
};

int	park_verified(enum ctl_verify v);
void	park_init(struct park *pk);
void	park_free(struct park *pk, void (*closefd)(int));
struct park_dev *
	park_find(struct park *pk, const char *id);
struct park_dev *
	park_add(struct park *pk, const char *id);
void	park_remove(struct park *pk, size_t i);
void	park_failed(struct park_dev *d, enum ctl_verify v);
enum park_offer
	park_offer(struct park_dev *d, int fd, enum ctl_verify v,
	    const char *addr, int port, const char *host_key, long long now,
	    int *old);
int	park_take(struct park_dev *d, long long uid, long long pid,
	    long long now);
int	park_gone(struct park_dev *d, long long now);
size_t	park_count(const struct park *pk, enum ctl_state st);
int	park_unknown_note(struct park *pk, const char *id, const char *addr,
	    enum ctl_reason reason, const char *host_key, long long now);

#endif
