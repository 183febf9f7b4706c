#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "admit.h"
#include "hash.h"

/* "START:RATE:FULL" or "N", with the bounds sshd_config(5) gives them. */
int
admit_parse(const char *arg, struct admit *a, const char **why)
{
	char buf[64], *p = buf, *f[3];
	const char *errstr;
	long long v[3];
	size_t n = 0, i;

	if (strlcpy(buf, arg, sizeof(buf)) >= sizeof(buf))
		goto form;
	while (n < 3 && (f[n] = strsep(&p, ":")) != NULL)
		n++;
	if (p != NULL || (n != 1 && n != 3))
		goto form;
	for (i = 0; i < n; i++) {
		/* strtonum would take a sign or blanks before the digits. */
		if (f[i][0] < '0' || f[i][0] > '9')
			goto form;
		v[i] = strtonum(f[i], 1, i == 1 ? 100 : ADMIT_MAX, &errstr);
		if (errstr != NULL) {
			*why = i == 1 ? "RATE is not a percentage from 1 to "
			    "100" : "START and FULL are numbers from 1 to 65535";
			return -1;
		}
	}
	if (n == 1) {
		v[2] = v[0];
		v[1] = 100;
	}
	if (v[0] > v[2]) {
		*why = "START is larger than FULL";
		return -1;
	}
	a->start = (unsigned int)v[0];
	a->rate = (unsigned int)v[1];
	a->full = (unsigned int)v[2];
	return 0;
form:
	*why = "not START:RATE:FULL or a number";
	return -1;
}

/*
 * A new caller, while pending calls wait and from_source of them come
 * from its address: admit it, or drop it and say why.  The random source
 * is drawn from only between START and FULL.
 */
enum admit_verdict
admit_decide(const struct admit *a, size_t pending, size_t from_source)
{
	unsigned int p;

	if (pending >= a->full)
		return ADMIT_FULL;
	if (a->per_source > 0 && from_source >= a->per_source)
		return ADMIT_SOURCE;
	if (pending < a->start)
		return ADMIT_OK;
	/* RATE percent at START, rising linearly to 100 at FULL. */
	p = a->rate + (100 - a->rate) * (unsigned int)(pending - a->start) /
	    (a->full - a->start);
	return a->random(100) < p ? ADMIT_EARLY : ADMIT_OK;
}

const char *
admit_verdict_text(enum admit_verdict v)
{
	switch (v) {
	case ADMIT_FULL:
		return "the pending table is full";
	case ADMIT_SOURCE:
		return "too many pending calls from its address";
	case ADMIT_EARLY:
		return "random early drop, the pending table is filling up";
	case ADMIT_OK:
		break;
	}
	return "admitted";
}

int
admit_sources_init(struct admit_sources *s, size_t max, uint64_t seed)
{
	size_t slots = 8;

	memset(s, 0, sizeof(*s));
	/* At most half full, so that probes stay short. */
	while (slots < 2 * max)
		slots *= 2;
	if ((s->slot = calloc(slots, sizeof(*s->slot))) == NULL)
		return -1;
	s->mask = slots - 1;
	s->max = max;
	s->seed = seed;
	return 0;
}

/* The slot that holds key, or the free slot where it would go. */
static size_t
source_find(const struct admit_sources *s, const uint8_t *key, size_t len,
    uint32_t h)
{
	size_t i = h & s->mask;

	while (s->slot[i].count != 0 && (s->slot[i].hash != h ||
	    s->slot[i].len != len || memcmp(s->slot[i].key, key, len) != 0))
		i = (i + 1) & s->mask;
	return i;
}

size_t
admit_sources_count(const struct admit_sources *s, const void *key,
    size_t len)
{
	if (len > ADMIT_KEY_MAX)
		return 0;
	return s->slot[source_find(s, key, len, hash_seeded(s->seed, key,
	    len))].count;
}

/* One more pending call from key; -1 if max sources already have one. */
int
admit_sources_add(struct admit_sources *s, const void *key, size_t len)
{
	uint32_t h;
	size_t i;

	if (len > ADMIT_KEY_MAX)
		return -1;
	h = hash_seeded(s->seed, key, len);
	i = source_find(s, key, len, h);
	if (s->slot[i].count == 0) {
		if (s->used == s->max)
			return -1;
		memset(&s->slot[i], 0, sizeof(s->slot[i]));
		memcpy(s->slot[i].key, key, len);
		s->slot[i].len = (uint8_t)len;
		s->slot[i].hash = h;
		s->used++;
	}
	s->slot[i].count++;
	return 0;
}

/*
 * One pending call fewer from key.  A slot freed is filled from further
 * along its probe run, so that lookups never need tombstones.
 */
void
admit_sources_remove(struct admit_sources *s, const void *key, size_t len)
{
	size_t i, j, home;

	if (len > ADMIT_KEY_MAX)
		return;
	i = source_find(s, key, len, hash_seeded(s->seed, key, len));
	if (s->slot[i].count == 0 || --s->slot[i].count > 0)
		return;
	s->used--;
	for (j = i;;) {
		j = (j + 1) & s->mask;
		if (s->slot[j].count == 0)
			return;
		home = s->slot[j].hash & s->mask;
		/* Stays if its home lies cyclically in (i, j]. */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		s->slot[i] = s->slot[j];
		s->slot[j].count = 0;
		i = j;
	}
}

void
admit_sources_free(struct admit_sources *s)
{
	free(s->slot);
	memset(s, 0, sizeof(*s));
}
