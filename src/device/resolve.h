/*
 * Name lookups that a signal or a deadline can cut short.  getaddrinfo()
 * cannot be interrupted, and the resolver's own timeouts can outlast a
 * service manager's patience, so it runs in a child process that writes
 * the addresses to a pipe and exits; the caller waits in ppoll() with its
 * signals let in, and kills the child when it stops waiting.
 */
#ifndef RESOLVE_H
#define RESOLVE_H

#include <sys/types.h>
#include <sys/socket.h>

#include <netdb.h>
#include <signal.h>
#include <stddef.h>

#define RESOLVE_MAX	16	/* addresses kept from one lookup */

struct resolved_addr {
	int			 family;
	int			 socktype;
	int			 protocol;
	socklen_t		 addrlen;
	struct sockaddr_storage	 addr;
};

struct resolved {
	int			 gai_error;	/* 0, or getaddrinfo's EAI_ */
	int			 sys_errno;	/* with EAI_SYSTEM */
	size_t			 n;
	struct resolved_addr	 a[RESOLVE_MAX];
};

/* The child's answer on the pipe: a header, then one record per address. */
#define RESOLVE_HDR_LEN		12
#define RESOLVE_REC_LEN		16	/* before the address bytes */
#define RESOLVE_WIRE_MAX	(RESOLVE_HDR_LEN + RESOLVE_MAX * \
	(RESOLVE_REC_LEN + sizeof(struct sockaddr_storage)))

/* Pure: the wire format, both ways. */
size_t	resolve_pack(int gai_error, int sys_errno, const struct addrinfo *res,
	    unsigned char *buf, size_t cap);
int	resolve_unpack(const unsigned char *buf, size_t len,
	    struct resolved *out);

enum resolve_status {
	RESOLVE_OK,
	RESOLVE_FAILED,		/* out->gai_error says why */
	RESOLVE_TIMEOUT,
	RESOLVE_INTERRUPTED,	/* a signal in waitmask arrived */
	RESOLVE_ERROR		/* no lookup: err says why */
};

enum resolve_status
	resolve(const char *host, const char *port,
	    const struct addrinfo *hints, int timeout_ms,
	    const sigset_t *waitmask, struct resolved *out, char *err,
	    size_t errlen);
const char *
	resolve_strerror(const struct resolved *r);

#endif
