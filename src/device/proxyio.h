/*
 * The proxy handshake on a connected socket (the I/O half of proxy.c):
 * bounded by the attempt's deadline, cut short by the caller's signals,
 * and reading not one byte past the proxy's reply, so that what the
 * server sends next stays in the socket for sshd.
 */
#ifndef PROXYIO_H
#define PROXYIO_H

#include <signal.h>
#include <stddef.h>

#include "proxy.h"
#include "secret.h"
#include "server.h"

enum proxyio_status {
	PROXYIO_OK,
	PROXYIO_FAILED,		/* why names the proxy's answer */
	PROXYIO_INTERRUPTED	/* a signal in waitmask arrived */
};

enum proxyio_status
	proxy_handshake(int fd, const struct proxy *p,
	    const struct server *dest, const struct secret *pass,
	    long long deadline, int timeout_ms, const sigset_t *waitmask,
	    char *why, size_t whylen);

#endif
