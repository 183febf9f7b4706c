#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "park.h"

#define PARK_SLOTS_MIN	16

static const char none[] = "";

/* Verified by the device's own proof: an HMAC or a pinned host key. */
int
park_verified(enum ctl_verify v)
{
	return v == CTL_V_VERIFIED || v == CTL_V_SWAPPED || v == CTL_V_PINNED;
}

/* seed: random, so that callers cannot pick ids that share a slot. */
void
park_init(struct park *pk, uint64_t seed)
{
	memset(pk, 0, sizeof(*pk));
	pk->seed = seed;
}

static void
dev_free(struct park_dev *d)
{
	free(d->strs);
	free(d);
}

/* Every parked call is closed with closefd. */
void
park_free(struct park *pk, void (*closefd)(int))
{
	size_t i;

	for (i = 0; i < pk->n; i++) {
		if (pk->dev[i]->fd != -1) {
			if (pk->unwatch != NULL)
				pk->unwatch(pk->hook_arg, pk->dev[i]->fd);
			closefd(pk->dev[i]->fd);
		}
		dev_free(pk->dev[i]);
	}
	for (i = 0; i < pk->nunk; i++)
		free(pk->unk[i].host_key);
	free(pk->dev);
	free(pk->slot);
	free(pk->unk);
	memset(pk, 0, sizeof(*pk));
}

/* The slot that holds id, or the free slot where it would go. */
static size_t
slot_of(const struct park *pk, const char *id, uint32_t h)
{
	size_t i = h & pk->mask;

	while (pk->slot[i] != NULL && (pk->slot[i]->hash != h ||
	    strcmp(pk->slot[i]->id, id) != 0))
		i = (i + 1) & pk->mask;
	return i;
}

struct park_dev *
park_find(const struct park *pk, const char *id)
{
	if (pk->n == 0)
		return NULL;
	return pk->slot[slot_of(pk, id, hash_seeded(pk->seed, id,
	    strlen(id)))];
}

/* Room for one more device in the index, kept at most half full. */
static int
index_grow(struct park *pk)
{
	struct park_dev **slot;
	size_t n, i, j, mask;

	n = pk->slot == NULL ? PARK_SLOTS_MIN : pk->mask + 1;
	while (n < 2 * (pk->n + 1))
		n *= 2;
	if (pk->slot != NULL && n == pk->mask + 1)
		return 0;
	if ((slot = calloc(n, sizeof(*slot))) == NULL)
		return -1;
	mask = n - 1;
	for (i = 0; i < pk->n; i++) {
		for (j = pk->dev[i]->hash & mask; slot[j] != NULL; )
			j = (j + 1) & mask;
		slot[j] = pk->dev[i];
	}
	free(pk->slot);
	pk->slot = slot;
	pk->mask = mask;
	return 0;
}

/* A device that never called: absent, since "-".  NULL: out of memory. */
struct park_dev *
park_add(struct park *pk, const char *id)
{
	struct park_dev *d, **dev;
	size_t len = strlen(id), cap;
	uint32_t h;

	if ((d = park_find(pk, id)) != NULL)
		return d;
	if (pk->n == pk->cap) {
		cap = pk->cap == 0 ? 16 : pk->cap * 2;
		if ((dev = reallocarray(pk->dev, cap, sizeof(*dev))) == NULL)
			return NULL;
		pk->dev = dev;
		pk->cap = cap;
	}
	if (index_grow(pk) == -1 ||
	    (d = calloc(1, sizeof(*d) + len + 1)) == NULL)
		return NULL;
	memcpy(d->id, id, len + 1);
	d->fd = -1;
	d->state = CTL_S_ABSENT;
	d->since = -1;
	d->addr = d->host_key = none;
	d->verify = d->call_verify = CTL_V_NONE;
	d->taker_uid = d->taker_pid = -1;
	d->hash = h = hash_seeded(pk->seed, id, len);
	d->at = pk->n;
	pk->slot[slot_of(pk, id, h)] = d;
	pk->dev[pk->n++] = d;
	pk->count[CTL_S_ABSENT]++;
	return d;
}

/*
 * d out of the index.  The slot freed is filled from further along its
 * probe run, so that lookups never need tombstones.
 */
