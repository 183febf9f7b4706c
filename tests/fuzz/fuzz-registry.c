/*
 * The --devices file, any bytes.  Refused: an error that names a line, and
 * nothing kept.  Parsed: ids sorted and unique, each valid as a preamble
 * DEVICE-ID and found by lookup; paths absolute; pinned keys well formed;
 * and the devices written back in the documented format read the same.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "fuzz.h"
#include "preamble.h"
#include "registry.h"

/* Write the registry back; NULL if it would be too big to bother. */
static char *
write_back(const struct registry *reg, size_t *len)
{
	char id[ESCAPE_SIZE(PREAMBLE_ID_MAX)], *out;
	const struct registry_device *d;
	size_t i, cap = 0, off = 0;
	int n;

	for (i = 0; i < reg->n; i++)
		cap += sizeof(id) + PATH_MAX + PREAMBLE_KEY_MAX + 64;
	if ((out = malloc(cap + 1)) == NULL)
		return NULL;
	for (i = 0; i < reg->n; i++) {
		d = &reg->dev[i];
		FUZZ_ASSERT(escape_word(d->id, 0, id, sizeof(id)) > 0);
		n = snprintf(out + off, cap + 1 - off, "%s", id);
		off += (size_t)n;
		if (d->secret_file != NULL) {
			/* Blanks need quotes; a quote is only met unquoted. */
			int q = strpbrk(d->secret_file, " \t") != NULL;

			n = snprintf(out + off, cap + 1 - off,
			    " secret-file=%s%s%s", q ? "\"" : "",
			    d->secret_file, q ? "\"" : "");
			off += (size_t)n;
		}
		if (d->host_key != NULL) {
			n = snprintf(out + off, cap + 1 - off,
			    " host-key=\"%s\"", d->host_key);
			off += (size_t)n;
		}
		out[off++] = '\n';
	}
	*len = off;
	return out;
}

static int
same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct registry reg, again;
	char err[512], *text;
	const struct registry_device *d;
	const char *why;
	size_t i, len;

	if (registry_parse((const char *)data, size, &reg, err,
	    sizeof(err)) == -1) {
		FUZZ_ASSERT(strncmp(err, "line ", 5) == 0 ||
		    strcmp(err, "out of memory") == 0);
		FUZZ_ASSERT(reg.dev == NULL && reg.text == NULL && reg.n == 0);
		return 0;
	}
	FUZZ_ASSERT(reg.n <= REGISTRY_DEVICES_MAX);
	for (i = 0; i < reg.n; i++) {
		d = &reg.dev[i];
		FUZZ_ASSERT(preamble_id_ok(d->id, &why) == 0);
		FUZZ_ASSERT(i == 0 || strcmp(reg.dev[i - 1].id, d->id) < 0);
		FUZZ_ASSERT(registry_find(&reg, d->id) == d);
		FUZZ_ASSERT(d->line >= 1 && d->line <= size);
		FUZZ_ASSERT(d->secret_file == NULL ||
		    (d->secret_file[0] == '/' &&
		    strlen(d->secret_file) < PATH_MAX));
		FUZZ_ASSERT(d->host_key == NULL || preamble_key_ok(d->host_key,
		    strlen(d->host_key), &why) == 0);
	}
	if ((text = write_back(&reg, &len)) != NULL) {
		FUZZ_ASSERT(registry_parse(text, len, &again, err,
		    sizeof(err)) == 0);
		FUZZ_ASSERT(again.n == reg.n);
		for (i = 0; i < reg.n; i++) {
			FUZZ_ASSERT(strcmp(again.dev[i].id, reg.dev[i].id) == 0);
			FUZZ_ASSERT(same(again.dev[i].secret_file,
			    reg.dev[i].secret_file));
			FUZZ_ASSERT(same(again.dev[i].host_key,
			    reg.dev[i].host_key));
		}
		registry_free(&again);
		free(text);
	}
	registry_free(&reg);
	return 0;
}
