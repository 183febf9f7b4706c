/*
 * --proxy URLs, and the SOCKS5 and HTTP CONNECT handshakes as bytes: the
 * requests built, the replies parsed, and never a byte taken past the
 * end of a reply.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy.h"
#include "tap.h"

static void
url_good(const char *url, enum proxy_kind kind, const char *user,
    const char *name, const char *canon)
{
	struct proxy p;
	const char *why = "unset";

	ok(proxy_parse(url, &p, &why) == 0 && why == NULL, "\"%s\" parses",
	    url);
	is_int(p.kind, kind, "\"%s\" kind", url);
	is_str(p.user, user, "\"%s\" user", url);
	is_str(p.sv.name, name, "\"%s\" proxy", url);
	is_str(p.url, canon, "\"%s\" shown as", url);
}

static void
url_bad(const char *url, const char *because)
{
	struct proxy p;
	const char *why = NULL;

	ok(proxy_parse(url, &p, &why) == -1 && why != NULL &&
	    strstr(why, because) != NULL, "\"%s\" refused: %s", url, because);
	if (why != NULL && strstr(why, because) == NULL)
		printf("#   why: %s\n", why);
}

static void
mkproxy(struct proxy *p, const char *url)
{
	const char *why;

	if (proxy_parse(url, p, &why) == -1) {
		printf("Bail out! %s: %s\n", url, why);
		exit(1);
	}
}

static void
mkserver(struct server *sv, const char *arg)
{
	const char *why;

	if (server_parse(arg, 4334, sv, &why) == -1) {
		printf("Bail out! %s: %s\n", arg, why);
		exit(1);
	}
}

static int
same(const unsigned char *got, size_t gotlen, const void *want,
    size_t wantlen)
{
	return gotlen == wantlen && memcmp(got, want, wantlen) == 0;
}

/* Feed a whole reply in one go; what was taken and the step. */
static size_t
feed(struct proxy_talk *t, const void *buf, size_t len, enum proxy_step *s)
{
	return proxy_feed(t, buf, len, s);
}

/* Feed one byte at a time, as a slow proxy sends them. */
static size_t
trickle(struct proxy_talk *t, const void *buf, size_t len,
    enum proxy_step *s)
{
	const unsigned char *p = buf;
	size_t i, n = 0;

	*s = PROXY_MORE;
	for (i = 0; i < len && *s == PROXY_MORE; i++)
		n += proxy_feed(t, p + i, 1, s);
	return n;
}

static void
socks5_plain(void)
{
	struct proxy p;
	struct server dest;
	struct proxy_talk t;
	enum proxy_step s;
	const char *why;
	static const unsigned char req[] = { 5, 1, 0, 3, 15,
	    'n', 'm', 's', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'n',
	    'e', 't', 0x10, 0xee };
	/* The reply, then the server's first bytes: they stay unread. */
	static const unsigned char reply[] = { 5, 0, 0, 1, 127, 0, 0, 1, 0x04,
	    0x38, 'S', 'S', 'H', '-' };

	mkproxy(&p, "socks5://127.0.0.1");
	mkserver(&dest, "nms.example.net");
	ok(proxy_start(&t, &p, &dest, "", 0, &why) == 0, "socks5: starts");
	ok(same(t.out, t.outlen, "\5\1\0", 3),
	    "socks5 without a user: offers \"no authentication\" only");
	is_int(feed(&t, "\5\0", 2, &s), 2, "socks5: method reply taken");
	is_int(s, PROXY_SEND, "socks5: then the request");
	ok(same(t.out, t.outlen, req, sizeof(req)),
	    "socks5: CONNECT with the name (DOMAINNAME) and port 4334");
	is_int(feed(&t, reply, sizeof(reply), &s), 10,
	    "socks5: the reply taken up to its end, not the server's bytes");
	is_int(s, PROXY_DONE, "socks5: tunnel open");
	proxy_talk_wipe(&t);

	/* The same, a byte at a time, with an IPv6 and a name in reply. */
	ok(proxy_start(&t, &p, &dest, "", 0, &why) == 0, "socks5: again");
	is_int(trickle(&t, "\5\0", 2, &s), 2, "socks5: method by bytes");
	is_int(s, PROXY_SEND, "socks5: request after a trickled method");
	{
		unsigned char r6[4 + 16 + 2 + 3] = { 5, 0, 0, 4 };
		unsigned char rn[4 + 1 + 3 + 2 + 1] = { 5, 0, 0, 3, 3, 'a',
		    'b', 'c', 0, 1, 'X' };

		is_int(trickle(&t, r6, sizeof(r6), &s), 22,
		    "socks5: an IPv6 reply is 22 bytes, fed one by one");
		is_int(s, PROXY_DONE, "socks5: done after BND.PORT");
		proxy_talk_wipe(&t);
		(void)proxy_start(&t, &p, &dest, "", 0, &why);
		(void)feed(&t, "\5\0", 2, &s);
		is_int(feed(&t, rn, sizeof(rn), &s), 10,
		    "socks5: a DOMAINNAME reply is 5 + its length + 2 bytes");
		is_int(s, PROXY_DONE, "socks5: done after a named BND.ADDR");
	}
	proxy_talk_wipe(&t);
}

