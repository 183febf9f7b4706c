#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <openssl/evp.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <vis.h>

#include "proxy.h"

/* SOCKS5, RFC 1928 and 1929. */
#define S5_VERSION		5
#define S5_NO_AUTH		0x00
#define S5_USERPASS		0x02
#define S5_NO_METHOD		0xff
#define S5_CONNECT		1
#define S5_ATYP_V4		1
#define S5_ATYP_NAME		3
#define S5_ATYP_V6		4
#define S5_AUTH_VERSION		1

enum {
	S5_METHOD,		/* VER METHOD */
	S5_AUTH,		/* VER STATUS */
	S5_REPLY,		/* VER REP */
	S5_REPLY_ATYP,		/* RSV ATYP */
	S5_REPLY_NAMELEN,	/* the length of a DOMAINNAME */
	S5_REPLY_ADDR,		/* BND.ADDR BND.PORT */
	HTTP_STATUS,		/* the status line */
	HTTP_HEADER,		/* header lines up to the empty one */
	TALK_OVER
};

const char *
proxy_kind_name(enum proxy_kind k)
{
	switch (k) {
	case PROXY_SOCKS5:
		return "socks5";
	case PROXY_HTTP:
		return "http";
	case PROXY_NONE:
	default:
		return "none";
	}
}

/*
 * A user name is sent as it is: no percent-decoding, so none of the
 * characters that would need it.  HTTP Basic cannot carry a colon in it.
 */
static int
user_ok(const char *user, size_t len, const char **why)
{
	size_t i;

	if (len == 0) {
		*why = "empty user name before '@'";
		return -1;
	}
	if (len > PROXY_USER_MAX) {
		*why = "user name longer than 255 bytes";
		return -1;
	}
	for (i = 0; i < len; i++) {
		if (user[i] == ':') {
			*why = "a password in the URL: give it with "
			    "--proxy-password-file, never on the command line";
			return -1;
		}
		if (user[i] <= ' ' || user[i] >= 0x7f ||
		    strchr("/?#[]%@\"\\", user[i]) != NULL) {
			*why = "invalid character in the user name";
			return -1;
		}
	}
	return 0;
}

/* socks5://[USER@]HOST[:PORT][/] or http://[USER@]HOST[:PORT][/] */
int
proxy_parse(const char *url, struct proxy *p, const char **why)
{
	static const struct {
		const char	*scheme;
		enum proxy_kind	 kind;
		unsigned int	 port;
	} schemes[] = {
		{ "socks5://", PROXY_SOCKS5, PROXY_SOCKS5_PORT },
		{ "http://", PROXY_HTTP, PROXY_HTTP_PORT }
	};
	char hostport[SERVER_NAME_MAX + 2];
	const char *rest = NULL, *at, *end;
	unsigned int port = 0;
	size_t i, len;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		len = strlen(schemes[i].scheme);
		if (strncasecmp(url, schemes[i].scheme, len) == 0) {
			p->kind = schemes[i].kind;
			port = schemes[i].port;
			rest = url + len;
			break;
		}
	}
	if (rest == NULL) {
		*why = strncasecmp(url, "socks", 5) == 0 ?
		    "only socks5:// is supported (the server's name is always "
		    "resolved by the proxy, as with socks5h)" :
		    "the URL must start with socks5:// or http://";
		return -1;
	}
	len = strcspn(rest, "/?#");
	if (rest[len] != '\0' && strcmp(rest + len, "/") != 0) {
		*why = "a proxy URL has no path, query or fragment";
		return -1;
	}
	end = rest + len;
	if ((at = memchr(rest, '@', len)) != NULL) {
		if (user_ok(rest, at - rest, why) == -1)
			return -1;
		memcpy(p->user, rest, at - rest);
		p->user[at - rest] = '\0';
		rest = at + 1;
	}
	if ((size_t)(end - rest) >= sizeof(hostport)) {
		*why = "proxy host name too long";
		return -1;
	}
	memcpy(hostport, rest, end - rest);
	hostport[end - rest] = '\0';
	if (server_parse(hostport, port, &p->sv, why) == -1)
		return -1;
	snprintf(p->url, sizeof(p->url), "%s://%s%s%s",
	    proxy_kind_name(p->kind), p->user, p->user[0] != '\0' ? "@" : "",
	    p->sv.name);
	*why = NULL;
	return 0;
}

/* "host:port" as a request target and Host: value, "[v6]:port" too. */
static void
authority(const struct server *dest, char *out, size_t outlen)
{
	struct in6_addr a6;

	snprintf(out, outlen, inet_pton(AF_INET6, dest->host, &a6) == 1 ?
	    "[%s]:%s" : "%s:%s", dest->host, dest->port);
}

