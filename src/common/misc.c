#include "config.h"

#include <sys/resource.h>
#include <sys/socket.h>
#ifdef HAVE_SYS_PRCTL_H
#include <sys/prctl.h>
#endif

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "misc.h"

/* Milliseconds on the monotonic clock: deadlines survive clock changes. */
long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The wall clock, for what is scheduled by the calendar (--anchor-time). */
long long
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* An address as logged: numeric, "a.b.c.d:port" or "[v6]:port". */
void
addr_name(const struct sockaddr *sa, socklen_t salen, char *out, size_t outlen)
{
	char host[NI_MAXHOST], serv[NI_MAXSERV];

	if (getnameinfo(sa, salen, host, sizeof(host), serv, sizeof(serv),
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		strlcpy(out, "(unknown)", outlen);
		return;
	}
	snprintf(out, outlen, sa->sa_family == AF_INET6 ? "[%s]:%s" : "%s:%s",
	    host, serv);
}

/* A relative timeout for ppoll() and nanosleep(); never negative. */
struct timespec
ms_timespec(long long ms)
{
	struct timespec ts;

	if (ms < 0)
		ms = 0;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000;
	return ts;
}

/*
 * Wait until fd is ready for events, timeout_ms passes (0) or a signal in
 * waitmask arrives (-1, errno EINTR).  1 when ready.
 */
int
wait_fd(int fd, short events, int timeout_ms, const sigset_t *waitmask)
{
	struct pollfd pfd = { fd, events, 0 };
	struct timespec ts = ms_timespec(timeout_ms);

	return ppoll(&pfd, 1, &ts, waitmask);
}

/* fds 0-2 open, so that no socket or secret ever lands on one of them. */
void
sanitise_stdfd(void)
{
	int fd;

	while ((fd = open("/dev/null", O_RDWR)) != -1 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
}

static struct rlimit core_limit;	/* as started, for core_limit_restore() */
static int core_limit_saved;

/*
 * For as long as the process may hold the secret: no core dump, and no
 * ptrace or /proc/PID/mem by other processes of the same user (Linux;
 * elsewhere only the core limit).  Only the soft limit is lowered, so that
 * a child can have it back before it execs; exec makes it dumpable again.
 */
void
nodump_init(void)
{
	struct rlimit rl;

#if defined(HAVE_SYS_PRCTL_H) && defined(PR_SET_DUMPABLE)
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
#endif
	if (getrlimit(RLIMIT_CORE, &core_limit) == -1)
		return;
	core_limit_saved = 1;
	rl = core_limit;
	rl.rlim_cur = 0;
	(void)setrlimit(RLIMIT_CORE, &rl);
}

/* In a child about to exec: the core limit the process started with. */
void
core_limit_restore(void)
{
	if (core_limit_saved)
		(void)setrlimit(RLIMIT_CORE, &core_limit);
}

void
args_free(char **v)
{
	char **p;

	if (v == NULL)
		return;
	for (p = v; *p != NULL; p++)
		free(*p);
	free(v);
}

/* A copy of argv for options to point into: setproctitle reuses argv. */
char **
args_copy(int argc, char *argv[])
{
	char **v;
	int i;

	if ((v = calloc(argc + 1, sizeof(*v))) == NULL)
		return NULL;
	for (i = 0; i < argc; i++) {
		if ((v[i] = strdup(argv[i])) == NULL) {
			args_free(v);
			return NULL;
		}
	}
	return v;
}
