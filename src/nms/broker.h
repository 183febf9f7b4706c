/*
 * ssh-callhome --broker: a client of ssh-callhomed's control socket
 * (ctlproto.h).  It takes a device's parked call, or lists the fleet.
 */
#ifndef BROKER_H
#define BROKER_H

#include <signal.h>
#include <stdio.h>

#include "ctlproto.h"

#define BROKER_REPLY_MARGIN_MS	10000	/* past the take's own timeout */

enum broker_status {
	BROKER_OK,
	BROKER_NOT_RUNNING,	/* nobody listens on the control socket */
	BROKER_TIMEOUT,		/* the device did not call in time */
	BROKER_REFUSED,		/* the daemon answered with an error */
	BROKER_INTERRUPTED,	/* a signal came in */
	BROKER_ERROR
};

enum broker_status
	broker_take(const char *path, const char *id, long long timeout_ms,
	    const sigset_t *waitmask, struct ctl_reply *r, int *callfd,
	    char *err, size_t errlen);
enum broker_status
	broker_list(const char *path, int raw, FILE *out, char *err,
	    size_t errlen);

#endif