static int
socks5_start(struct proxy_talk *t, const struct proxy *p,
    const struct server *dest, const char *pass, size_t passlen,
    const char **why)
{
	struct in_addr a4;
	struct in6_addr a6;
	size_t ulen = strlen(p->user), hlen = strlen(dest->host), n = 0;
	unsigned int port = (unsigned int)strtonum(dest->port, 1, 65535, NULL);

	t->greet[0] = S5_VERSION;
	if (ulen > 0) {
		if (passlen > PROXY_PASS_MAX) {
			*why = "the proxy password is longer than 255 bytes";
			return -1;
		}
		/* Offered both: the proxy may not ask for the password. */
		t->greet[1] = 2;
		t->greet[2] = S5_NO_AUTH;
		t->greet[3] = S5_USERPASS;
		t->greetlen = 4;
		t->auth[n++] = S5_AUTH_VERSION;
		t->auth[n++] = (unsigned char)ulen;
		memcpy(t->auth + n, p->user, ulen);
		n += ulen;
		t->auth[n++] = (unsigned char)passlen;
		memcpy(t->auth + n, pass, passlen);
		t->authlen = n + passlen;
	} else {
		t->greet[1] = 1;
		t->greet[2] = S5_NO_AUTH;
		t->greetlen = 3;
	}
	n = 0;
	t->req[n++] = S5_VERSION;
	t->req[n++] = S5_CONNECT;
	t->req[n++] = 0;
	/* An address stays an address; a name goes to the proxy to resolve. */
	if (inet_pton(AF_INET, dest->host, &a4) == 1) {
		t->req[n++] = S5_ATYP_V4;
		memcpy(t->req + n, &a4, 4);
		n += 4;
	} else if (inet_pton(AF_INET6, dest->host, &a6) == 1) {
		t->req[n++] = S5_ATYP_V6;
		memcpy(t->req + n, &a6, 16);
		n += 16;
	} else {
		t->req[n++] = S5_ATYP_NAME;
		t->req[n++] = (unsigned char)hlen;	/* at most 255 */
		memcpy(t->req + n, dest->host, hlen);
		n += hlen;
	}
	t->req[n++] = port >> 8;
	t->req[n++] = port & 0xff;
	t->reqlen = n;
	t->state = S5_METHOD;
	t->need = 2;
	t->out = t->greet;
	t->outlen = t->greetlen;
	return 0;
}

static int
http_start(struct proxy_talk *t, const struct proxy *p,
    const struct server *dest, const char *pass, size_t passlen,
    const char **why)
{
	unsigned char cred[PROXY_USER_MAX + 1 + PROXY_PASS_MAX];
	unsigned char b64[(sizeof(cred) + 2) / 3 * 4 + 1];
	char target[SERVER_NAME_MAX + 1], auth[sizeof(b64) + 48];
	size_t ulen = strlen(p->user);
	int n;

	authority(dest, target, sizeof(target));
	auth[0] = '\0';
	if (ulen > 0) {
		if (passlen > PROXY_PASS_MAX) {
			*why = "the proxy password is longer than 255 bytes";
			return -1;
		}
		memcpy(cred, p->user, ulen);
		cred[ulen] = ':';
		memcpy(cred + ulen + 1, pass, passlen);
		EVP_EncodeBlock(b64, cred, (int)(ulen + 1 + passlen));
		snprintf(auth, sizeof(auth), "Proxy-Authorization: Basic "
		    "%s\r\n", (char *)b64);
		explicit_bzero(cred, sizeof(cred));
		explicit_bzero(b64, sizeof(b64));
	}
	n = snprintf((char *)t->req, sizeof(t->req), "CONNECT %s HTTP/1.1\r\n"
	    "Host: %s\r\n%s\r\n", target, target, auth);
	explicit_bzero(auth, sizeof(auth));
	if (n < 0 || (size_t)n >= sizeof(t->req)) {
		*why = "the CONNECT request does not fit";
		return -1;
	}
	t->reqlen = n;
	t->state = HTTP_STATUS;
	t->out = t->req;
	t->outlen = t->reqlen;
	return 0;
}

/*
 * The first request is in t->out on return.  pass is copied into the
 * requests, which proxy_talk_wipe() clears; the caller wipes its own.
 */
