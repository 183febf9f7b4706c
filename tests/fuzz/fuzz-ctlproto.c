/*
 * The control protocol, any bytes, line by line, read as a request, a
 * reply and a greeting.  Refused: a reason is given.  Read: the line
 * written back is accepted by its writer, reads to the same fields, and
 * writing it again gives the same bytes.  Any bytes survive a trip
 * through the word escape.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctlproto.h"
#include "escape.h"
#include "fuzz.h"

static char out[CTL_LINE_MAX], again[CTL_LINE_MAX], err[256];

static void
check_request(const char *line, size_t len)
{
	struct ctl_request a, b;
	int n, m;

	if (ctl_request_parse(line, len, &a, err, sizeof(err)) == -1) {
		FUZZ_ASSERT(err[0] != '\0');
		return;
	}
	n = ctl_request_format(&a, out, sizeof(out));
	FUZZ_ASSERT(n > 0 && out[n - 1] == '\n' && strlen(out) == (size_t)n);
	FUZZ_ASSERT(ctl_request_parse(out, (size_t)n - 1, &b, err,
	    sizeof(err)) == 0);
	FUZZ_ASSERT(memcmp(&a, &b, sizeof(a)) == 0);
	m = ctl_request_format(&b, again, sizeof(again));
	FUZZ_ASSERT(m == n && memcmp(out, again, (size_t)n) == 0);
}

static void
check_reply(const char *line, size_t len)
{
	static struct ctl_reply a, b;
	int n, m;

	if (ctl_reply_parse(line, len, &a, err, sizeof(err)) == -1) {
		FUZZ_ASSERT(err[0] != '\0');
		return;
	}
	n = ctl_reply_format(&a, out, sizeof(out));
	FUZZ_ASSERT(n > 0 && out[n - 1] == '\n' && strlen(out) == (size_t)n);
	FUZZ_ASSERT(ctl_reply_parse(out, (size_t)n - 1, &b, err,
	    sizeof(err)) == 0);
	FUZZ_ASSERT(memcmp(&a, &b, sizeof(a)) == 0);
	m = ctl_reply_format(&b, again, sizeof(again));
	FUZZ_ASSERT(m == n && memcmp(out, again, (size_t)n) == 0);
}

static void
check_escape(const char *s, size_t len)
{
	static char word[256], esc[ESCAPE_SIZE(255)], back[256];
	const char *why;
	size_t i;
	int n, flags;

	if (len == 0 || len >= sizeof(word) || memchr(s, '\0', len) != NULL)
		return;
	memcpy(word, s, len);
	word[len] = '\0';
	for (flags = 0; flags <= ESCAPE_SPACE; flags += ESCAPE_SPACE) {
		n = escape_word(word, flags, esc, sizeof(esc));
		FUZZ_ASSERT(n > 0);
		for (i = 0; i < (size_t)n; i++)
			FUZZ_ASSERT((unsigned char)esc[i] < 0x7f &&
			    ((unsigned char)esc[i] > 0x20 ||
			    (esc[i] == ' ' && flags == ESCAPE_SPACE)));
		FUZZ_ASSERT(flags != 0 || (strcmp(esc, "-") != 0 &&
		    esc[0] != '#'));
		FUZZ_ASSERT(unescape_word(esc, (size_t)n, flags, back,
		    sizeof(back), &why) == (int)len);
		FUZZ_ASSERT(memcmp(back, word, len + 1) == 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *nl;
	size_t len;
	int version;

	check_escape(p, size);
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		len = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		check_request(p, len);
		check_reply(p, len);
		if (ctl_greeting_parse(p, len, &version, err,
		    sizeof(err)) == 0)
			FUZZ_ASSERT(version >= 1 && version <= 1000000);
		p += len + 1;
	}
	return 0;
}
