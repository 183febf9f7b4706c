/* SERVER strings: parse, and what parses prints back to the same server. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "server.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct server sv, again;
	const char *why;
	char *s;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (server_parse(s, 4334, &sv, &why) == 0) {
		FUZZ_ASSERT(sv.host[0] != '\0');
		FUZZ_ASSERT(strpbrk(sv.name, " \t\r\n;$`'\"") == NULL);
		FUZZ_ASSERT(server_parse(sv.name, 1, &again, &why) == 0);
		FUZZ_ASSERT(strcmp(sv.host, again.host) == 0);
		FUZZ_ASSERT(strcmp(sv.port, again.port) == 0);
	} else
		FUZZ_ASSERT(why != NULL);
	free(s);
	return 0;
}
