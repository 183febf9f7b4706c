/*
 * ssh-callhomed's command line: argv to struct daemon_config, every range
 * checked.  Pure: touches no file or socket, so that it can be unit-tested.
 */
#ifndef DAEMONOPTS_H
#define DAEMONOPTS_H

#include <stddef.h>

#include "admit.h"
#include "nmsopts.h"
#include "server.h"

#define DAEMON_LISTEN_MAX	8	/* --listen options */
#define DAEMON_CONTROL		NMS_BROKER_DEFAULT
#define DAEMON_MAX_STARTUPS	"64:30:256"
#define DAEMON_PER_SOURCE	0	/* no bound per source address */
/* Parked calls' TCP keepalive: a vanished device goes within 120 s. */
#define DAEMON_KA_INTERVAL	20	/* s idle, then s between probes */
#define DAEMON_KA_COUNT		5	/* probes lost: the device is gone */
#define DAEMON_KA_INTERVAL_MAX	3600
#define DAEMON_KA_COUNT_MAX	100

struct daemon_listen {
	char	host[SERVER_HOST_MAX + 1];	/* "": every address */
	char	port[SERVER_PORT_MAX + 1];
	char	name[SERVER_NAME_MAX + 1];
};

struct daemon_config {
	struct daemon_listen listen[DAEMON_LISTEN_MAX];
	size_t		 nlisten;	/* 0: every address, port 4334 */
	const char	*devices;
	const char	*secret_file;
	const char	*known_hosts;
	const char	*control;
	int		 preamble_timeout;	/* seconds */
	struct admit	 admit;
	int		 ka_interval;	/* s; 0: the system's timings */
	int		 ka_count;
	int		 verbosity;
	int		 use_syslog;
};

enum daemonopts_result {
	DAEMONOPTS_USAGE = -1,
	DAEMONOPTS_OK = 0,
	DAEMONOPTS_HELP,
	DAEMONOPTS_VERSION
};

enum daemonopts_result
	daemonopts_parse(int argc, char *argv[], struct daemon_config *cfg,
	    char *err, size_t errlen);
const char *
	daemonopts_usage(void);

#endif
