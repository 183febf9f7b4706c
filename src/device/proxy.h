/*
 * Calling through a proxy (--proxy): the URL, and the two handshakes that
 * open a tunnel to the server, SOCKS5 (RFC 1928, with RFC 1929
 * username/password) and HTTP/1.1 CONNECT (RFC 9110, Basic auth per RFC
 * 7617).  Pure: bytes in, bytes out, no socket; proxyio.c does the I/O.
 *
 * The replies are parsed by a state machine fed with whatever bytes the
 * socket has; it says how many of them it took, and never takes a byte
 * past the end of the proxy's reply, so that the caller can peek, feed,
 * and then read exactly what was taken: what follows belongs to the
 * session.
 */
#ifndef PROXY_H
#define PROXY_H

#include <stddef.h>

#include "server.h"

#define PROXY_SOCKS5_PORT	1080	/* IANA "socks" */
#define PROXY_HTTP_PORT		3128	/* squid's, the most common */
#define PROXY_USER_MAX		255	/* RFC 1929's bound, for both */
#define PROXY_PASS_MAX		255
#define PROXY_HTTP_HEAD_MAX	16384	/* a reply's header, in all */
#define PROXY_WHY_MAX		256

enum proxy_kind { PROXY_NONE, PROXY_SOCKS5, PROXY_HTTP };

struct proxy {
	enum proxy_kind	 kind;
	struct server	 sv;		/* the proxy itself */
	char		 user[PROXY_USER_MAX + 1];	/* "": none */
	char		 url[SERVER_NAME_MAX + PROXY_USER_MAX + 16];
};

int	proxy_parse(const char *url, struct proxy *p, const char **why);
const char *
	proxy_kind_name(enum proxy_kind k);

enum proxy_step {
	PROXY_MORE,	/* feed more bytes */
	PROXY_SEND,	/* send proxy_output(), then feed more */
	PROXY_DONE,	/* the tunnel is open */
	PROXY_REFUSED,	/* the proxy said no: why names its answer */
	PROXY_GARBAGE	/* not the protocol: why says what came */
};

struct proxy_talk {
	enum proxy_kind	 kind;
	int		 state;
	const unsigned char *out;	/* what to send now (PROXY_SEND) */
	size_t		 outlen;
	/* Built at the start, so that the password is needed only then. */
	unsigned char	 greet[4];	/* SOCKS5 methods */
	size_t		 greetlen;
	unsigned char	 auth[3 + PROXY_USER_MAX + PROXY_PASS_MAX]; /* RFC 1929 */
	size_t		 authlen;
	unsigned char	 req[1536];	/* SOCKS5 or HTTP CONNECT */
	size_t		 reqlen;
	unsigned char	 in[PROXY_WHY_MAX + 8];	/* this reply, or line, so far */
	size_t		 inlen;
	size_t		 need;		/* SOCKS5: bytes of this reply */
	size_t		 headlen;	/* HTTP: bytes of the header so far */
	int		 status;	/* HTTP: the status code */
	char		 why[PROXY_WHY_MAX];
};

int	proxy_start(struct proxy_talk *t, const struct proxy *p,
	    const struct server *dest, const char *pass, size_t passlen,
	    const char **why);
size_t	proxy_feed(struct proxy_talk *t, const unsigned char *buf, size_t len,
	    enum proxy_step *step);
void	proxy_talk_wipe(struct proxy_talk *t);

#endif
