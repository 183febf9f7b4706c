/*
 * Admission to the pending table: MaxStartups' random early drop and the
 * per-source bound, with the random source under the test's control, and
 * the per-source counter against a plain list.
 */
#include "config.h"

#include <string.h>

#include "admit.h"
#include "tap.h"

static uint32_t next_r, last_upper;
static int draws;

static uint32_t
fake_random(uint32_t upper)
{
	draws++;
	last_upper = upper;
	return next_r;
}

/* Of the 100 values the random source can give, how many drop? */
static int
drops(const struct admit *a, size_t pending)
{
	int n = 0;

	for (next_r = 0; next_r < 100; next_r++)
		if (admit_decide(a, pending, 0) == ADMIT_EARLY)
			n++;
	return n;
}

static void
parse(void)
{
	struct admit a;
	const char *why;

	memset(&a, 0, sizeof(a));
	ok(admit_parse("10:30:60", &a, &why) == 0 && a.start == 10 &&
	    a.rate == 30 && a.full == 60, "START:RATE:FULL");
	ok(admit_parse("64", &a, &why) == 0 && a.start == 64 &&
	    a.rate == 100 && a.full == 64, "N is N:100:N");
	ok(admit_parse("5:100:5", &a, &why) == 0, "START may equal FULL");
	ok(admit_parse("60:30:10", &a, &why) == -1, "START above FULL");
	is_str(why, "START is larger than FULL", "... says so");
	ok(admit_parse("10:0:60", &a, &why) == -1, "RATE 0");
	is_str(why, "RATE is not a percentage from 1 to 100", "... says so");
	ok(admit_parse("10:101:60", &a, &why) == -1, "RATE 101");
	ok(admit_parse("0", &a, &why) == -1, "FULL 0");
	is_str(why, "START and FULL are numbers from 1 to 65535", "... says so");
	ok(admit_parse("65536", &a, &why) == -1, "FULL over the bound");
	ok(admit_parse("65535", &a, &why) == 0, "FULL at the bound");
	ok(admit_parse("10:30", &a, &why) == -1, "two fields");
	is_str(why, "not START:RATE:FULL or a number", "... says so");
	ok(admit_parse("10:30:60:70", &a, &why) == -1, "four fields");
	ok(admit_parse("10::60", &a, &why) == -1, "an empty field");
	ok(admit_parse("+10", &a, &why) == -1, "a sign");
	ok(admit_parse(" 10", &a, &why) == -1, "a blank");
	ok(admit_parse("", &a, &why) == -1, "nothing");
	ok(admit_parse("10:30:60x", &a, &why) == -1, "trailing bytes");
}

static void
decide(void)
{
	struct admit a = { 10, 30, 60, 0, fake_random };
	size_t n;
	int grew = 1, prev = 0, d;

	draws = 0;
	is_int(admit_decide(&a, 0, 0), ADMIT_OK, "an empty table admits");
	is_int(admit_decide(&a, 9, 0), ADMIT_OK, "below START admits");
	is_int(draws, 0, "... without drawing a random number");

	is_int(drops(&a, 10), 30, "at START, RATE percent are dropped");
	is_int(last_upper, 100, "... drawn over [0, 100)");
	next_r = 29;
	is_int(admit_decide(&a, 10, 0), ADMIT_EARLY, "r = 29 < 30 drops");
	next_r = 30;
	is_int(admit_decide(&a, 10, 0), ADMIT_OK, "r = 30 admits");
	is_int(drops(&a, 35), 65, "half way to FULL, 65 percent");
	is_int(drops(&a, 59), 98, "just below FULL, 98 percent");
	for (n = 10; n < 60; n++) {
		d = drops(&a, n);
		if (d < prev)
			grew = 0;
		prev = d;
	}
	ok(grew, "the drop rate never falls as the table fills");

	draws = 0;
	next_r = 99;
	is_int(admit_decide(&a, 60, 0), ADMIT_FULL, "at FULL every caller "
	    "is dropped");
	is_int(admit_decide(&a, 1000, 0), ADMIT_FULL, "beyond FULL too");
	is_int(draws, 0, "... without drawing a random number");

	a.per_source = 3;
	is_int(admit_decide(&a, 0, 2), ADMIT_OK, "two from one address: "
	    "a third is admitted");
	is_int(admit_decide(&a, 0, 3), ADMIT_SOURCE, "three: a fourth is not");
	is_int(admit_decide(&a, 60, 3), ADMIT_FULL, "a full table says so "
	    "first");
	a.per_source = 0;
	is_int(admit_decide(&a, 0, 1000), ADMIT_OK, "PER-SOURCE 0: no bound");

	a = (struct admit){ 64, 100, 64, 0, fake_random };
	draws = 0;
	is_int(admit_decide(&a, 63, 0), ADMIT_OK, "N: below N admits");
	is_int(admit_decide(&a, 64, 0), ADMIT_FULL, "N: at N drops");
	is_int(draws, 0, "N: a hard bound, no random drop");

	/*
	 * The case of issue 10: FULL callers wait, one of them a device
	 * whose preamble is complete.  New callers are refused; none of the
	 * waiting ones is ever asked to leave, as no verdict can say so.
	 */
	a = (struct admit){ 48, 30, 64, 0, fake_random };
	for (n = 0, d = 0; n < 10000; n++) {
		next_r = (uint32_t)(n % 100);
		if (admit_decide(&a, 64, 0) != ADMIT_FULL)
			d++;
	}
	is_int(d, 0, "10000 newcomers at FULL: all of them dropped");

	is_str(admit_verdict_text(ADMIT_SOURCE),
	    "too many pending calls from its address", "verdicts read well");
}

