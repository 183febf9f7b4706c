#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "park.h"

/* Verified by the device's own proof: an HMAC or a pinned host key. */
int
park_verified(enum ctl_verify v)
{
	return v == CTL_V_VERIFIED || v == CTL_V_SWAPPED || v == CTL_V_PINNED;
}

void
park_init(struct park *pk)
{
	memset(pk, 0, sizeof(*pk));
}

/* Every parked call is closed with closefd. */
void
park_free(struct park *pk, void (*closefd)(int))
{
	size_t i;

	for (i = 0; i < pk->n; i++)
		if (pk->dev[i].fd != -1)
			closefd(pk->dev[i].fd);
	free(pk->dev);
	free(pk->unk);
	memset(pk, 0, sizeof(*pk));
}

struct park_dev *
park_find(struct park *pk, const char *id)
{
	size_t i;

	for (i = 0; i < pk->n; i++)
		if (strcmp(pk->dev[i].id, id) == 0)
			return &pk->dev[i];
	return NULL;
}

/* A device that never called: absent, since "-".  NULL: out of memory. */
struct park_dev *
park_add(struct park *pk, const char *id)
{
	struct park_dev *d;
	size_t cap;

	if ((d = park_find(pk, id)) != NULL)
		return d;
	if (pk->n == pk->cap) {
		cap = pk->cap == 0 ? 16 : pk->cap * 2;
		if ((d = reallocarray(pk->dev, cap, sizeof(*d))) == NULL)
			return NULL;
		pk->dev = d;
		pk->cap = cap;
	}
	d = &pk->dev[pk->n++];
	memset(d, 0, sizeof(*d));
	strlcpy(d->id, id, sizeof(d->id));
	d->fd = -1;
	d->state = CTL_S_ABSENT;
	d->since = -1;
	d->verify = d->call_verify = CTL_V_NONE;
	d->taker_uid = d->taker_pid = -1;
	return d;
}

/* The device at i leaves the table; its call, if any, is the caller's. */
void
park_remove(struct park *pk, size_t i)
{
	if (i != pk->n - 1)
		pk->dev[i] = pk->dev[pk->n - 1];
	pk->n--;
}

/*
 * A call from d that passed the judge.  The newest call wins, except that
 * a call not verified by the device's own proof never displaces one that
 * was: anyone can claim a name, not everyone can prove it.
 */
enum park_offer
park_offer(struct park_dev *d, int fd, enum ctl_verify v, const char *addr,
    int port, const char *host_key, long long now, int *old)
{
	enum park_offer r = PARK_NEW;

	*old = -1;
	if (d->fd != -1) {
		if (park_verified(d->call_verify) && !park_verified(v))
			return PARK_REFUSED;
		*old = d->fd;
		r = PARK_REPLACED;
	}
	d->fd = fd;
	d->state = CTL_S_PARKED;
	d->since = now;
	strlcpy(d->addr, addr, sizeof(d->addr));
	d->port = port;
	d->verify = d->call_verify = v;
	d->calls++;
	d->taker_uid = d->taker_pid = -1;
	strlcpy(d->host_key, host_key, sizeof(d->host_key));
	return r;
}

/*
 * A call claiming to be d failed (v: wrong-hmac or wrong-key): the list
 * shows it, the parked call, if any, stays as it was.
 */
void
park_failed(struct park_dev *d, enum ctl_verify v)
{
	d->verify = v;
	d->calls++;
}

/* Hand the parked call over: its fd, now the taker's; -1 if none. */
int
park_take(struct park_dev *d, long long uid, long long pid, long long now)
{
	int fd = d->fd;

	if (fd == -1)
		return -1;
	d->fd = -1;
	d->state = CTL_S_TAKEN;
	d->since = now;
	d->taker_uid = uid;
	d->taker_pid = pid;
	return fd;
}

/* The parked call hung up: its fd, for the caller to close. */
int
park_gone(struct park_dev *d, long long now)
{
	int fd = d->fd;

	d->fd = -1;
	d->state = CTL_S_ABSENT;
	d->since = now;
	d->taker_uid = d->taker_pid = -1;
	return fd;
}

size_t
park_count(const struct park *pk, enum ctl_state st)
{
	size_t i, n = 0;

	for (i = 0; i < pk->n; i++)
		if (pk->dev[i].state == st)
			n++;
	return n;
}

/*
 * Record an unknown or failed caller, one record per id, address and
 * reason.  1 if it is to be logged: new, or last logged PARK_LOG_EVERY
 * seconds ago or more.  When the records are full, the one seen least
 * recently makes room.
 */
int
park_unknown_note(struct park *pk, const char *id, const char *addr,
    enum ctl_reason reason, const char *host_key, long long now)
{
	struct park_unknown *u = NULL;
	size_t i, old = 0;

	if (pk->unk == NULL &&
	    (pk->unk = calloc(PARK_UNKNOWN_MAX, sizeof(*pk->unk))) == NULL)
		return 1;
	for (i = 0; i < pk->nunk; i++) {
		u = &pk->unk[i];
		if (u->reason == reason && strcmp(u->id, id) == 0 &&
		    strcmp(u->addr, addr) == 0)
			break;
		if (u->last < pk->unk[old].last)
			old = i;
	}
	if (i == pk->nunk) {
		if (pk->nunk < PARK_UNKNOWN_MAX)
			u = &pk->unk[pk->nunk++];
		else
			u = &pk->unk[old];
		memset(u, 0, sizeof(*u));
		strlcpy(u->id, id, sizeof(u->id));
		strlcpy(u->addr, addr, sizeof(u->addr));
		u->reason = reason;
		u->first = now;
		u->logged = -1;
	}
	u->last = now;
	u->count++;
	strlcpy(u->host_key, host_key, sizeof(u->host_key));
	if (u->logged != -1 && now - u->logged < PARK_LOG_EVERY)
		return 0;
	u->logged = now;
	return 1;
}
