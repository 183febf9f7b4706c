#include "config.h"

#include <getopt.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "optarg.h"

/* strtonum in [lo, hi]; the message names the option and the range. */
int
optarg_number(const char *opt, const char *arg, long long lo, long long hi,
    int *out, char *err, size_t errlen)
{
	const char *why;
	long long n;

	n = strtonum(arg, lo, hi, &why);
	if (why != NULL) {
		snprintf(err, errlen, "--%s=%s: must be a number from %lld "
		    "to %lld", opt, arg, lo, hi);
		return -1;
	}
	*out = (int)n;
	return 0;
}

/* One of words; *out is its index. */
int
optarg_word(const char *opt, const char *arg, const char *const words[],
    int *out, char *err, size_t errlen)
{
	int i;

	for (i = 0; words[i] != NULL; i++) {
		if (strcmp(arg, words[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	snprintf(err, errlen, "--%s=%s: unknown value", opt, arg);
	return -1;
}

int
optarg_nonempty(const char *opt, const char *arg, const char **out,
    char *err, size_t errlen)
{
	if (arg[0] == '\0') {
		snprintf(err, errlen, "--%s: empty value", opt);
		return -1;
	}
	*out = arg;
	return 0;
}

/*
 * What getopt_long (with a leading ':' and opterr = 0) said was wrong:
 * ch is ':' for a missing value, anything else for an unknown option or
 * a value given to a long option that takes none (then optopt is that
 * option's code, which is no character to print); name is the argument
 * it was looking at.
 */
void
optarg_error(int ch, const char *name, char *err, size_t errlen)
{
	if (ch == ':')
		snprintf(err, errlen, "%s: needs a value", name);
	else if (strncmp(name, "--", 2) == 0 && optopt != 0)
		snprintf(err, errlen, "%.*s: takes no value",
		    (int)strcspn(name, "="), name);
	else if (optopt != 0)
		snprintf(err, errlen, "-%c: unknown option", optopt);
	else
		snprintf(err, errlen, "%s: unknown option", name);
}

/*
 * getopt_long from the start, silent (errors come back as '?' and ':'),
 * so that a parser can run more than once: the tests and fuzzers do.
 */
void
optarg_reset(void)
{
#ifdef __GLIBC__
	optind = 0;
#else
	optreset = 1;
	optind = 1;
#endif
	opterr = 0;
}
