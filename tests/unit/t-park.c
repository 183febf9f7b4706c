/*
 * The parked-call table: the newest verified call wins, an unverified
 * call never displaces a verified one, take and hang-up, and unknown
 * callers logged once per caller and reason an hour.  The index by id,
 * the counts per state and the watch hooks are checked against a plain
 * model through thousands of random steps.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "park.h"
#include "tap.h"

static int closed;

static void
count_close(int fd)
{
	(void)fd;
	closed++;
}

static void
offers(void)
{
	struct park pk;
	struct park_dev *d;
	int old;

	park_init(&pk, 1);
	d = park_add(&pk, "rtr-1");
	ok(d != NULL && d->state == CTL_S_ABSENT && d->since == -1,
	    "a new device is absent and never called");
	ok(park_offer(&pk, d, 10, CTL_V_VERIFIED, "192.0.2.1", 4334, "k", 100,
	    &old) == PARK_NEW && old == -1 && d->fd == 10 &&
	    d->state == CTL_S_PARKED && d->calls == 1, "first call parked");
	ok(park_offer(&pk, d, 11, CTL_V_ABSENT, "192.0.2.9", 4334, "", 101,
	    &old) == PARK_REFUSED && d->fd == 10 && d->calls == 1,
	    "an unverified call does not displace a verified one");
	ok(park_offer(&pk, d, 12, CTL_V_UNCHECKED, "192.0.2.9", 4334, "", 101,
	    &old) == PARK_REFUSED && d->fd == 10,
	    "nor does an unchecked one");
	park_failed(d, CTL_V_WRONG_HMAC);
	ok(d->verify == CTL_V_WRONG_HMAC && d->call_verify == CTL_V_VERIFIED &&
	    d->fd == 10 && d->calls == 2, "a failed call is listed, the "
	    "parked one stays");
	ok(park_offer(&pk, d, 11, CTL_V_ABSENT, "192.0.2.9", 4334, "", 101,
	    &old) == PARK_REFUSED && d->fd == 10,
	    "... and still cannot be displaced by an unverified call");
	ok(park_offer(&pk, d, 13, CTL_V_PINNED, "192.0.2.2", 4334, "k", 102,
	    &old) == PARK_REPLACED && old == 10 && d->fd == 13 &&
	    d->since == 102 && d->calls == 3 && strcmp(d->addr,
	    "192.0.2.2") == 0, "a newer verified call replaces the parked one");
	ok(park_take(&pk, d, 0, 42, 103) == 13 && d->fd == -1 &&
	    d->state == CTL_S_TAKEN && d->taker_pid == 42,
	    "take hands the call over and records the taker");
	ok(park_take(&pk, d, 0, 43, 104) == -1, "nothing left to take");
	ok(park_offer(&pk, d, 14, CTL_V_ABSENT, "192.0.2.3", 4334, "", 105,
	    &old) == PARK_NEW && d->fd == 14, "nothing parked: an unverified "
	    "call is parked");
	ok(park_offer(&pk, d, 15, CTL_V_ABSENT, "192.0.2.3", 4334, "", 106,
	    &old) == PARK_REPLACED && old == 14, "an unverified call "
	    "replaces an unverified one");
	ok(park_count(&pk, CTL_S_PARKED) == 1, "one parked");
	ok(park_gone(&pk, d, 107) == 15 && d->state == CTL_S_ABSENT &&
	    d->since == 107 && d->fd == -1, "hang-up: absent since then");
	park_offer(&pk, d, 16, CTL_V_VERIFIED, "192.0.2.3", 4334, "", 108, &old);
	ok(park_add(&pk, "rtr-1") == d && pk.n == 1, "add finds an existing "
	    "device");
	park_add(&pk, "rtr-2");
	closed = 0;
	park_free(&pk, count_close);
	ok(closed == 1, "free closes the parked calls only");
}

static void
unknowns(void)
{
	struct park pk;
	int i, logged = 0;

	park_init(&pk, 1);
	ok(park_unknown_note(&pk, "x", "192.0.2.1", CTL_R_UNLISTED, "", 1000)
	    == 1, "a new unknown caller is logged");
	for (i = 1; i < 100; i++)
		logged += park_unknown_note(&pk, "x", "192.0.2.1",
		    CTL_R_UNLISTED, "", 1000 + i);
	ok(logged == 0 && pk.nunk == 1 && pk.unk[0].count == 100 &&
	    pk.unk[0].first == 1000 && pk.unk[0].last == 1099,
	    "the same caller and reason: counted, not logged again");
	ok(park_unknown_note(&pk, "x", "192.0.2.1", CTL_R_WRONG_HMAC, "",
	    1100) == 1 && pk.nunk == 2, "another reason is another record");
	ok(park_unknown_note(&pk, "x", "192.0.2.1", CTL_R_UNLISTED, "",
	    1000 + PARK_LOG_EVERY) == 1, "logged again after an hour");
	for (i = 0; i < PARK_UNKNOWN_MAX + 10; i++) {
		char id[16];

		snprintf(id, sizeof(id), "n%d", i);
		park_unknown_note(&pk, id, "192.0.2.2", CTL_R_UNLISTED, "",
		    5000 + i);
	}
	ok(pk.nunk == PARK_UNKNOWN_MAX, "the records are bounded");
	park_free(&pk, count_close);
}

/* Strings at their own size: a 4 KiB host key is not paid by everyone. */
static void
strings(void)
{
	static char big[PREAMBLE_KEY_MAX + 1];
	struct park pk;
	struct park_dev *d;
	int old;

	ok(sizeof(struct park_dev) <= 256, "a device's fixed part is small "
	    "(%zu bytes)", sizeof(struct park_dev));
	park_init(&pk, 7);
	d = park_add(&pk, "a-rather-long-device-name-0123456789");
	ok(d != NULL && strcmp(d->id, "a-rather-long-device-name-0123456789")
	    == 0 && strcmp(d->addr, "") == 0 && strcmp(d->host_key, "") == 0,
	    "a new device: its id, no address, no key");
	memset(big, 'A', sizeof(big) - 1);
	memcpy(big, "ssh-rsa ", 8);
	ok(park_offer(&pk, d, 3, CTL_V_VERIFIED, "2001:db8::1", 4334, big, 1,
	    &old) == PARK_NEW && strcmp(d->host_key, big) == 0 &&
	    strcmp(d->addr, "2001:db8::1") == 0, "a 4 KiB key is kept whole");
	ok(park_offer(&pk, d, 4, CTL_V_VERIFIED, "192.0.2.1", 4335,
	    "ssh-ed25519 AAAA", 2, &old) == PARK_REPLACED && old == 3 &&
	    strcmp(d->host_key, "ssh-ed25519 AAAA") == 0 &&
	    strcmp(d->addr, "192.0.2.1") == 0 && d->port == 4335,
	    "a new call's strings replace the old ones");
	ok(park_unknown_note(&pk, "x", "192.0.2.5", CTL_R_WRONG_KEY, big, 3)
	    == 1 && strcmp(pk.unk[0].host_key, big) == 0 &&
	    park_unknown_note(&pk, "x", "192.0.2.5", CTL_R_WRONG_KEY, "k", 4)
	    == 0 && strcmp(pk.unk[0].host_key, "k") == 0,
	    "an unknown caller's key is its last one, at its size");
	park_free(&pk, count_close);
}

