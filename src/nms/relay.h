/*
 * Giving an accepted call to the SSH client: pass the socket itself
 * (ssh's ProxyUseFdpass), or relay it over stdin/stdout (any ProxyCommand).
 */
#ifndef HANDOFF_H
#define HANDOFF_H

#include <signal.h>

#define RELAY_BUF	(64 * 1024)
#define RELAY_LINGER_MS	10000	/* after the client's EOF, for the device's */

enum relay_status {
	RELAY_DONE,		/* one side closed, the rest was delivered */
	RELAY_INTERRUPTED,	/* a signal came in */
	RELAY_ERROR
};

int	handoff_check_fdpass(int out, char *err, size_t errlen);
int	handoff_fdpass(int out, int fd, char *err, size_t errlen);
enum relay_status
	handoff_relay(int in, int out, int fd, const sigset_t *waitmask);

#endif
