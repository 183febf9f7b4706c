/* Public host keys: "<type> <base64> [comment]" files, as ssh-keygen writes. */
#ifndef HOSTKEY_H
#define HOSTKEY_H

#include <stddef.h>

#include "preamble.h"

int	hostkey_parse(const char *text, char *out, size_t outsz,
	    const char **why);
int	hostkey_load(const char *path, char *out, size_t outsz, char *err,
	    size_t errlen);

#endif
