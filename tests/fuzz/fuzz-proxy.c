/*
 * The proxy reply parsers (SOCKS5 and HTTP CONNECT): any bytes, fed in
 * chunks the input chooses.  The first byte picks the kind, a user or
 * not, and the chunk size.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "proxy.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proxy p;
	struct server dest;
	struct proxy_talk t;
	enum proxy_step step = PROXY_MORE;
	const char *why;
	size_t off = 1, chunk, n, i;

	if (size < 1)
		return 0;
	FUZZ_ASSERT(proxy_parse((data[0] & 1) ? "http://u@127.0.0.1" :
	    "socks5://u@127.0.0.1", &p, &why) == 0);
	if (data[0] & 2)
		p.user[0] = '\0';
	FUZZ_ASSERT(server_parse("nms.example", 4334, &dest, &why) == 0);
	FUZZ_ASSERT(proxy_start(&t, &p, &dest, "pw", 2, &why) == 0);
	FUZZ_ASSERT(t.outlen > 0);
	chunk = (data[0] >> 2) + 1;
	while (off < size) {
		n = size - off < chunk ? size - off : chunk;
		i = proxy_feed(&t, data + off, n, &step);
		FUZZ_ASSERT(i <= n);
		off += i;
		if (step == PROXY_SEND)
			FUZZ_ASSERT(t.outlen > 0 && t.out != NULL);
		else if (step == PROXY_MORE)
			FUZZ_ASSERT(i == n);
		else
			break;
	}
	if (step == PROXY_REFUSED || step == PROXY_GARBAGE) {
		FUZZ_ASSERT(t.why[0] != '\0');
		for (i = 0; t.why[i] != '\0'; i++)
			FUZZ_ASSERT(t.why[i] >= ' ' && t.why[i] < 0x7f);
	}
	if (step == PROXY_DONE || step == PROXY_REFUSED ||
	    step == PROXY_GARBAGE) {
		/* Over is over: nothing more is taken. */
		FUZZ_ASSERT(proxy_feed(&t, data, size, &step) == 0);
		FUZZ_ASSERT(step == PROXY_GARBAGE);
	}
	proxy_talk_wipe(&t);
	return 0;
}