/*
 * Random adds and removes against a plain count: with max sources in
 * 2 * max slots, probe runs wrap around and removals fall in the middle
 * of them; with more keys than max, adds are refused when it is full.
 */
static void
stress(size_t max, unsigned int nkeys, unsigned int seed)
{
	struct admit_sources s;
	unsigned int ref[64], i, k, bad = 0, used = 0, refused = 0;
	uint8_t key[4] = { 0, 0, 0, 0 };

	ok(admit_sources_init(&s, max, seed) == 0, "a table for %zu sources",
	    max);
	memset(ref, 0, sizeof(ref));
	for (i = 0; i < 200000; i++) {
		seed = seed * 1103515245 + 12345;
		k = (seed >> 16) % nkeys;
		key[3] = (uint8_t)k;
		if ((seed >> 8) & 1 || ref[k] == 0) {
			if (admit_sources_add(&s, key, 4) == 0)
				ref[k]++;
			else
				refused++;
		} else {
			admit_sources_remove(&s, key, 4);
			ref[k]--;
		}
		if (admit_sources_count(&s, key, 4) != ref[k])
			bad++;
		/* Keep counts small, so that sources come and go. */
		while (ref[k] > 8) {
			admit_sources_remove(&s, key, 4);
			ref[k]--;
		}
	}
	for (k = 0; k < nkeys; k++) {
		key[3] = (uint8_t)k;
		if (admit_sources_count(&s, key, 4) != ref[k])
			bad++;
		used += ref[k] > 0;
	}
	is_int(bad, 0, "200000 adds and removes agree with a plain count");
	is_int(s.used, used, "... and on how many sources have calls");
	ok(nkeys <= max ? refused == 0 : refused > 0,
	    "adds refused only when %zu sources have calls (%u)", max, refused);
	admit_sources_free(&s);
}

/* The counter against a plain array, over many adds and removes. */
static void
sources(void)
{
	struct admit_sources s;
	uint8_t v4[4] = { 192, 0, 2, 1 }, v6[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	uint8_t key[4];

	ok(admit_sources_init(&s, 4, 42) == 0, "a table for 4 sources");
	is_int(admit_sources_count(&s, v4, 4), 0, "an unseen source has 0");
	ok(admit_sources_add(&s, v4, 4) == 0 && admit_sources_add(&s, v4,
	    4) == 0, "two calls from one address");
	is_int(admit_sources_count(&s, v4, 4), 2, "... counted");
	is_int(admit_sources_count(&s, v4, 3), 0,
	    "a prefix of it is another source");
	is_int(admit_sources_count(&s, v6, 16), 0, "and IPv6 another");
	admit_sources_add(&s, v6, 16);
	key[0] = 1;
	admit_sources_add(&s, key, 1);
	key[0] = 2;
	admit_sources_add(&s, key, 1);
	is_int(s.used, 4, "four sources");
	key[0] = 3;
	is_int(admit_sources_add(&s, key, 1), -1, "a fifth does not fit");
	is_int(admit_sources_add(&s, v4, 4), 0, "a known one still counts up");
	admit_sources_remove(&s, v4, 4);
	admit_sources_remove(&s, v4, 4);
	admit_sources_remove(&s, v4, 4);
	is_int(admit_sources_count(&s, v4, 4), 0, "removed three times: 0");
	is_int(s.used, 3, "its slot is free");
	is_int(admit_sources_add(&s, key, 1), 0, "so a new source fits");
	admit_sources_remove(&s, v6, 17);
	ok(admit_sources_add(&s, v6, 17) == -1 &&
	    admit_sources_count(&s, v6, 17) == 0, "keys over 16 bytes: none");
	admit_sources_free(&s);

	stress(64, 64, 7);
	stress(8, 12, 9);
}

int
main(void)
{
	parse();
	decide();
	sources();
	return done_testing();
}
