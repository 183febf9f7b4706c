/*
 * The known_hosts edit, over any old file: exactly one line for the
 * device afterwards, every other line kept, and editing again changes
 * nothing.
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

/* How many lines of buf are exactly "name key". */
static int
count_ours(const char *buf, size_t len)
{
	char line[sizeof(name) + sizeof(key) + 1];
	size_t off = 0, n;
	const char *nl;
	int count = 0;

	snprintf(line, sizeof(line), "%s %s", name, key);
	while (off < len) {
		nl = memchr(buf + off, '\n', len - off);
		n = (nl != NULL ? (size_t)(nl - buf) : len) - off;
		if (n == strlen(line) && memcmp(buf + off, line, n) == 0)
			count++;
		off += n + 1;
	}
	return count;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *out = NULL, *again = NULL;
	size_t outlen, againlen;
	int changed;

	if (knownhosts_edit((const char *)data, size, name, key, &out,
	    &outlen, &changed) == -1)
		return 0;
	FUZZ_ASSERT(count_ours(out, outlen) == 1);
	FUZZ_ASSERT(outlen <= size + sizeof(name) + sizeof(key) + 2);
	FUZZ_ASSERT(knownhosts_edit(out, outlen, name, key, &again,
	    &againlen, &changed) == 0);
	FUZZ_ASSERT(!changed && againlen == outlen &&
	    memcmp(again, out, outlen) == 0);
	free(again);
	free(out);
	return 0;
}
