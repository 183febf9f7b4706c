/*
 * The parked-call table: the newest verified call wins, an unverified
 * call never displaces a verified one, take and hang-up, and unknown
 * callers logged once per caller and reason an hour.
 */
#include "config.h"

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

	park_init(&pk);
	d = park_add(&pk, "rtr-1");
	ok(d != NULL && d->state == CTL_S_ABSENT && d->since == -1,
	    "a new device is absent and never called");
	ok(park_offer(d, 10, CTL_V_VERIFIED, "192.0.2.1", 4334, "k", 100,
	    &old) == PARK_NEW && old == -1 && d->fd == 10 &&
	    d->state == CTL_S_PARKED && d->calls == 1, "first call parked");
	ok(park_offer(d, 11, CTL_V_ABSENT, "192.0.2.9", 4334, "", 101,
	    &old) == PARK_REFUSED && d->fd == 10 && d->calls == 1,
	    "an unverified call does not displace a verified one");
	ok(park_offer(d, 12, CTL_V_UNCHECKED, "192.0.2.9", 4334, "", 101,
	    &old) == PARK_REFUSED && d->fd == 10,
	    "nor does an unchecked one");
	park_failed(d, CTL_V_WRONG_HMAC);
	ok(d->verify == CTL_V_WRONG_HMAC && d->call_verify == CTL_V_VERIFIED &&
	    d->fd == 10 && d->calls == 2, "a failed call is listed, the "
	    "parked one stays");
	ok(park_offer(d, 11, CTL_V_ABSENT, "192.0.2.9", 4334, "", 101,
	    &old) == PARK_REFUSED && d->fd == 10,
	    "... and still cannot be displaced by an unverified call");
	ok(park_offer(d, 13, CTL_V_PINNED, "192.0.2.2", 4334, "k", 102,
	    &old) == PARK_REPLACED && old == 10 && d->fd == 13 &&
	    d->since == 102 && d->calls == 3 && strcmp(d->addr,
	    "192.0.2.2") == 0, "a newer verified call replaces the parked one");
	ok(park_take(d, 0, 42, 103) == 13 && d->fd == -1 &&
	    d->state == CTL_S_TAKEN && d->taker_pid == 42,
	    "take hands the call over and records the taker");
	ok(park_take(d, 0, 43, 104) == -1, "nothing left to take");
	ok(park_offer(d, 14, CTL_V_ABSENT, "192.0.2.3", 4334, "", 105,
	    &old) == PARK_NEW && d->fd == 14, "nothing parked: an unverified "
	    "call is parked");
	ok(park_offer(d, 15, CTL_V_ABSENT, "192.0.2.3", 4334, "", 106,
	    &old) == PARK_REPLACED && old == 14, "an unverified call "
	    "replaces an unverified one");
	ok(park_count(&pk, CTL_S_PARKED) == 1, "one parked");
	ok(park_gone(d, 107) == 15 && d->state == CTL_S_ABSENT &&
	    d->since == 107 && d->fd == -1, "hang-up: absent since then");
	park_offer(d, 16, CTL_V_VERIFIED, "192.0.2.3", 4334, "", 108, &old);
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

	park_init(&pk);
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

int
main(void)
{
	offers();
	unknowns();
	return done_testing();
}