static void
socks5_literal(void)
{
	struct proxy p;
	struct server dest;
	struct proxy_talk t;
	enum proxy_step s;
	const char *why;
	static const unsigned char v4[] = { 5, 1, 0, 1, 192, 0, 2, 7, 0, 22 };
	unsigned char v6[4 + 16 + 2] = { 5, 1, 0, 4, 0x20, 0x01, 0x0d, 0xb8 };

	v6[19] = 1;
	v6[20] = 0x10;
	v6[21] = 0xef;
	mkproxy(&p, "socks5://proxy.example:1081");
	mkserver(&dest, "192.0.2.7:22");
	(void)proxy_start(&t, &p, &dest, "", 0, &why);
	(void)feed(&t, "\5\0", 2, &s);
	ok(same(t.out, t.outlen, v4, sizeof(v4)),
	    "socks5: an IPv4 literal goes as an IPv4 address");
	mkserver(&dest, "[2001:db8::1]:4335");
	(void)proxy_start(&t, &p, &dest, "", 0, &why);
	(void)feed(&t, "\5\0", 2, &s);
	ok(same(t.out, t.outlen, v6, sizeof(v6)),
	    "socks5: an IPv6 literal goes as an IPv6 address");
	proxy_talk_wipe(&t);
}

static void
socks5_auth(void)
{
	struct proxy p;
	struct server dest;
	struct proxy_talk t;
	enum proxy_step s;
	const char *why;

	mkproxy(&p, "socks5://alice@127.0.0.1:1080");
	mkserver(&dest, "nms:830");
	ok(proxy_start(&t, &p, &dest, "s3cret", 6, &why) == 0,
	    "socks5 with a user: starts");
	ok(same(t.out, t.outlen, "\5\2\0\2", 4),
	    "socks5 with a user: offers none and username/password");
	is_int(feed(&t, "\5\2", 2, &s), 2, "socks5: method 2 taken");
	is_int(s, PROXY_SEND, "socks5: the proxy asks for the password");
	ok(same(t.out, t.outlen, "\1\5alice\6s3cret", 14),
	    "socks5: RFC 1929 request: version 1, user, password");
	is_int(feed(&t, "\1\0", 2, &s), 2, "socks5: auth reply taken");
	is_int(s, PROXY_SEND, "socks5: accepted, then the request");
	ok(same(t.out, t.outlen, "\5\1\0\3\3nms\3\76", 10),
	    "socks5: CONNECT nms port 830");
	proxy_talk_wipe(&t);

	(void)proxy_start(&t, &p, &dest, "wrong", 5, &why);
	(void)feed(&t, "\5\2", 2, &s);
	is_int(feed(&t, "\1\1", 2, &s), 2, "socks5: auth failure taken");
	is_int(s, PROXY_REFUSED, "socks5: a wrong password is a refusal");
	ok(strstr(t.why, "authentication failed") != NULL,
	    "socks5: named: %s", t.why);
	proxy_talk_wipe(&t);

	/* A proxy that needs no password may say so. */
	(void)proxy_start(&t, &p, &dest, "s3cret", 6, &why);
	(void)feed(&t, "\5\0", 2, &s);
	is_int(s, PROXY_SEND, "socks5: method 0 with a user: the request");
	ok(t.out[0] == 5 && t.out[1] == 1, "socks5: the CONNECT, no password");
	proxy_talk_wipe(&t);

	{
		char longpass[300];

		memset(longpass, 'x', sizeof(longpass));
		ok(proxy_start(&t, &p, &dest, longpass, 256, &why) == -1 &&
		    strstr(why, "255") != NULL,
		    "socks5: a password over 255 bytes is refused");
	}
}

