/*
 * ssh-callhome's command line: argv to struct nms_config, every range
 * checked.  Pure: touches no file or socket, so that it can be unit-tested.
 */
#ifndef NMSOPTS_H
#define NMSOPTS_H

#include <stddef.h>

#include "server.h"

#define NMS_DEFAULT_PORT		4334	/* RFC 8071 netconf-ch-ssh */
#define NMS_DEFAULT_TIMEOUT		120	/* seconds, the whole wait */
#define NMS_DEFAULT_PREAMBLE_TIMEOUT	10	/* seconds per call */
#define NMS_TIMEOUT_MAX			86400
#define NMS_PREAMBLE_TIMEOUT_MAX	3600
#define NMS_BROKER_DEFAULT	"/run/ssh-callhome/control" /* ssh-callhomed */

struct nms_config {
	char		 listen_host[SERVER_HOST_MAX + 1]; /* "": all addresses */
	char		 listen_port[SERVER_PORT_MAX + 1];
	char		 listen_name[SERVER_NAME_MAX + 1]; /* for messages */
	const char	*device_id;		/* NULL: any device */
	int		 timeout;		/* seconds */
	int		 preamble_timeout;	/* seconds */
	int		 require_preamble;
	const char	*secret_file;
	int		 allow_swapped;
	const char	*known_hosts;
	int		 fdpass;
	int		 print;
	int		 verbosity;
	const char	*broker;	/* NULL: listen ourselves */
	int		 list;		/* --list (with --broker) */
	int		 list_raw;	/* --format=raw */
	int		 listen_set;	/* --listen given */
	int		 timeout_set;	/* --timeout given */
};

enum nmsopts_result {
	NMSOPTS_USAGE = -1,	/* err says what is wrong */
	NMSOPTS_OK = 0,
	NMSOPTS_HELP,
	NMSOPTS_VERSION
};

enum nmsopts_result
	nmsopts_parse(int argc, char *argv[], struct nms_config *cfg,
	    char *err, size_t errlen);
int	nmsopts_listen(const char *arg, struct nms_config *cfg,
	    const char **why);
const char *
	nmsopts_usage(void);

#endif