static void
index_remove(struct park *pk, const struct park_dev *d)
{
	size_t i = slot_of(pk, d->id, d->hash), j, home;

	pk->slot[i] = NULL;
	for (j = i;;) {
		j = (j + 1) & pk->mask;
		if (pk->slot[j] == NULL)
			return;
		home = pk->slot[j]->hash & pk->mask;
		/* Stays if its home lies cyclically in (i, j]. */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		pk->slot[i] = pk->slot[j];
		pk->slot[j] = NULL;
		i = j;
	}
}

/* The parked call, if any, leaves the table: its fd, or -1. */
static int
unpark(struct park *pk, struct park_dev *d)
{
	int fd = d->fd;

	if (fd != -1 && pk->unwatch != NULL)
		pk->unwatch(pk->hook_arg, fd);
	d->fd = -1;
	return fd;
}

static void
set_state(struct park *pk, struct park_dev *d, enum ctl_state st)
{
	pk->count[d->state]--;
	pk->count[st]++;
	d->state = st;
}

/*
 * d leaves the table and is freed; the last device takes its place in
 * the list.  Its parked call, if any, is returned, the caller's to close.
 */
int
park_remove(struct park *pk, struct park_dev *d)
{
	int fd = unpark(pk, d);
	size_t at = d->at;

	index_remove(pk, d);
	pk->count[d->state]--;
	if (at != pk->n - 1) {
		pk->dev[at] = pk->dev[pk->n - 1];
		pk->dev[at]->at = at;
	}
	pk->n--;
	dev_free(d);
	return fd;
}

/*
 * A call from d that passed the judge.  The newest call wins, except that
 * a call not verified by the device's own proof never displaces one that
 * was: anyone can claim a name, not everyone can prove it.
 */
enum park_offer
park_offer(struct park *pk, struct park_dev *d, int fd, enum ctl_verify v,
    const char *addr, int port, const char *host_key, long long now,
    int *old)
{
	enum park_offer r = PARK_NEW;
	size_t alen = strlen(addr), klen = strlen(host_key);
	char *s;

	*old = -1;
	if (d->fd != -1) {
		if (park_verified(d->call_verify) && !park_verified(v))
			return PARK_REFUSED;
		r = PARK_REPLACED;
	}
	/* "ADDR\0HOST-KEY\0": one allocation, at the strings' own size. */
	if ((s = malloc(alen + klen + 2)) == NULL)
		return PARK_NOMEM;
	memcpy(s, addr, alen + 1);
	memcpy(s + alen + 1, host_key, klen + 1);
	free(d->strs);
	d->strs = s;
	d->addr = s;
	d->host_key = s + alen + 1;
	*old = unpark(pk, d);
	d->fd = fd;
	set_state(pk, d, CTL_S_PARKED);
	d->since = now;
	d->port = port;
	d->verify = d->call_verify = v;
	d->calls++;
	d->taker_uid = d->taker_pid = -1;
	if (pk->watch != NULL)
		pk->watch(pk->hook_arg, fd, d);
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
park_take(struct park *pk, struct park_dev *d, long long uid, long long pid,
    long long now)
{
	int fd;

	if (d->fd == -1)
		return -1;
	fd = unpark(pk, d);
	set_state(pk, d, CTL_S_TAKEN);
	d->since = now;
	d->taker_uid = uid;
	d->taker_pid = pid;
	return fd;
}

/* The parked call hung up: its fd, for the caller to close. */
int
park_gone(struct park *pk, struct park_dev *d, long long now)
{
	int fd = unpark(pk, d);

	set_state(pk, d, CTL_S_ABSENT);
	d->since = now;
	d->taker_uid = d->taker_pid = -1;
	return fd;
}

size_t
park_count(const struct park *pk, enum ctl_state st)
{
	return pk->count[st];
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
	char *k;

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
		free(u->host_key);
		memset(u, 0, sizeof(*u));
		strlcpy(u->id, id, sizeof(u->id));
		strlcpy(u->addr, addr, sizeof(u->addr));
		u->reason = reason;
		u->first = now;
		u->logged = -1;
	}
	u->last = now;
	u->count++;
	/* Out of memory: the key is left as it was, the count still goes up. */
	if (u->host_key == NULL || strcmp(u->host_key, host_key) != 0) {
		if ((k = strdup(host_key)) != NULL) {
			free(u->host_key);
			u->host_key = k;
		}
	}
	if (u->logged != -1 && now - u->logged < PARK_LOG_EVERY)
		return 0;
	u->logged = now;
	return 1;
}
