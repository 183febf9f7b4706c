/*
 * ssh-callhomed watches its parked calls for a hang-up only, and most of
 * the time none of them has anything to say: thousands of idle sockets
 * must cost nothing per turn of the event loop.  They are registered once
 * in an epoll set, whose own descriptor sits in the loop's short poll
 * array (listeners, callers still sending a preamble, control clients)
 * and becomes readable when some parked call has hung up.
 *
 * Linux only (epoll), as the daemon already is (SO_PEERCRED, POLLRDHUP);
 * configure says so.
 */
#ifndef HANGUP_H
#define HANGUP_H

#include <stddef.h>

#define HANGUP_BATCH	256	/* hang-ups collected per turn of the loop */

struct hangup {
	int	 efd;
};

int	hangup_open(struct hangup *h);
void	hangup_close(struct hangup *h);
int	hangup_add(struct hangup *h, int fd, void *ptr);
void	hangup_del(struct hangup *h, int fd);
size_t	hangup_ready(struct hangup *h, void **ptr, size_t max);

#endif