static void
socks5_refusals(void)
{
	struct proxy p;
	struct server dest;
	struct proxy_talk t;
	enum proxy_step s;
	const char *why;
	static const struct {
		unsigned char	 rep;
		const char	*name;
	} codes[] = {
		{ 1, "general SOCKS server failure" },
		{ 2, "connection not allowed by ruleset" },
		{ 3, "network unreachable" },
		{ 4, "host unreachable" },
		{ 5, "connection refused" },
		{ 6, "TTL expired" },
		{ 7, "command not supported" },
		{ 8, "address type not supported" },
		{ 9, "unassigned" },
		{ 0xff, "unassigned" }
	};
	unsigned char r[2] = { 5, 0 };
	char want[80];
	size_t i;

	mkproxy(&p, "socks5://127.0.0.1");
	mkserver(&dest, "nms");
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		(void)proxy_start(&t, &p, &dest, "", 0, &why);
		(void)feed(&t, "\5\0", 2, &s);
		r[1] = codes[i].rep;
		/* A refusal is known from its first two bytes. */
		is_int(feed(&t, r, 2, &s), 2, "socks5 reply %u: 2 bytes",
		    codes[i].rep);
		snprintf(want, sizeof(want), "(SOCKS5 reply %u)", codes[i].rep);
		ok(s == PROXY_REFUSED && strstr(t.why, codes[i].name) != NULL &&
		    strstr(t.why, want) != NULL, "socks5 reply %u: %s",
		    codes[i].rep, t.why);
	}
	(void)proxy_start(&t, &p, &dest, "", 0, &why);
	(void)feed(&t, "\5\377", 2, &s);
	ok(s == PROXY_REFUSED && strstr(t.why, "no acceptable") != NULL &&
	    strstr(t.why, "USER@") != NULL,
	    "socks5: no acceptable method, without a user: %s", t.why);
	(void)proxy_start(&t, &p, &dest, "", 0, &why);
	(void)feed(&t, "\5\2", 2, &s);
	ok(s == PROXY_GARBAGE && strstr(t.why, "not offered") != NULL,
	    "socks5: a method not offered is garbage: %s", t.why);
	proxy_talk_wipe(&t);
}

static void
socks5_garbage(void)
{
	struct proxy p;
	struct server dest;
	struct proxy_talk t;
	enum proxy_step s;
	const char *why;

	mkproxy(&p, "socks5://127.0.0.1");
	mkserver(&dest, "nms");
	(void)proxy_start(&t, &p, &dest, "", 0, &why);
	is_int(feed(&t, "HTTP/1.1 400 Bad Request\r\n", 26, &s), 2,
	    "socks5: an HTTP answer: only 2 bytes looked at");
	ok(s == PROXY_GARBAGE && strstr(t.why, "0x48") != NULL &&
	    strstr(t.why, "HTTP proxy") != NULL, "socks5: named: %s", t.why);
	(void)proxy_start(&t, &p, &dest, "", 0, &why);
	(void)feed(&t, "\5\0", 2, &s);
	(void)feed(&t, "\4\0", 2, &s);
	ok(s == PROXY_GARBAGE && strstr(t.why, "version 0x04") != NULL,
	    "socks5: a SOCKS4 reply: %s", t.why);
	(void)proxy_start(&t, &p, &dest, "", 0, &why);
	(void)feed(&t, "\5\0", 2, &s);
	(void)feed(&t, "\5\0\0\7", 4, &s);
	ok(s == PROXY_GARBAGE && strstr(t.why, "address type 7") != NULL,
	    "socks5: a bad address type: %s", t.why);
	is_int(feed(&t, "\5\0", 2, &s), 0, "socks5: nothing taken when over");
	is_int(s, PROXY_GARBAGE, "socks5: and it stays over");
	proxy_talk_wipe(&t);
}

