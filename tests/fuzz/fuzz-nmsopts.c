/*
 * ssh-callhome's command line: the input is split at NUL bytes into up to
 * 32 arguments.  No crash, no leak, and an accepted config is sane.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "nmsopts.h"

#define ARGS_MAX	32

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *argv[ARGS_MAX + 2], err[1024], *p, *end;
	struct nms_config cfg;
	const char *why;
	int argc = 0;

	if ((buf = malloc(size + 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[argc++] = "ssh-callhome";
	for (p = buf, end = buf + size; p <= end && argc <= ARGS_MAX;
	    p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	switch (nmsopts_parse(argc, argv, &cfg, err, sizeof(err))) {
	case NMSOPTS_OK:
		FUZZ_ASSERT(cfg.timeout >= 1 && cfg.preamble_timeout >= 1);
		FUZZ_ASSERT(cfg.listen_port[0] != '\0');
		FUZZ_ASSERT(strpbrk(cfg.listen_name, "\r\n") == NULL);
		FUZZ_ASSERT(!(cfg.known_hosts != NULL &&
		    cfg.secret_file == NULL));
		break;
	case NMSOPTS_USAGE:
		FUZZ_ASSERT(err[0] != '\0');
		break;
	default:
		break;
	}
	/* The --listen parser alone, on the whole input as one string. */
	(void)nmsopts_listen(buf, &cfg, &why);
	free(buf);
	return 0;
}
