/*
 * sshd-callhome's command line: argv to struct config, every range checked.
 * Pure: touches no file, so that it can be unit-tested and fuzzed; even the
 * current directory that relative paths are resolved against is an argument.
 */
#ifndef OPTIONS_H
#define OPTIONS_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>

#include "preamble.h"
#include "proxy.h"
#include "server.h"

#define DEFAULT_PORT		4334	/* RFC 8071 netconf-ch-ssh */
#define DEFAULT_RETRY		3
#define DEFAULT_TIMEOUT		15
#define DEFAULT_KA_INTERVAL	15
#define DEFAULT_KA_COUNT	3
#define DEFAULT_BACKOFF_MAX	120
#define DEFAULT_IDLE_TIMEOUT	180	/* with --periodic */
#define DEFAULT_REDIAL_JITTER	1	/* seconds */
#define WAIT_FOR_CLIENT_MAX	86400	/* seconds */
#define OPTIONS_PATHS		6	/* options that name a file */

enum services { SERVICES_NETCONF, SERVICES_ANY };
enum strategy { STRATEGY_IN_ORDER, STRATEGY_STICKY, STRATEGY_RANDOM };

struct config {
	const char	 *device_id;
	struct server	 *servers;
	size_t		  nservers;
	unsigned int	  port;
	const char	 *secret_file;
	const char	 *host_key_file;
	enum preamble_style preamble;
	int		  retry;
	int		  timeout;		/* seconds per attempt */
	int		  ka_interval;		/* seconds, 0 = off */
	int		  ka_count;
	enum services	  services;
	const char	 *sshd;
	const char	 *sshd_config;
	char		**sshd_options;
	size_t		  nsshd_options;
	enum strategy	  strategy;
	const char	 *state_file;
	int		  backoff_max;		/* seconds */
	int		  startup_delay;	/* seconds */
	int		  redial_jitter;	/* seconds */
	int		  periodic;		/* minutes, 0 = persistent */
	int		  idle_timeout;		/* seconds, 0 = off, -1 = default */
	int		  wait_for_client;	/* sshd LoginGraceTime, 0 = none,
						   -1 = sshd_config's */
	const char	 *pidfile;
	int		  daemon;
	int		  use_syslog;
	int		  once;
	int		  check;
	int		  verbosity;
	/* Reaching the server through a proxy (--proxy). */
	struct proxy	  proxy;		/* kind PROXY_NONE: direct */
	const char	 *proxy_password_file;
	char		 *abs_paths[OPTIONS_PATHS]; /* made by options_absolute() */
	/* Where calls come from: --bind, --interface, --anchor-time. */
	struct sockaddr_storage bind_addr;
	socklen_t	  bind_len;		/* 0: no --bind */
	const char	 *bind_text;
	const char	 *interface;		/* NULL: no --interface */
	const char	 *anchor_text;		/* NULL: no --anchor-time */
	long long	  anchor_ms;		/* since the epoch */
};

enum options_result {
	OPTIONS_USAGE = -1,	/* err says what is wrong */
	OPTIONS_OK = 0,
	OPTIONS_HELP,
	OPTIONS_VERSION
};

enum options_result
	options_parse(int argc, char *argv[], struct config *cfg, char *err,
	    size_t errlen);
int	options_absolute(struct config *cfg, const char *cwd, char *err,
	    size_t errlen);
void	options_free(struct config *cfg);
const char *
	options_usage(void);

#endif
