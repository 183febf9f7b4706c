/*
 * sshd-callhome's command line: the input is split at NUL bytes into up
 * to 32 arguments.  No crash, no leak, and an accepted config is sane.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "options.h"

#define ARGS_MAX	32

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *argv[ARGS_MAX + 2], err[512], *p, *end;
	struct config cfg;
	int argc = 0;

	if ((buf = malloc(size + 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[argc++] = "sshd-callhome";
	for (p = buf, end = buf + size; p <= end && argc <= ARGS_MAX;
	    p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	switch (options_parse(argc, argv, &cfg, err, sizeof(err))) {
	case OPTIONS_OK:
		FUZZ_ASSERT(cfg.device_id != NULL && cfg.nservers > 0);
		FUZZ_ASSERT(cfg.port >= 1 && cfg.port <= 65535);
		FUZZ_ASSERT(cfg.retry >= 1 && cfg.timeout >= 1);
		FUZZ_ASSERT(cfg.sshd[0] == '/');
		/* Every file option absolute afterwards. */
		FUZZ_ASSERT(options_absolute(&cfg, "/cwd", err,
		    sizeof(err)) == 0);
		FUZZ_ASSERT(cfg.pidfile == NULL || cfg.pidfile[0] == '/');
		FUZZ_ASSERT(cfg.secret_file == NULL ||
		    cfg.secret_file[0] == '/');
		FUZZ_ASSERT(cfg.sshd_config == NULL ||
		    cfg.sshd_config[0] == '/');
		FUZZ_ASSERT(cfg.proxy_password_file == NULL ||
		    cfg.proxy_password_file[0] == '/');
		/* A password file and a proxy user go together. */
		FUZZ_ASSERT((cfg.proxy_password_file != NULL) ==
		    (cfg.proxy.kind != PROXY_NONE && cfg.proxy.user[0] != '\0'));
		options_free(&cfg);
		break;
	case OPTIONS_USAGE:
		FUZZ_ASSERT(err[0] != '\0');
		break;
	default:
		options_free(&cfg);
		break;
	}
	free(buf);
	return 0;
}
