/*
 * The sshd_config scanner reads any file an sshd_config includes.
 * Whatever the text: no crash, no read past it, lines reported in order
 * and within the text, and no override outside a Match block.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "lockdown.h"

/* Whether "match" occurs in text, in any case. */
static int
has_match(const char *text, size_t len)
{
	size_t i;

	for (i = 0; i + 5 <= len; i++)
		if (strncasecmp(text + i, "match", 5) == 0)
			return 1;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lockdown_scan s;
	struct lockdown_item it;
	enum lockdown_what w;
	unsigned int last = 0, lines = 1;
	size_t i, len;
	char *text;
	int in_match;

	if (size == 0)
		return 0;
	/* The first byte: whether the text is included from a Match block. */
	in_match = data[0] & 1;
	len = size - 1;
	/* An exact-size heap copy, so that ASan sees any overread. */
	if ((text = malloc(len ? len : 1)) == NULL)
		return 0;
	memcpy(text, data + 1, len);
	for (i = 0; i < len; i++)
		lines += text[i] == '\n';
	lockdown_init(&s, text, len, in_match);
	while ((w = lockdown_next(&s, &it)) != LOCKDOWN_END) {
		FUZZ_ASSERT(it.line > last && it.line <= lines);
		last = it.line;
		if (w == LOCKDOWN_BAD) {
			FUZZ_ASSERT(it.why != NULL);
			break;
		}
		if (w == LOCKDOWN_OVERRIDE) {
			FUZZ_ASSERT(it.keyword != NULL);
			FUZZ_ASSERT(in_match || has_match(text, len));
		}
		if (w == LOCKDOWN_INCLUDE) {
			FUZZ_ASSERT(it.in_match == 0 || it.in_match == 1);
			FUZZ_ASSERT(it.argc <= len / 2 + 1);
			for (i = 0; i < it.argc; i++)
				FUZZ_ASSERT(strlen(it.argv[i]) < len);
		}
	}
	lockdown_free(&s);
	free(text);
	return 0;
}
