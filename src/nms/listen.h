/*
 * The management side's listening sockets: on one address, or on every
 * IPv4 and IPv6 address, one socket per family.
 */
#ifndef LISTEN_H
#define LISTEN_H

#include <stddef.h>

#define LISTEN_MAX	16	/* listening sockets */

struct listeners {
	int	fd[LISTEN_MAX];
	size_t	n;
};

int	listeners_open(const char *host, const char *port, struct listeners *l,
	    char *err, size_t errlen);
void	listeners_close(struct listeners *l);

#endif
