/*
 * Giving an accepted call to any ProxyCommand client: copy its stdin to
 * the socket and the socket to its stdout.
 */
#ifndef RELAY_H
#define RELAY_H

#include <signal.h>

#define RELAY_BUF	(64 * 1024)
#define RELAY_LINGER_MS	10000	/* after the client's EOF, for the device's */

enum relay_status {
	RELAY_DONE,		/* one side closed, the rest was delivered */
	RELAY_INTERRUPTED,	/* a signal came in */
	RELAY_ERROR
};

enum relay_status
	relay_run(int in, int out, int fd, const sigset_t *waitmask);

#endif