static void
http_requests(void)
{
	struct proxy p;
	struct server dest;
	struct proxy_talk t;
	const char *why;
	static const char plain[] = "CONNECT nms.example.net:4334 HTTP/1.1\r\n"
	    "Host: nms.example.net:4334\r\n\r\n";
	/* "Aladdin:open sesame", RFC 7617's example. */
	static const char basic[] = "CONNECT [2001:db8::1]:830 HTTP/1.1\r\n"
	    "Host: [2001:db8::1]:830\r\n"
	    "Proxy-Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n\r\n";

	mkproxy(&p, "http://127.0.0.1:8888");
	mkserver(&dest, "nms.example.net");
	ok(proxy_start(&t, &p, &dest, "", 0, &why) == 0, "http: starts");
	ok(same(t.out, t.outlen, plain, sizeof(plain) - 1),
	    "http: CONNECT host:port, with Host");
	mkproxy(&p, "http://Aladdin@proxy");
	mkserver(&dest, "[2001:db8::1]:830");
	ok(proxy_start(&t, &p, &dest, "open sesame", 11, &why) == 0,
	    "http with a user: starts");
	ok(same(t.out, t.outlen, basic, sizeof(basic) - 1),
	    "http: an IPv6 target in brackets, Basic auth");
	if (!same(t.out, t.outlen, basic, sizeof(basic) - 1))
		printf("#   got: %.*s\n", (int)t.outlen, t.out);
	proxy_talk_wipe(&t);
}

static void
http_replies(void)
{
	struct proxy p;
	struct server dest;
	struct proxy_talk t;
	enum proxy_step s;
	const char *why;
	static const char okay[] = "HTTP/1.1 200 Connection established\r\n"
	    "Proxy-Agent: tinyproxy/1.11.1\r\n\r\nSSH-2.0-OpenSSH_9.2\r\n";
	static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n"
	    "HTTP/1.0 200 OK\r\n\r\nX";
	static const char bare[] = "HTTP/1.0 200\n\nX";
	static const char *const refused[] = {
	    "HTTP/1.1 403 Access violation\r\nContent-Length: 0\r\n\r\n",
	    "HTTP/1.1 407 Proxy Authentication Required\r\n"
	    "Proxy-Authenticate: Basic realm=\"tinyproxy\"\r\n\r\n",
	    "HTTP/1.1 502 Bad Gateway\r\n\r\n",
	    "HTTP/1.1 301 Moved\r\nLocation: x\r\n\r\n" };
	static const char *const garbage[] = {
	    "SSH-2.0-OpenSSH_9.2\r\n", "\5\1\n",
	    "HTTP/1.1 99 Odd\r\n\r\n", "HTTP/2 200\r\n\r\n",
	    "HTTP/1.1 20x OK\r\n\r\n" };
	size_t i, n;

	mkproxy(&p, "http://127.0.0.1");
	mkserver(&dest, "nms");
	(void)proxy_start(&t, &p, &dest, "", 0, &why);
	is_int(feed(&t, okay, sizeof(okay) - 1, &s), sizeof(okay) - 1 - 21,
	    "http: 200 taken up to the empty line, the SSH banner left");
	is_int(s, PROXY_DONE, "http: 200: tunnel open");
	is_str(t.why, "HTTP/1.1 200 Connection established",
	    "http: the status line kept");
	(void)proxy_start(&t, &p, &dest, "", 0, &why);
	is_int(trickle(&t, okay, sizeof(okay) - 1, &s), sizeof(okay) - 1 - 21,
	    "http: 200 byte by byte, the same");
	is_int(s, PROXY_DONE, "http: byte by byte: open");
	(void)proxy_start(&t, &p, &dest, "", 0, &why);
	is_int(feed(&t, cont, sizeof(cont) - 1, &s), sizeof(cont) - 2,
	    "http: a 100 before the 200 is skipped");
	is_int(s, PROXY_DONE, "http: 100 then 200: open");
	(void)proxy_start(&t, &p, &dest, "", 0, &why);
	is_int(feed(&t, bare, sizeof(bare) - 1, &s), sizeof(bare) - 2,
	    "http: bare LF line ends and no reason phrase");
	is_int(s, PROXY_DONE, "http: bare: open");
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		(void)proxy_start(&t, &p, &dest, "", 0, &why);
		n = strlen(refused[i]);
		is_int(feed(&t, refused[i], n, &s), n,
		    "http refusal %zu: the whole header taken", i);
		ok(s == PROXY_REFUSED && strncmp(t.why, refused[i],
		    strcspn(refused[i], "\r")) == 0 &&
		    t.why[strcspn(refused[i], "\r")] == '\0',
		    "http: refused with the status line: %s", t.why);
	}
	for (i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++) {
		(void)proxy_start(&t, &p, &dest, "", 0, &why);
		(void)feed(&t, garbage[i], strlen(garbage[i]), &s);
		ok(s == PROXY_GARBAGE && strstr(t.why, "not an HTTP reply") !=
		    NULL, "http garbage %zu: %s", i, t.why);
	}
	(void)proxy_start(&t, &p, &dest, "", 0, &why);
	(void)feed(&t, "\1\2\3\n", 4, &s);
	ok(s == PROXY_GARBAGE && strstr(t.why, "\\001\\002\\003") != NULL,
	    "http: control bytes shown escaped: %s", t.why);
	{
		static char flood[PROXY_HTTP_HEAD_MAX + 100];
		size_t head = strlen("HTTP/1.1 200 OK\r\n");

		memset(flood, 'a', sizeof(flood));
		memcpy(flood, "HTTP/1.1 200 OK\r\n", head);
		(void)proxy_start(&t, &p, &dest, "", 0, &why);
		n = feed(&t, flood, sizeof(flood), &s);
		ok(s == PROXY_GARBAGE && n == PROXY_HTTP_HEAD_MAX + 1 &&
		    strstr(t.why, "longer than") != NULL,
		    "http: an endless header is cut at %d bytes: %s",
		    PROXY_HTTP_HEAD_MAX, t.why);
	}
	proxy_talk_wipe(&t);
}

