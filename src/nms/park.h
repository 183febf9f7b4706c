/*
 * ssh-callhomed's fleet: each known device with its parked call (at most
 * one), and the record of unknown or failed callers.  Pure: sockets are
 * only numbers here; the caller closes what these functions hand back.
 *
 * Devices are found by id through a hash index, and the number of
 * devices in each state is kept as they change, so that a call, a take
 * or a status line costs the same with 10 devices or 100,000.  Each
 * device is allocated on its own (a park_dev never moves while it is in
 * the table) and its strings at their real size.
 */
#ifndef PARK_H
#define PARK_H

#include <stddef.h>
#include <stdint.h>

#include "ctlproto.h"
#include "preamble.h"

#define PARK_UNKNOWN_MAX	1024	/* unknown-caller records kept */
#define PARK_LOG_EVERY		3600	/* s: one log line per caller+reason */

struct park_dev {
	int		 fd;		/* the parked call, or -1 */
	enum ctl_state	 state;
	long long	 since;		/* s since 1970; -1: never called */
	const char	*addr;		/* of its last call; "": never */
	int		 port;		/* the port it called; 0: never */
	enum ctl_verify	 verify;	/* of its last call, failed ones too */
	enum ctl_verify	 call_verify;	/* of the parked (or taken) call */
	long long	 calls;
	long long	 taker_uid, taker_pid;
	const char	*host_key;	/* of the parked (or taken) call */
	char		*strs;		/* addr and host_key point in here */
	size_t		 at;		/* its place in park.dev */
	uint32_t	 hash;		/* of id */
	char		 id[];		/* the DEVICE-ID, at its length */
};

struct park_unknown {
	char		 id[PREAMBLE_ID_MAX + 1];	/* "": none read */
	char		 addr[CTL_ADDR_MAX + 1];
	enum ctl_reason	 reason;
	long long	 first, last, count;
	long long	 logged;		/* s; last logged */
	char		*host_key;		/* NULL: none */
};

struct park {
	struct park_dev	**dev;		/* in the order added; dev[i]->at == i */
	size_t		  n, cap;
	struct park_dev	**slot;		/* the index by id; at most half full */
	size_t		  mask;		/* slots - 1 (slots: a power of two) */
	uint64_t	  seed;		/* of the index's hash */
	size_t		  count[CTL_S_ABSENT + 1];	/* devices per state */
	struct park_unknown *unk;
	size_t		  nunk;
	/*
	 * Told of every socket that becomes a device's parked call, and of
	 * every one that stops being one (taken, hung up, replaced, its
	 * device removed), before it is handed back: the daemon watches
	 * exactly the parked sockets for a hang-up.  Both may be NULL.
	 */
	void		(*watch)(void *arg, int fd, struct park_dev *d);
	void		(*unwatch)(void *arg, int fd);
	void		 *hook_arg;
};

/* What a new call does to the parked one. */
enum park_offer {
	PARK_NEW,		/* parked; nothing was parked */
	PARK_REPLACED,		/* parked; *old is the call it replaced */
	PARK_REFUSED,		/* an unverified call, a verified one parked */
	PARK_NOMEM		/* not parked: out of memory */
};

int	park_verified(enum ctl_verify v);
void	park_init(struct park *pk, uint64_t seed);
void	park_free(struct park *pk, void (*closefd)(int));
struct park_dev *
	park_find(const struct park *pk, const char *id);
struct park_dev *
	park_add(struct park *pk, const char *id);
int	park_remove(struct park *pk, struct park_dev *d);
void	park_failed(struct park_dev *d, enum ctl_verify v);
enum park_offer
	park_offer(struct park *pk, struct park_dev *d, int fd,
	    enum ctl_verify v, const char *addr, int port,
	    const char *host_key, long long now, int *old);
int	park_take(struct park *pk, struct park_dev *d, long long uid,
	    long long pid, long long now);
int	park_gone(struct park *pk, struct park_dev *d, long long now);
size_t	park_count(const struct park *pk, enum ctl_state st);
int	park_unknown_note(struct park *pk, const char *id, const char *addr,
	    enum ctl_reason reason, const char *host_key, long long now);

#endif
