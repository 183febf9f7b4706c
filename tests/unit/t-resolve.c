/*
 * The resolver child's answer on the wire, both ways, and resolve() on
 * numeric names (no DNS): it answers and leaves no child behind.
 */
#include "config.h"

#include <sys/wait.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>

#include "resolve.h"
#include "tap.h"

static struct sockaddr_in sin4[RESOLVE_MAX + 2];
static struct sockaddr_in6 sin6;
static struct addrinfo ai[RESOLVE_MAX + 4];
static unsigned char buf[RESOLVE_WIRE_MAX + 16];
static struct resolved out;

/* A list: 127.0.0.1:4334, an AF_UNIX entry (skipped), [::1]:4334. */
static struct addrinfo *
small_list(void)
{
	static struct sockaddr un = { .sa_family = AF_UNIX };

	memset(ai, 0, sizeof(ai));
	sin4[0].sin_family = AF_INET;
	sin4[0].sin_port = htons(4334);
	sin4[0].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(4334);
	sin6.sin6_addr = in6addr_loopback;
	ai[0] = (struct addrinfo){ .ai_family = AF_INET,
	    .ai_socktype = SOCK_STREAM, .ai_protocol = IPPROTO_TCP,
	    .ai_addrlen = sizeof(sin4[0]), .ai_addr = (void *)&sin4[0],
	    .ai_next = &ai[1] };
	ai[1] = (struct addrinfo){ .ai_family = AF_UNIX,
	    .ai_socktype = SOCK_STREAM, .ai_addrlen = sizeof(un),
	    .ai_addr = &un, .ai_next = &ai[2] };
	ai[2] = (struct addrinfo){ .ai_family = AF_INET6,
	    .ai_socktype = SOCK_STREAM, .ai_protocol = IPPROTO_TCP,
	    .ai_addrlen = sizeof(sin6), .ai_addr = (void *)&sin6 };
	return ai;
}

