/*
 * The known_hosts edit, over any old file.  Refused: the line it names
 * holds the name and is not ours.  Edited: no line held the name but ours,
 * exactly one line for the device afterwards, every other line kept byte
 * for byte and in order, no line removed that lacks our comment, and
 * editing again changes nothing.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "knownhosts.h"

static const char name[] = "rtr-17";
static const char key[] =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBk2m1cOHmMCxGxh8OYtPZ0hCqpCdUhrEG1kq9hbPSkH";

/* Line by line: the start, the length without '\n', the next offset. */
static int
next_line(const char *buf, size_t len, size_t *off, const char **l,
    size_t *llen)
{
	const char *nl;

	if (*off >= len)
		return 0;
	*l = buf + *off;
	nl = memchr(*l, '\n', len - *off);
	*llen = nl != NULL ? (size_t)(nl - *l) : len - *off;
	*off += *llen + 1;
	return 1;
}

static int
is_line(const char *l, size_t llen, const char *want)
{
	return llen == strlen(want) && memcmp(l, want, llen) == 0;
}

/* Every line of old that is not ours is in out, in order; one new line. */
static void
check_kept(const char *old, size_t oldlen, const char *out, size_t outlen)
{
	char ours[sizeof(name) + sizeof(key) + sizeof(KNOWNHOSTS_MARK)];
	const char *a, *b;
	size_t ao = 0, bo = 0, alen, blen;
	int placed = 0;

	snprintf(ours, sizeof(ours), "%s %s %s", name, key, KNOWNHOSTS_MARK);
	while (next_line(old, oldlen, &ao, &a, &alen)) {
		FUZZ_ASSERT(knownhosts_classify(a, alen, name) !=
		    KH_LINE_FOREIGN);
		if (knownhosts_classify(a, alen, name) == KH_LINE_OURS) {
			/* Only a line with our comment is ever removed. */
			FUZZ_ASSERT(memmem(a, alen, KNOWNHOSTS_MARK,
			    strlen(KNOWNHOSTS_MARK)) != NULL);
			continue;
		}
		FUZZ_ASSERT(next_line(out, outlen, &bo, &b, &blen));
		if (!placed && is_line(b, blen, ours) && !is_line(a, alen,
		    ours)) {
			placed = 1;
			FUZZ_ASSERT(next_line(out, outlen, &bo, &b, &blen));
		}
		FUZZ_ASSERT(blen == alen && memcmp(a, b, alen) == 0);
	}
	while (next_line(out, outlen, &bo, &b, &blen)) {
		FUZZ_ASSERT(!placed && is_line(b, blen, ours));
		placed = 1;
	}
	FUZZ_ASSERT(placed);
}

/* Refused: the named line holds the name and is not ours. */
static void
check_refused(const char *old, size_t oldlen, size_t foreign)
{
	const char *a = NULL;
	size_t ao = 0, alen = 0, n = 0;

	while (next_line(old, oldlen, &ao, &a, &alen))
		if (++n == foreign)
			break;
	FUZZ_ASSERT(n == foreign && foreign > 0);
	FUZZ_ASSERT(knownhosts_classify(a, alen, name) == KH_LINE_FOREIGN);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *out = NULL, *again = NULL;
	size_t outlen, againlen, foreign;
	int changed, r;

	r = knownhosts_edit((const char *)data, size, name, key, &out,
	    &outlen, &changed, &foreign);
	if (r == -1)
		return 0;
	if (r == KNOWNHOSTS_FOREIGN) {
		FUZZ_ASSERT(out == NULL && !changed);
		check_refused((const char *)data, size, foreign);
		return 0;
	}
	FUZZ_ASSERT(r == 0);
	check_kept((const char *)data, size, out, outlen);
	FUZZ_ASSERT(outlen <= size + sizeof(name) + sizeof(key) +
	    sizeof(KNOWNHOSTS_MARK) + 2);
	FUZZ_ASSERT(knownhosts_edit(out, outlen, name, key, &again,
	    &againlen, &changed, &foreign) == 0);
	FUZZ_ASSERT(!changed && againlen == outlen &&
	    memcmp(again, out, outlen) == 0);
	free(again);
	free(out);
	return 0;
}