/*
 * The model: for device j of NDEV, whether it is in the table, its state
 * and its parked fd; which fds the hooks say are watched.
 */
#define NDEV	3000
#define NSTEP	60000

static struct {
	int		 in;
	enum ctl_state	 state;
	int		 fd;
} model[NDEV];
static unsigned char watched[NDEV + 64];
static int watch_calls, watch_bad;

static void
on_watch(void *arg, int fd, struct park_dev *d)
{
	(void)arg;
	if (fd < 0 || fd >= (int)sizeof(watched) || watched[fd] ||
	    d == NULL || d->fd != fd)
		watch_bad++;
	else
		watched[fd] = 1;
	watch_calls++;
}

static void
on_unwatch(void *arg, int fd)
{
	(void)arg;
	if (fd < 0 || fd >= (int)sizeof(watched) || !watched[fd])
		watch_bad++;
	else
		watched[fd] = 0;
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t
rnd(uint32_t upper)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % upper);
}

static void
id_of(size_t j, char *id, size_t idsz)
{
	/* Ids alike but for a few bytes: their hashes must tell them apart. */
	snprintf(id, idsz, "rtr-%zu%s", j, j % 3 == 0 ? "-core" : "");
}

/* Every device of the model found, or not, and the counts right. */
static int
model_agrees(const struct park *pk, char *what, size_t whatsz)
{
	size_t j, count[CTL_S_ABSENT + 1] = { 0 }, in = 0;
	struct park_dev *d;
	char id[32];
	int fd;

	for (j = 0; j < NDEV; j++) {
		id_of(j, id, sizeof(id));
		d = park_find(pk, id);
		if (!model[j].in) {
			if (d != NULL) {
				snprintf(what, whatsz, "%s found, removed",
				    id);
				return 0;
			}
			continue;
		}
		in++;
		count[model[j].state]++;
		if (d == NULL || strcmp(d->id, id) != 0 ||
		    d->state != model[j].state || d->fd != model[j].fd ||
		    pk->dev[d->at] != d) {
			snprintf(what, whatsz, "%s: %s", id, d == NULL ?
			    "not found" : "wrong entry");
			return 0;
		}
	}
	if (pk->n != in) {
		snprintf(what, whatsz, "%zu devices, the model has %zu", pk->n,
		    in);
		return 0;
	}
	for (j = 0; j <= CTL_S_ABSENT; j++)
		if (park_count(pk, j) != count[j]) {
			snprintf(what, whatsz, "%zu in state %zu, the model "
			    "has %zu", park_count(pk, j), j, count[j]);
			return 0;
		}
	for (fd = 0; fd < (int)sizeof(watched); fd++) {
		int parked = fd >= 64 && model[fd - 64].in &&
		    model[fd - 64].fd == fd;

		if (watched[fd] != parked) {
			snprintf(what, whatsz, "fd %d %swatched", fd,
			    watched[fd] ? "" : "not ");
			return 0;
		}
	}
	return 1;
}

