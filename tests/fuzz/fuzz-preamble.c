/*
 * The preamble parser reads bytes from anyone who can reach ssh-callhome.
 * Whatever the input: no crash, no read past it, and what it accepts is
 * well formed.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "preamble.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct preamble p;
	const char *why;
	size_t used;
	uint8_t *copy;

	/* An exact-size heap copy, so that ASan sees any overread. */
	if ((copy = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	switch (preamble_parse(copy, size, &p, &used, &why)) {
	case PREAMBLE_DONE:
		FUZZ_ASSERT(used <= size);
		FUZZ_ASSERT(p.present || used == 0);
		if (p.present) {
			FUZZ_ASSERT(p.lines == 3 || p.lines == 5);
			FUZZ_ASSERT(preamble_id_ok(p.device_id, &why) == 0);
			/* After 3 lines only the SSH banner may follow. */
			if (p.lines == 3)
				FUZZ_ASSERT(size - used >= 4 &&
				    memcmp(copy + used, "SSH-", 4) == 0);
		}
		if (p.lines == 5) {
			FUZZ_ASSERT(preamble_key_ok(p.host_key,
			    strlen(p.host_key), &why) == 0);
			FUZZ_ASSERT(strlen(p.hmac) == PREAMBLE_HMAC_HEX);
			(void)preamble_verify(&p, "secret", 6, 1);
		}
		break;
	case PREAMBLE_BAD:
		FUZZ_ASSERT(why != NULL);
		break;
	case PREAMBLE_MORE:
		FUZZ_ASSERT(size < PREAMBLE_MAX);
		break;
	}
	free(copy);
	return 0;
}
