#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "misc.h"
#include "resolve.h"
#include "signals.h"

/*
 * The wire format: host byte order, since both ends are the same program.
 * Header: int32 gai_error, int32 sys_errno, uint32 count.  Each record:
 * int32 family, socktype, protocol, uint32 addrlen, then the sockaddr.
 */

static void
put32(unsigned char *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static uint32_t
get32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* The sockaddr length a family must have; 0: not an address we dial. */
static socklen_t
family_len(int family)
{
	switch (family) {
	case AF_INET:
		return sizeof(struct sockaddr_in);
	case AF_INET6:
		return sizeof(struct sockaddr_in6);
	}
	return 0;
}

/*
 * res (NULL when gai_error is set) in buf; the length.  At most RESOLVE_MAX
 * addresses are kept, IPv4 and IPv6 only.  cap of RESOLVE_WIRE_MAX always
 * suffices; a smaller buf is never overrun.
 */
size_t
resolve_pack(int gai_error, int sys_errno, const struct addrinfo *res,
    unsigned char *buf, size_t cap)
{
	const struct addrinfo *ai;
	size_t off = RESOLVE_HDR_LEN;
	uint32_t n = 0;

	if (cap < RESOLVE_HDR_LEN)
		return 0;
	for (ai = gai_error == 0 ? res : NULL; ai != NULL && n < RESOLVE_MAX;
	    ai = ai->ai_next) {
		if (family_len(ai->ai_family) == 0 ||
		    ai->ai_addrlen != family_len(ai->ai_family) ||
		    cap - off < RESOLVE_REC_LEN + ai->ai_addrlen)
			continue;
		put32(buf + off, (uint32_t)ai->ai_family);
		put32(buf + off + 4, (uint32_t)ai->ai_socktype);
		put32(buf + off + 8, (uint32_t)ai->ai_protocol);
		put32(buf + off + 12, (uint32_t)ai->ai_addrlen);
		memcpy(buf + off + RESOLVE_REC_LEN, ai->ai_addr, ai->ai_addrlen);
		off += RESOLVE_REC_LEN + ai->ai_addrlen;
		n++;
	}
	put32(buf, (uint32_t)gai_error);
	put32(buf + 4, (uint32_t)sys_errno);
	put32(buf + 8, n);
	return off;
}

/*
 * buf back into out: 0, or -1 if it is not exactly one well-formed answer
 * (a child killed while writing leaves a short one).
 */
int
resolve_unpack(const unsigned char *buf, size_t len, struct resolved *out)
{
	struct resolved_addr *ra;
	size_t off = RESOLVE_HDR_LEN, i;
	sa_family_t fam;
	uint32_t n;

	memset(out, 0, sizeof(*out));
	if (len < RESOLVE_HDR_LEN)
		return -1;
	out->gai_error = (int)get32(buf);
	out->sys_errno = (int)get32(buf + 4);
	n = get32(buf + 8);
	/* An error and addresses, or neither: not an answer. */
	if (n > RESOLVE_MAX || (out->gai_error != 0) == (n != 0))
		return -1;
	for (i = 0; i < n; i++) {
		ra = &out->a[i];
		if (len - off < RESOLVE_REC_LEN)
			return -1;
		ra->family = (int)get32(buf + off);
		ra->socktype = (int)get32(buf + off + 4);
		ra->protocol = (int)get32(buf + off + 8);
		ra->addrlen = (socklen_t)get32(buf + off + 12);
		off += RESOLVE_REC_LEN;
		if (family_len(ra->family) == 0 ||
		    ra->addrlen != family_len(ra->family) ||
		    len - off < ra->addrlen)
			return -1;
		memcpy(&ra->addr, buf + off, ra->addrlen);
		memcpy(&fam, buf + off, sizeof(fam));
		if (fam != ra->family)
			return -1;
		off += ra->addrlen;
	}
	if (off != len)
		return -1;
	out->n = n;
	return 0;
}

const char *
resolve_strerror(const struct resolved *r)
{
	if (r->gai_error == EAI_SYSTEM)
		return strerror(r->sys_errno);
	return gai_strerror(r->gai_error);
}

/*
 * The child: look up, write the answer in one write (it is smaller than
 * PIPE_BUF, so it is atomic), and _exit: no atexit handler, no stdio
 * buffer of the parent's flushed twice.  It holds nothing but the pipe.
 */
static void __attribute__((noreturn))
resolve_child(int wfd, const char *host, const char *port,
    const struct addrinfo *hints)
{
	unsigned char buf[RESOLVE_WIRE_MAX];
	struct addrinfo *res = NULL;
	size_t len;
	int e;

	signals_child_reset();
	if (wfd != 3) {
		if (dup2(wfd, 3) == -1)
			_exit(1);
		wfd = 3;
	}
	closefrom(4);
	e = getaddrinfo(host, port, hints, &res);
	len = resolve_pack(e, e == EAI_SYSTEM ? errno : 0, res, buf,
	    sizeof(buf));
	_exit(write(wfd, buf, len) == (ssize_t)len ? 0 : 1);
}

static void
kill_and_reap(pid_t pid)
{
	(void)kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
		;
}

enum resolve_status
resolve(const char *host, const char *port, const struct addrinfo *hints,
    int timeout_ms, const sigset_t *waitmask, struct resolved *out,
    char *err, size_t errlen)
{
	unsigned char buf[RESOLVE_WIRE_MAX + 1];
	long long deadline = now_ms() + timeout_ms, left;
	enum resolve_status st = RESOLVE_ERROR;
	sigset_t mask;
	size_t len = 0;
	ssize_t r;
	int p[2];
	pid_t pid;

	memset(out, 0, sizeof(*out));
	/* The child's own end is no interruption: SIGCHLD stays pending. */
	mask = *waitmask;
	sigaddset(&mask, SIGCHLD);
	if (pipe2(p, O_CLOEXEC) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return RESOLVE_ERROR;
	}
	if ((pid = fork()) == -1) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return RESOLVE_ERROR;
	}
	if (pid == 0) {
		close(p[0]);
		resolve_child(p[1], host, port, hints);
	}
	close(p[1]);
	for (;;) {
		left = deadline - now_ms();
		if (left <= 0) {
			st = RESOLVE_TIMEOUT;
			break;
		}
		r = wait_fd(p[0], POLLIN, (int)left, &mask);
		if (r == -1 && errno == EINTR) {
			st = RESOLVE_INTERRUPTED;
			break;
		}
		if (r == -1) {
			snprintf(err, errlen, "poll: %s", strerror(errno));
			break;
		}
		if (r == 0)
			continue;
		r = read(p[0], buf + len, sizeof(buf) - len);
		if (r > 0 && (len += r) < sizeof(buf))
			continue;
		if (r == -1 && errno == EINTR)
			continue;
		if (r == 0 && resolve_unpack(buf, len, out) == 0)
			st = out->gai_error == 0 ? RESOLVE_OK : RESOLVE_FAILED;
		else
			snprintf(err, errlen, "the resolver process failed");
		break;
	}
	close(p[0]);
	/* Done with it whatever happened: a zombie now, or stuck in a lookup. */
	kill_and_reap(pid);
	return st;
}
