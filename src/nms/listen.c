#include "config.h"

#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "listen.h"
#include "log.h"
#include "misc.h"

/* No IPv6 (or IPv4) on this machine: skip that family, not an error. */
static int
family_missing(int e)
{
	return e == EAFNOSUPPORT || e == EPROTONOSUPPORT ||
	    e == EADDRNOTAVAIL;
}

static int
listen_one(const struct addrinfo *ai, struct listeners *l, char *err,
    size_t errlen)
{
	char name[PEER_MAX];
	int fd, on = 1, e;

	addr_name(ai->ai_addr, ai->ai_addrlen, name, sizeof(name));
	if (l->n == LISTEN_MAX) {
		snprintf(err, errlen, "%s: more than %d addresses", name,
		    LISTEN_MAX);
		return -1;
	}
	if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, ai->ai_protocol)) == -1) {
		e = errno;
		goto fail;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	/* One socket per family, so that "all addresses" means both. */
	if (ai->ai_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) == -1) {
		e = errno;
		goto fail;
	}
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 ||
	    listen(fd, SOMAXCONN) == -1) {
		e = errno;
		goto fail;
	}
	log_debug("listening on %s", name);
	l->fd[l->n++] = fd;
	return 0;
fail:
	if (fd != -1)
		close(fd);
	if (family_missing(e)) {
		log_debug("not listening on %s: %s", name, strerror(e));
		return 1;
	}
	snprintf(err, errlen, "cannot listen on %s: %s", name, strerror(e));
	return -1;
}

/*
 * Listen on host:port, or on every IPv4 and IPv6 address if host is "".
 * An address family the machine lacks is skipped; any other failure, or
 * no socket at all, is an error.
 */
int
listeners_open(const char *host, const char *port, struct listeners *l,
    char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL, *ai;
	int e, r;

	memset(l, 0, sizeof(*l));
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((e = getaddrinfo(host[0] != '\0' ? host : NULL, port, &hints,
	    &res)) != 0) {
		snprintf(err, errlen, "%s: %s", host[0] != '\0' ? host : "*",
		    gai_strerror(e));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		if ((r = listen_one(ai, l, err, errlen)) == -1)
			goto err;
	}
	if (l->n == 0) {
		snprintf(err, errlen, "no address to listen on for %s port %s",
		    host[0] != '\0' ? host : "*", port);
		goto err;
	}
	freeaddrinfo(res);
	return 0;
err:
	freeaddrinfo(res);
	listeners_close(l);
	return -1;
}

void
listeners_close(struct listeners *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		close(l->fd[i]);
	l->n = 0;
}
