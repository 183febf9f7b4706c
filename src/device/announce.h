/*
 * The bytes a session starts with: the preamble built from the config and
 * from the files it names, read afresh for every session.
 */
#ifndef ANNOUNCE_H
#define ANNOUNCE_H

#include <stddef.h>
#include <stdio.h>

#include "options.h"
#include "preamble.h"
#include "sshdcfg.h"

struct announce {
	char	bytes[PREAMBLE_MAX];
	size_t	len;
	char	host_key[PREAMBLE_KEY_MAX + 1];	/* "" without a secret */
};

int	announce_build(const struct config *cfg, const struct sshdcfg *sc,
	    struct announce *an, char *err, size_t errlen);
void	announce_print(const struct announce *an, int show_hmac, FILE *fp);

#endif
