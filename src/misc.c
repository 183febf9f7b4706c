#include "config.h"

#include <fcntl.h>
#include <poll.h>
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