int
proxy_start(struct proxy_talk *t, const struct proxy *p,
    const struct server *dest, const char *pass, size_t passlen,
    const char **why)
{
	memset(t, 0, sizeof(*t));
	t->kind = p->kind;
	*why = NULL;
	switch (p->kind) {
	case PROXY_SOCKS5:
		return socks5_start(t, p, dest, pass, passlen, why);
	case PROXY_HTTP:
		return http_start(t, p, dest, pass, passlen, why);
	case PROXY_NONE:
	default:
		*why = "no proxy";
		return -1;
	}
}

static const char *
socks5_reply_name(unsigned int rep)
{
	static const char *const names[] = {
		"succeeded",
		"general SOCKS server failure",
		"connection not allowed by ruleset",
		"network unreachable",
		"host unreachable",
		"connection refused",
		"TTL expired",
		"command not supported",
		"address type not supported"
	};

	return rep < sizeof(names) / sizeof(names[0]) ? names[rep] :
	    "unassigned reply code";
}

static enum proxy_step
say(struct proxy_talk *t, enum proxy_step step, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum proxy_step
say(struct proxy_talk *t, enum proxy_step step, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->why, sizeof(t->why), fmt, ap);
	va_end(ap);
	t->state = TALK_OVER;
	return step;
}

/* A byte that should have been a SOCKS5 version, as the log names it. */
static enum proxy_step
socks5_not(struct proxy_talk *t, const char *what, unsigned int got,
    unsigned int want)
{
	return say(t, PROXY_GARBAGE, "not a SOCKS5 reply: %s 0x%02x, not "
	    "0x%02x%s", what, got, want, got == 'H' ?
	    " (\"H\": an HTTP proxy? use http://)" : "");
}

/* The t->need bytes of the current SOCKS5 message are in t->in. */
static enum proxy_step
socks5_step(struct proxy_talk *t)
{
	const unsigned char *in = t->in;

	switch (t->state) {
	case S5_METHOD:
		if (in[0] != S5_VERSION)
			return socks5_not(t, "version", in[0], S5_VERSION);
		if (in[1] == S5_NO_METHOD)
			return say(t, PROXY_REFUSED, "no acceptable "
			    "authentication method (SOCKS5 method 0xff%s)",
			    t->authlen > 0 ? "; offered none and "
			    "username/password" : "; offered none: the proxy "
			    "wants a user name (socks5://USER@HOST)");
		if (in[1] == S5_USERPASS && t->authlen > 0) {
			t->state = S5_AUTH;
			t->need = 2;
			t->out = t->auth;
			t->outlen = t->authlen;
			return PROXY_SEND;
		}
		if (in[1] != S5_NO_AUTH)
			return say(t, PROXY_GARBAGE, "the proxy chose SOCKS5 "
			    "method 0x%02x, which was not offered", in[1]);
		break;
	case S5_AUTH:
		/* Some servers answer with the SOCKS version here. */
		if (in[0] != S5_AUTH_VERSION && in[0] != S5_VERSION)
			return socks5_not(t, "username/password version",
			    in[0], S5_AUTH_VERSION);
		if (in[1] != 0)
			return say(t, PROXY_REFUSED, "username/password "
			    "authentication failed (RFC 1929 status 0x%02x)",
			    in[1]);
		break;
	case S5_REPLY:
		if (in[0] != S5_VERSION)
			return socks5_not(t, "version", in[0], S5_VERSION);
		if (in[1] != 0)
			return say(t, PROXY_REFUSED, "%s (SOCKS5 reply %u)",
			    socks5_reply_name(in[1]), in[1]);
		t->state = S5_REPLY_ATYP;
		t->need = 2;
		return PROXY_MORE;
	case S5_REPLY_ATYP:
		switch (in[1]) {
		case S5_ATYP_V4:
			t->need = 4 + 2;
			break;
		case S5_ATYP_V6:
			t->need = 16 + 2;
			break;
		case S5_ATYP_NAME:
			t->state = S5_REPLY_NAMELEN;
			t->need = 1;
			return PROXY_MORE;
		default:
			return say(t, PROXY_GARBAGE, "not a SOCKS5 reply: "
			    "address type %u", in[1]);
		}
		t->state = S5_REPLY_ADDR;
		return PROXY_MORE;
	case S5_REPLY_NAMELEN:
		t->need = (size_t)in[0] + 2;
		t->state = S5_REPLY_ADDR;
		return PROXY_MORE;
	case S5_REPLY_ADDR:
		t->state = TALK_OVER;
		return PROXY_DONE;
	}
	/* The method or the password was accepted: now the request. */
	t->state = S5_REPLY;
	t->need = 2;
	t->out = t->req;
	t->outlen = t->reqlen;
	return PROXY_SEND;
}

static size_t
socks5_feed(struct proxy_talk *t, const unsigned char *buf, size_t len,
    enum proxy_step *step)
{
	size_t used = 0, n;