int
main(void)
{
	url_good("socks5://127.0.0.1", PROXY_SOCKS5, "", "127.0.0.1:1080",
	    "socks5://127.0.0.1:1080");
	url_good("SOCKS5://alice@proxy.example:1081/", PROXY_SOCKS5, "alice",
	    "proxy.example:1081", "socks5://alice@proxy.example:1081");
	url_good("socks5://[::1]:9050", PROXY_SOCKS5, "", "[::1]:9050",
	    "socks5://[::1]:9050");
	url_good("http://proxy", PROXY_HTTP, "", "proxy:3128",
	    "http://proxy:3128");
	url_good("http://bob.smith@10.0.0.1:8080", PROXY_HTTP, "bob.smith",
	    "10.0.0.1:8080", "http://bob.smith@10.0.0.1:8080");
	url_bad("socks4://proxy", "only socks5://");
	url_bad("socks5h://proxy", "only socks5://");
	url_bad("https://proxy", "must start with socks5:// or http://");
	url_bad("proxy:1080", "must start with");
	url_bad("socks5://", "empty host");
	url_bad("socks5://alice:pw@proxy", "--proxy-password-file");
	url_bad("socks5://@proxy", "empty user");
	url_bad("http://a%20b@proxy", "invalid character in the user");
	url_bad("http://proxy:0", "port must be");
	url_bad("http://proxy:99999", "port must be");
	url_bad("http://proxy/path", "no path");
	url_bad("http://proxy?x", "no path");
	url_bad("http://pro xy", "invalid character");
	url_bad("http://[::1", "missing ']'");
	{
		char u[300];

		memset(u, 0, sizeof(u));
		memcpy(u, "socks5://", 9);
		memset(u + 9, 'u', 256);
		u[9 + 256] = '@';
		memcpy(u + 9 + 257, "p", 1);
		url_bad(u, "longer than 255");
	}
	socks5_plain();
	socks5_literal();
	socks5_auth();
	socks5_refusals();
	socks5_garbage();
	http_requests();
	http_replies();
	return done_testing();
}
