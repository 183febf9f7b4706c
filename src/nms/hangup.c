#include "config.h"

#include <sys/epoll.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "hangup.h"

int
hangup_open(struct hangup *h)
{
	h->efd = epoll_create1(EPOLL_CLOEXEC);
	return h->efd == -1 ? -1 : 0;
}

void
hangup_close(struct hangup *h)
{
	if (h->efd != -1)
		close(h->efd);
	h->efd = -1;
}

/*
 * Watch fd for a hang-up (FIN, RST, or a keepalive timeout), reported
 * with ptr.  Never for input: a parked call's SSH banner is readable from
 * the start and is not the daemon's to read.  Level-triggered: a hang-up
 * is reported until fd is removed.
 */
int
hangup_add(struct hangup *h, int fd, void *ptr)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLRDHUP;		/* EPOLLHUP and EPOLLERR are implied */
	ev.data.ptr = ptr;
	return epoll_ctl(h->efd, EPOLL_CTL_ADD, fd, &ev);
}

/*
 * Stop watching fd, before it is closed or handed on.  Closing is not
 * enough: a descriptor in flight in SCM_RIGHTS, or held by the taker,
 * keeps the open file, and so its registration, alive.
 */
void
hangup_del(struct hangup *h, int fd)
{
	struct epoll_event ev;

	(void)epoll_ctl(h->efd, EPOLL_CTL_DEL, fd, &ev);
}

/* Without waiting: the ptrs of up to max calls that hung up. */
size_t
hangup_ready(struct hangup *h, void **ptr, size_t max)
{
	struct epoll_event ev[HANGUP_BATCH];
	int n, i;

	if (max > HANGUP_BATCH)
		max = HANGUP_BATCH;
	do
		n = epoll_wait(h->efd, ev, (int)max, 0);
	while (n == -1 && errno == EINTR);
	for (i = 0; i < n; i++)
		ptr[i] = ev[i].data.ptr;
	return n > 0 ? (size_t)n : 0;
}