static void
index_and_counts(void)
{
	struct park pk;
	struct park_dev *d, *first;
	char id[32], what[128] = "";
	size_t j, step, checks = 0;
	int old, fd, good = 1, cmp_fail = 0;

	park_init(&pk, 0x5eed);
	pk.watch = on_watch;
	pk.unwatch = on_unwatch;
	ok(park_find(&pk, "rtr-1") == NULL, "an empty table finds nothing");
	id_of(0, id, sizeof(id));
	first = park_add(&pk, id);
	model[0].in = 1;
	model[0].state = CTL_S_ABSENT;
	model[0].fd = -1;
	for (j = 1; j < NDEV; j++) {
		id_of(j, id, sizeof(id));
		if (park_add(&pk, id) == NULL)
			break;
		model[j].in = 1;
		model[j].state = CTL_S_ABSENT;
		model[j].fd = -1;
	}
	id_of(0, id, sizeof(id));
	ok(park_find(&pk, id) == first && pk.n == NDEV,
	    "%d devices added; the first one has not moved", NDEV);
	good = model_agrees(&pk, what, sizeof(what));
	ok(good, "every one found, the counts right%s%s",
	    what[0] != '\0' ? ": " : "", what);
	ok(park_find(&pk, "rtr-") == NULL && park_find(&pk, "rtr-00") ==
	    NULL && park_find(&pk, "rtr-3") == NULL && park_find(&pk,
	    "rtr-3-core") != NULL, "ids not added are not found");

	/* Device j's call is always fd 64 + j: each device one fd. */
	for (step = 0; step < NSTEP && good; step++) {
		j = rnd(NDEV);
		id_of(j, id, sizeof(id));
		d = park_find(&pk, id);
		fd = 64 + (int)j;
		switch (rnd(6)) {
		case 0:		/* a verified call */
			if (!model[j].in)
				break;
			if (park_offer(&pk, d, fd, CTL_V_VERIFIED, "192.0.2.1",
			    4334, "k", (long long)step, &old) == PARK_NOMEM)
				break;
			if (old != model[j].fd && !(old == -1 &&
			    model[j].fd == -1))
				cmp_fail++;
			/* The same fd again: it was unwatched, then watched. */
			model[j].state = CTL_S_PARKED;
			model[j].fd = fd;
			break;
		case 1:		/* a take */
			if (!model[j].in)
				break;
			if (park_take(&pk, d, 0, 1, (long long)step) !=
			    model[j].fd)
				cmp_fail++;
			if (model[j].fd != -1) {
				model[j].state = CTL_S_TAKEN;
				model[j].fd = -1;
			}
			break;
		case 2:		/* a hang-up */
			if (!model[j].in || model[j].fd == -1)
				break;
			if (park_gone(&pk, d, (long long)step) != fd)
				cmp_fail++;
			model[j].state = CTL_S_ABSENT;
			model[j].fd = -1;
			break;
		case 3:		/* out of the registry */
		case 4:
			if (!model[j].in)
				break;
			if (park_remove(&pk, d) != model[j].fd)
				cmp_fail++;
			model[j].in = 0;
			break;
		case 5:		/* into it again */
			if (model[j].in)
				break;
			if ((d = park_add(&pk, id)) == NULL)
				break;
			model[j].in = 1;
			model[j].state = CTL_S_ABSENT;
			model[j].fd = -1;
			break;
		}
		if (step % 97 == 0 || step == NSTEP - 1) {
			checks++;
			good = model_agrees(&pk, what, sizeof(what)) &&
			    cmp_fail == 0 && watch_bad == 0;
		}
	}
	ok(good, "%zu random offers, takes, hang-ups, removals and adds: "
	    "the index, the counts and the watched fds agree with the model "
	    "(%zu checks)%s%s", step, checks, what[0] != '\0' ? ": " : "",
	    what);
	ok(cmp_fail == 0 && watch_bad == 0 && watch_calls > 0,
	    "the fds handed back and the hooks' calls were the right ones "
	    "(%d wrong, %d bad hook calls)", cmp_fail, watch_bad);
	closed = 0;
	park_free(&pk, count_close);
	for (fd = 0, j = 0; fd < (int)sizeof(watched); fd++)
		j += watched[fd];
	ok(j == 0, "free unwatches every parked call (%zu left)", j);
}

int
main(void)
{
	offers();
	unknowns();
	strings();
	index_and_counts();
	return done_testing();
}