static void
wire(void)
{
	struct addrinfo *list = small_list();
	size_t len, cut, i;
	uint32_t v;
	int bad;

	len = resolve_pack(0, 0, list, buf, sizeof(buf));
	is_int(len, RESOLVE_HDR_LEN + 2 * RESOLVE_REC_LEN + sizeof(sin4[0]) +
	    sizeof(sin6), "two addresses packed, the AF_UNIX one left out");
	is_int(resolve_unpack(buf, len, &out), 0, "and unpacked");
	ok(out.gai_error == 0 && out.n == 2, "no error, two addresses");
	ok(out.a[0].family == AF_INET && out.a[0].socktype == SOCK_STREAM &&
	    out.a[0].protocol == IPPROTO_TCP &&
	    out.a[0].addrlen == sizeof(sin4[0]) &&
	    memcmp(&out.a[0].addr, &sin4[0], sizeof(sin4[0])) == 0,
	    "the IPv4 address, port and type survive");
	ok(out.a[1].family == AF_INET6 && out.a[1].addrlen == sizeof(sin6) &&
	    memcmp(&out.a[1].addr, &sin6, sizeof(sin6)) == 0,
	    "the IPv6 address, in order");

	/* Every cut short answer, and one byte too many, are refused. */
	bad = 0;
	for (cut = 0; cut < len; cut++)
		if (resolve_unpack(buf, cut, &out) != -1)
			bad++;
	is_int(bad, 0, "all %zu truncations refused", len);
	buf[len] = 0;
	is_int(resolve_unpack(buf, len + 1, &out), -1, "trailing byte refused");

	/* Records that lie. */
	len = resolve_pack(0, 0, list, buf, sizeof(buf));
	v = sizeof(struct sockaddr_storage);
	memcpy(buf + RESOLVE_HDR_LEN + 12, &v, 4);
	is_int(resolve_unpack(buf, len, &out), -1,
	    "an address length that does not fit its family refused");
	len = resolve_pack(0, 0, list, buf, sizeof(buf));
	v = AF_INET6;
	memcpy(buf + RESOLVE_HDR_LEN, &v, 4);
	is_int(resolve_unpack(buf, len, &out), -1,
	    "a record family unlike its sockaddr's refused");
	len = resolve_pack(0, 0, list, buf, sizeof(buf));
	v = RESOLVE_MAX + 1;
	memcpy(buf + 8, &v, 4);
	is_int(resolve_unpack(buf, len, &out), -1, "a count over the bound");

	/* Errors. */
	len = resolve_pack(EAI_NONAME, 0, NULL, buf, sizeof(buf));
	ok(len == RESOLVE_HDR_LEN && resolve_unpack(buf, len, &out) == 0 &&
	    out.gai_error == EAI_NONAME && out.n == 0,
	    "a lookup error travels alone");
	is_str(resolve_strerror(&out), gai_strerror(EAI_NONAME),
	    "... and is described by gai_strerror");
	len = resolve_pack(EAI_SYSTEM, ENFILE, list, buf, sizeof(buf));
	ok(resolve_unpack(buf, len, &out) == 0 && out.n == 0 &&
	    out.sys_errno == ENFILE, "EAI_SYSTEM carries errno, no address");
	is_str(resolve_strerror(&out), strerror(ENFILE), "... described");
	len = resolve_pack(0, 0, NULL, buf, sizeof(buf));
	is_int(resolve_unpack(buf, len, &out), -1,
	    "neither an error nor an address: refused");
	len = resolve_pack(0, 0, list, buf, sizeof(buf));
	v = EAI_AGAIN;
	memcpy(buf, &v, 4);
	is_int(resolve_unpack(buf, len, &out), -1,
	    "an error with addresses: refused");

	/* The bound: a long list keeps the first RESOLVE_MAX. */
	memset(ai, 0, sizeof(ai));
	for (i = 0; i < RESOLVE_MAX + 2; i++) {
		sin4[i].sin_family = AF_INET;
		sin4[i].sin_addr.s_addr = htonl(0x7f000001 + i);
		ai[i] = (struct addrinfo){ .ai_family = AF_INET,
		    .ai_socktype = SOCK_STREAM, .ai_addrlen = sizeof(sin4[i]),
		    .ai_addr = (void *)&sin4[i],
		    .ai_next = i + 1 < RESOLVE_MAX + 2 ? &ai[i + 1] : NULL };
	}
	len = resolve_pack(0, 0, ai, buf, RESOLVE_WIRE_MAX);
	ok(resolve_unpack(buf, len, &out) == 0 && out.n == RESOLVE_MAX &&
	    memcmp(&out.a[RESOLVE_MAX - 1].addr, &sin4[RESOLVE_MAX - 1],
	    sizeof(sin4[0])) == 0, "%d of %d addresses kept, in order",
	    RESOLVE_MAX, RESOLVE_MAX + 2);
	len = resolve_pack(0, 0, ai, buf, RESOLVE_HDR_LEN + 2 *
	    (RESOLVE_REC_LEN + sizeof(sin4[0])) + 3);
	ok(resolve_unpack(buf, len, &out) == 0 && out.n == 2,
	    "a small buffer holds what fits, and is not overrun");
}

static void
lookups(void)
{
	struct addrinfo hints;
	struct sockaddr_in *s;
	sigset_t none;
	char err[256];
	int r;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	sigemptyset(&none);
	r = resolve("127.0.0.1", "4334", &hints, 5000, &none, &out, err,
	    sizeof(err));
	s = (struct sockaddr_in *)&out.a[0].addr;
	ok(r == RESOLVE_OK && out.n == 1 && out.a[0].family == AF_INET &&
	    s->sin_addr.s_addr == htonl(INADDR_LOOPBACK) &&
	    ntohs(s->sin_port) == 4334, "a numeric address, through the child");
	hints.ai_flags = AI_NUMERICHOST;
	r = resolve("not-numeric", "4334", &hints, 5000, &none, &out, err,
	    sizeof(err));
	ok(r == RESOLVE_FAILED && out.gai_error == EAI_NONAME,
	    "getaddrinfo's error comes back (%s)", resolve_strerror(&out));
	errno = 0;
	ok(waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD,
	    "every resolver child reaped");
}

int
main(void)
{
	wire();
	lookups();
	return done_testing();
}
