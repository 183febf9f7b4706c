/*
 * Logging: whatever bytes a message carries (a device id, a host name, a
 * peer's garbage), each call writes exactly one line, control bytes made
 * visible; the verbosity filters as documented.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "tap.h"

static char out[8192];

/* Run the calls with stderr going to a file; what they wrote, in out. */
#define CAPTURE(calls) do {						\
	FILE *tmp_ = tmpfile();						\
	int saved_ = dup(2);						\
	size_t n_;							\
									\
	fflush(stderr);							\
	dup2(fileno(tmp_), 2);						\
	calls;								\
	fflush(stderr);							\
	dup2(saved_, 2);						\
	close(saved_);							\
	rewind(tmp_);							\
	n_ = fread(out, 1, sizeof(out) - 1, tmp_);			\
	out[n_] = '\0';							\
	fclose(tmp_);							\
} while (0)

static int
lines(const char *s)
{
	int n = 0;

	for (; *s != '\0'; s++)
		if (*s == '\n')
			n++;
	return n;
}

int
main(void)
{
	log_init("t-log", LOGV_NORMAL, 0);
	CAPTURE(log_info("device \"%s\" says hi", "evil\nt-log: forged\r\x1b[2J"));
	is_int(lines(out), 1, "a message with CR, LF and ESC is one line");
	ok(strstr(out, "forged") != NULL && strstr(out, "\\012") != NULL &&
	    strstr(out, "\\015") != NULL && strstr(out, "\\033") != NULL,
	    "control bytes are shown escaped");
	ok(strncmp(out, "t-log: device", 13) == 0, "lines carry the ident");
	printf("# %s", out);

	CAPTURE(log_info("%s", "caf\xc3\xa9 \x80\xff"));
	is_int(lines(out), 1, "high bytes stay on one line");
	ok(strchr(out, '\x80') == NULL && strchr(out, '\xff') == NULL,
	    "high bytes are escaped too");

	CAPTURE((log_debug("d"), log_info("i"), log_warn("w"), log_error("e")));
	is_int(lines(out), 3, "normal: info, warn and error, not debug");
	log_init("t-log", LOGV_QUIET, 0);
	CAPTURE((log_debug("d"), log_info("i"), log_warn("w"), log_error("e")));
	is_int(lines(out), 1, "quiet: errors only");
	ok(strstr(out, ": e") != NULL, "... and that is the error");
	log_init("t-log", LOGV_DEBUG, 0);
	CAPTURE((log_debug("d"), log_info("i"), log_warn("w"), log_error("e")));
	is_int(lines(out), 4, "verbose: everything");

	{
		char big[4000];

		memset(big, 'x', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		CAPTURE(log_error("%s", big));
		is_int(lines(out), 1, "a long message is cut, still one line");
	}
	return done_testing();
}