	*step = PROXY_MORE;
	while (used < len) {
		n = t->need - t->inlen;
		if (n > len - used)
			n = len - used;
		memcpy(t->in + t->inlen, buf + used, n);
		t->inlen += n;
		used += n;
		if (t->inlen < t->need)
			break;
		t->inlen = 0;
		if ((*step = socks5_step(t)) != PROXY_MORE)
			break;
	}
	return used;
}

/* Bytes of the reply as the log shows them: escaped, bounded. */
static void
visible(const unsigned char *s, size_t len, char *out, size_t outlen)
{
	char buf[PROXY_WHY_MAX * 4 + 1];

	if (len > PROXY_WHY_MAX)
		len = PROXY_WHY_MAX;
	strnvisx(buf, sizeof(buf), (const char *)s, len,
	    VIS_OCTAL | VIS_CSTYLE | VIS_TAB | VIS_NL);
	strlcpy(out, buf, outlen);
}

/* HTTP/1.x, a space, three digits, then a space or the end. */
static int
status_line(const char *line, int *code)
{
	if (strncmp(line, "HTTP/1.", 7) != 0 || line[7] < '0' ||
	    line[7] > '9' || line[8] != ' ' || line[9] < '1' ||
	    line[9] > '5' || line[10] < '0' || line[10] > '9' ||
	    line[11] < '0' || line[11] > '9' ||
	    (line[12] != ' ' && line[12] != '\0'))
		return -1;
	*code = (line[9] - '0') * 100 + (line[10] - '0') * 10 +
	    (line[11] - '0');
	return 0;
}

/* A whole line of the header, up to its LF, is in t->in (maybe cut). */
static enum proxy_step
http_line(struct proxy_talk *t)
{
	char line[sizeof(t->in) + 1], shown[PROXY_WHY_MAX - 40];
	size_t len = t->inlen;

	while (len > 0 && (t->in[len - 1] == '\n' || t->in[len - 1] == '\r'))
		len--;
	t->inlen = 0;
	if (t->state == HTTP_STATUS) {
		memcpy(line, t->in, len);
		line[len] = '\0';
		if (memchr(t->in, '\0', len) != NULL ||
		    status_line(line, &t->status) == -1) {
			visible(t->in, len, shown, sizeof(shown));
			return say(t, PROXY_GARBAGE, "not an HTTP reply: \"%s\"",
			    shown);
		}
		visible(t->in, len, t->why, sizeof(t->why));
		t->state = HTTP_HEADER;
		return PROXY_MORE;
	}
	if (len > 0)
		return PROXY_MORE;
	/* The end of the header. */
	if (t->status < 200) {
		/* Informational: the real answer follows. */
		t->state = HTTP_STATUS;
		return PROXY_MORE;
	}
	t->state = TALK_OVER;
	return t->status < 300 ? PROXY_DONE : PROXY_REFUSED;
}

/*
 * Byte by byte, since a reply has no length: the header ends with its
 * empty line, and the byte after that is the server's.
 */
static size_t
http_feed(struct proxy_talk *t, const unsigned char *buf, size_t len,
    enum proxy_step *step)
{
	size_t used = 0;

	*step = PROXY_MORE;
	while (used < len) {
		unsigned char c = buf[used++];

		if (++t->headlen > PROXY_HTTP_HEAD_MAX) {
			*step = say(t, PROXY_GARBAGE, "the proxy's reply "
			    "header is longer than %d bytes",
			    PROXY_HTTP_HEAD_MAX);
			break;
		}
		/* A long line is kept cut: only its start is ever shown. */
		if (t->inlen < sizeof(t->in) - 1)
			t->in[t->inlen++] = c;
		if (c == '\n' && (*step = http_line(t)) != PROXY_MORE)
			break;
	}
	return used;
}

/*
 * Feed reply bytes: how many were taken, at most up to the end of the
 * reply; *step says what now.  On PROXY_REFUSED and PROXY_GARBAGE, t->why
 * names the proxy's answer; on PROXY_DONE with HTTP, the status line.
 */
size_t
proxy_feed(struct proxy_talk *t, const unsigned char *buf, size_t len,
    enum proxy_step *step)
{
	if (t->state == TALK_OVER) {
		*step = PROXY_GARBAGE;
		return 0;
	}
	if (t->kind == PROXY_SOCKS5)
		return socks5_feed(t, buf, len, step);
	return http_feed(t, buf, len, step);
}

void
proxy_talk_wipe(struct proxy_talk *t)
{
	explicit_bzero(t, sizeof(*t));
}
