/* Option values, checked the same way for both programs' command lines. */
#ifndef OPTARG_H
#define OPTARG_H

#include <stddef.h>

int	optarg_number(const char *opt, const char *arg, long long lo,
	    long long hi, int *out, char *err, size_t errlen);
int	optarg_word(const char *opt, const char *arg,
	    const char *const words[], int *out, char *err, size_t errlen);
void	optarg_reset(void);
void	optarg_error(int ch, const char *name, char *err, size_t errlen);
int	optarg_nonempty(const char *opt, const char *arg, const char **out,
	    char *err, size_t errlen);

#endif
