#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "anchor.h"
#include "optarg.h"
#include "options.h"

enum {
	OPT_DEVICE_ID = 256, OPT_PORT, OPT_SECRET_FILE, OPT_HOST_KEY,
	OPT_PREAMBLE, OPT_RETRY, OPT_TIMEOUT, OPT_KA_INTERVAL, OPT_KA_COUNT,
	OPT_SERVICES, OPT_SSHD, OPT_SSHD_CONFIG, OPT_SSHD_OPTION, OPT_ONCE,
	OPT_CHECK, OPT_STRATEGY, OPT_STATE_FILE, OPT_BACKOFF_MAX,
	OPT_STARTUP_DELAY, OPT_PERIODIC, OPT_IDLE_TIMEOUT, OPT_DAEMON,
	OPT_PIDFILE, OPT_SYSLOG, OPT_REDIAL_JITTER, OPT_WAIT_FOR_CLIENT
};

/* Where calls come from, and through which proxy: a block of their own. */
enum {
	OPT_BIND = 512, OPT_INTERFACE, OPT_ANCHOR_TIME, OPT_PROXY,
	OPT_PROXY_PASSWORD_FILE
};

static const struct option longopts[] = {
	{ "device-id",		required_argument, NULL, OPT_DEVICE_ID },
	{ "port",		required_argument, NULL, OPT_PORT },
	{ "secret-file",	required_argument, NULL, OPT_SECRET_FILE },
	{ "host-key",		required_argument, NULL, OPT_HOST_KEY },
	{ "preamble",		required_argument, NULL, OPT_PREAMBLE },
	{ "retry",		required_argument, NULL, OPT_RETRY },
	{ "timeout",		required_argument, NULL, OPT_TIMEOUT },
	{ "keepalive-interval",	required_argument, NULL, OPT_KA_INTERVAL },
	{ "keepalive-count",	required_argument, NULL, OPT_KA_COUNT },
	{ "services",		required_argument, NULL, OPT_SERVICES },
	{ "sshd",		required_argument, NULL, OPT_SSHD },
	{ "sshd-config",	required_argument, NULL, OPT_SSHD_CONFIG },
	{ "sshd-option",	required_argument, NULL, OPT_SSHD_OPTION },
	{ "once",		no_argument,	   NULL, OPT_ONCE },
	{ "check",		no_argument,	   NULL, OPT_CHECK },
	{ "reconnect-strategy",	required_argument, NULL, OPT_STRATEGY },
	{ "state-file",		required_argument, NULL, OPT_STATE_FILE },
	{ "backoff-max",	required_argument, NULL, OPT_BACKOFF_MAX },
	{ "startup-delay",	required_argument, NULL, OPT_STARTUP_DELAY },
	{ "redial-jitter",	required_argument, NULL, OPT_REDIAL_JITTER },
	{ "periodic",		required_argument, NULL, OPT_PERIODIC },
	{ "idle-timeout",	required_argument, NULL, OPT_IDLE_TIMEOUT },
	{ "wait-for-client",	required_argument, NULL, OPT_WAIT_FOR_CLIENT },
	{ "daemon",		no_argument,	   NULL, OPT_DAEMON },
	{ "pidfile",		required_argument, NULL, OPT_PIDFILE },
	{ "syslog",		no_argument,	   NULL, OPT_SYSLOG },
	{ "bind",		required_argument, NULL, OPT_BIND },
	{ "interface",		required_argument, NULL, OPT_INTERFACE },
	{ "anchor-time",	required_argument, NULL, OPT_ANCHOR_TIME },
	{ "proxy",		required_argument, NULL, OPT_PROXY },
	{ "proxy-password-file", required_argument, NULL,
	    OPT_PROXY_PASSWORD_FILE },
	{ "verbose",		no_argument,	   NULL, 'v' },
	{ "quiet",		no_argument,	   NULL, 'q' },
	{ "version",		no_argument,	   NULL, 'V' },
	{ "help",		no_argument,	   NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static const char usage_text[] =
"usage: sshd-callhome [options] --device-id=ID SERVER...\n"
"  SERVER is host, host:port, IPv4:port, [IPv6] or [IPv6]:port\n"
"  a relative FILE is taken from the directory it is started in\n"
"\n"
"Identity and preamble:\n"
"  --device-id=ID             identity sent as DEVICE-ID (required)\n"
"  --secret-file=FILE         shared secret: send HOST-KEY and HMAC\n"
"  --host-key=FILE            public host key to announce (default: sshd's)\n"
"  --preamble=STYLE           junos (default), junos-nul or none\n"
"Dialing:\n"
"  --port=N                   default server port (4334)\n"
"  --retry=N                  attempts per server (3)\n"
"  --timeout=SECONDS          seconds per attempt, lookup included (15)\n"
"  --reconnect-strategy=S     in-order (default), sticky or random\n"
"  --state-file=FILE          remember the last good server (sticky)\n"
"  --backoff-max=SECONDS      longest wait between passes (120)\n"
"  --startup-delay=SECONDS    random delay before the first dial (0)\n"
"  --redial-jitter=SECONDS    random delay after a healthy session (1)\n"
"  --periodic=MINUTES         dial once per period instead of staying up\n"
"  --idle-timeout=SECONDS     close an idle session (180 with --periodic)\n"
"  --once                     one session, then exit\n"
"Where calls come from:\n"
"  --bind=ADDR[:PORT]         source address (IPv4 or [IPv6]) and port\n"
"  --interface=IFNAME         leave through this interface or VRF\n"
"  --anchor-time=TIME         with --periodic: call at TIME + k periods;\n"
"                             TIME as 2026-01-01T00:00:00Z or ...+01:00\n"
"Proxy:\n"
"  --proxy=URL                call through socks5://[USER@]HOST[:PORT] (1080)\n"
"                             or http://[USER@]HOST[:PORT] (3128, CONNECT);\n"
"                             the proxy resolves the server names\n"
"  --proxy-password-file=FILE the proxy password for USER (private file)\n"
"Session:\n"
"  --keepalive-interval=SECONDS  sshd ClientAliveInterval, 0 = off (15)\n"
"  --keepalive-count=N        sshd ClientAliveCountMax (3)\n"
"  --wait-for-client=SECONDS  sshd LoginGraceTime for the call, 0 = as long\n"
"                             as the connection lives (sshd_config's)\n"
"  --services=netconf|any     NETCONF only (default) or what sshd allows\n"
"  --sshd=PATH                sshd to exec (" SSHD_PATH ")\n"
"  --sshd-config=FILE         sshd -f FILE\n"
"  --sshd-option=OPT          sshd -o OPT (repeatable)\n"
"Operation:\n"
"  --check                    validate, print the preamble, exit\n"
"  --daemon                   detach; log to syslog\n"
"  --pidfile=FILE             write and lock a pidfile\n"
"  --syslog                   log to syslog\n"
"  -v, --verbose              more detail (repeatable)\n"
"  -q, --quiet                errors only\n"
"  -V, --version              print the version\n"
"  -h, --help                 print this help\n";

const char *
options_usage(void)
{
	return usage_text;
}

static const char *const preamble_words[] = { "junos", "junos-nul", "none",
    NULL };
static const char *const services_words[] = { "netconf", "any", NULL };
static const char *const strategy_words[] = { "in-order", "sticky", "random",
    NULL };

/* --bind=ADDR[:PORT]: a numeric address, IPv4 or [IPv6], no zone. */
static int
bind_option(const char *arg, struct config *cfg, char *err, size_t errlen)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&cfg->bind_addr;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&cfg->bind_addr;
	struct server sv;
	const char *why;
	int port;

	/* Port 0 stands for "none given": server_parse() refuses an explicit 0. */
	if (server_parse(arg, 0, &sv, &why) == -1) {
		snprintf(err, errlen, "--bind=%s: %s", arg, why);
		return -1;
	}
	port = (int)strtonum(sv.port, 0, 65535, &why);
	memset(&cfg->bind_addr, 0, sizeof(cfg->bind_addr));
	if (inet_pton(AF_INET, sv.host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		cfg->bind_len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, sv.host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		cfg->bind_len = sizeof(*sin6);
	} else {
		snprintf(err, errlen, "--bind=%s: not an IPv4 address or an "
		    "[IPv6] address%s", arg, strchr(sv.host, '%') != NULL ?
		    " (no %zone: give the interface with --interface)" : "");
		return -1;
	}
	cfg->bind_text = arg;
	return 0;
}

/* The rules of Linux's dev_valid_name(), so that a typo fails at once. */
static int
interface_option(const char *arg, struct config *cfg, char *err,
    size_t errlen)
{
	if (arg[0] == '\0' || strlen(arg) >= IFNAMSIZ ||
	    strcmp(arg, ".") == 0 || strcmp(arg, "..") == 0 ||
	    strpbrk(arg, "/: \t\n\r\v\f") != NULL) {
		snprintf(err, errlen, "--interface=%s: not an interface name "
		    "(1 to %d bytes, no '/', ':' or white space)", arg,
		    IFNAMSIZ - 1);
		return -1;
	}
	cfg->interface = arg;
	return 0;
}

static int
reach_option(int ch, const char *arg, struct config *cfg, char *err,
    size_t errlen)
{
	const char *why;

	switch (ch) {
	case OPT_BIND:
		return bind_option(arg, cfg, err, errlen);
	case OPT_INTERFACE:
		return interface_option(arg, cfg, err, errlen);
	case OPT_ANCHOR_TIME:
	default:
		if (anchor_parse(arg, &cfg->anchor_ms, &why) == -1) {
			snprintf(err, errlen, "--anchor-time=%s: %s", arg, why);
			return -1;
		}
		cfg->anchor_text = arg;
		return 0;
	}
}

/* An --sshd-option that sets LoginGraceTime, or NULL. */
static const char *
grace_option(const struct config *cfg)
{
	static const char kw[] = "LoginGraceTime";
	const char *o;
	size_t i;

	for (i = 0; i < cfg->nsshd_options; i++) {
		o = cfg->sshd_options[i];
		if (strncasecmp(o, kw, sizeof(kw) - 1) == 0 &&
		    strchr("= \t", o[sizeof(kw) - 1]) != NULL &&
		    o[sizeof(kw) - 1] != '\0')
			return o;
	}
	return NULL;
}

/* --proxy and its password file, with the servers it reaches. */
static int
proxy_check(const struct config *cfg, char *err, size_t errlen)
{
	size_t i;

	if (cfg->proxy.kind == PROXY_NONE) {
		if (cfg->proxy_password_file != NULL) {
			snprintf(err, errlen, "--proxy-password-file needs "
			    "--proxy");
			return -1;
		}
		return 0;
	}
	if (cfg->proxy.user[0] != '\0' && cfg->proxy_password_file == NULL) {
		snprintf(err, errlen, "--proxy=%s names a user: give the "
		    "password with --proxy-password-file", cfg->proxy.url);
		return -1;
	}
	if (cfg->proxy.user[0] == '\0' && cfg->proxy_password_file != NULL) {
		snprintf(err, errlen, "--proxy-password-file needs a user in "
		    "the proxy URL (%s://USER@HOST)",
		    proxy_kind_name(cfg->proxy.kind));
		return -1;
	}
	/* A zone names an interface here: nothing the proxy knows of. */
	for (i = 0; i < cfg->nservers; i++)
		if (strchr(cfg->servers[i].host, '%') != NULL) {
			snprintf(err, errlen, "server \"%s\": an IPv6 zone "
			    "cannot go through --proxy", cfg->servers[i].name);
			return -1;
		}
	return 0;
}

enum options_result
options_parse(int argc, char *argv[], struct config *cfg, char *err,
    size_t errlen)
{
	const char *why;
	char **v;
	int ch, n, port = DEFAULT_PORT;
	size_t i;

	memset(cfg, 0, sizeof(*cfg));
	cfg->retry = DEFAULT_RETRY;
	cfg->timeout = DEFAULT_TIMEOUT;
	cfg->ka_interval = DEFAULT_KA_INTERVAL;
	cfg->ka_count = DEFAULT_KA_COUNT;
	cfg->backoff_max = DEFAULT_BACKOFF_MAX;
	cfg->redial_jitter = DEFAULT_REDIAL_JITTER;
	cfg->idle_timeout = -1;
	cfg->wait_for_client = -1;
	cfg->sshd = SSHD_PATH;
	err[0] = '\0';

	optarg_reset();
	while ((ch = getopt_long(argc, argv, ":vqVh", longopts, NULL)) != -1) {
		const char *name = optind > 0 && optind <= argc ?
		    argv[optind - 1] : "?";

		switch (ch) {
		case OPT_DEVICE_ID:
			if (preamble_id_ok(optarg, &why) == -1) {
				snprintf(err, errlen, "--device-id: %s", why);
				goto usage;
			}
			cfg->device_id = optarg;
			break;
		case OPT_PORT:
			if (optarg_number("port", optarg, 1, 65535, &port, err,
			    errlen) == -1)
				goto usage;
			break;
		case OPT_SECRET_FILE:
			if (optarg_nonempty("secret-file", optarg, &cfg->secret_file,
			    err, errlen) == -1)
				goto usage;
			break;
		case OPT_HOST_KEY:
			if (optarg_nonempty("host-key", optarg, &cfg->host_key_file,
			    err, errlen) == -1)
				goto usage;
			break;
		case OPT_PREAMBLE:
			if (optarg_word("preamble", optarg, preamble_words, &n, err,
			    errlen) == -1)
				goto usage;
			cfg->preamble = n;
			break;
		case OPT_RETRY:
			if (optarg_number("retry", optarg, 1, 100, &cfg->retry, err,
			    errlen) == -1)
				goto usage;
			break;
		case OPT_TIMEOUT:
			if (optarg_number("timeout", optarg, 1, 3600, &cfg->timeout,
			    err, errlen) == -1)
				goto usage;
			break;
		case OPT_KA_INTERVAL:
			if (optarg_number("keepalive-interval", optarg, 0, 3600,
			    &cfg->ka_interval, err, errlen) == -1)
				goto usage;
			break;
		case OPT_KA_COUNT:
			if (optarg_number("keepalive-count", optarg, 1, 100,
			    &cfg->ka_count, err, errlen) == -1)
				goto usage;
			break;
		case OPT_SERVICES:
			if (optarg_word("services", optarg, services_words, &n, err,
			    errlen) == -1)
				goto usage;
			cfg->services = n;
			break;
		case OPT_SSHD:
			if (optarg[0] != '/') {
				snprintf(err, errlen, "--sshd=%s: must be an "
				    "absolute path", optarg);
				goto usage;
			}
			cfg->sshd = optarg;
			break;
		case OPT_SSHD_CONFIG:
			if (optarg_nonempty("sshd-config", optarg, &cfg->sshd_config,
			    err, errlen) == -1)
				goto usage;
			break;
		case OPT_SSHD_OPTION:
			if (optarg[0] == '\0' || optarg[0] == '-' ||
			    strpbrk(optarg, "\r\n") != NULL) {
				snprintf(err, errlen, "--sshd-option: \"%s\" is "
				    "not an sshd_config option", optarg);
				goto usage;
			}
			if ((v = reallocarray(cfg->sshd_options,
			    cfg->nsshd_options + 1, sizeof(*v))) == NULL) {
				snprintf(err, errlen, "out of memory");
				goto usage;
			}
			cfg->sshd_options = v;
			cfg->sshd_options[cfg->nsshd_options++] = optarg;
			break;
		case OPT_ONCE:
			cfg->once = 1;
			break;
		case OPT_CHECK:
			cfg->check = 1;
			break;
		case OPT_STRATEGY:
			if (optarg_word("reconnect-strategy", optarg, strategy_words,
			    &n, err, errlen) == -1)
				goto usage;
			cfg->strategy = n;
			break;
		case OPT_STATE_FILE:
			if (optarg_nonempty("state-file", optarg, &cfg->state_file,
			    err, errlen) == -1)
				goto usage;
			break;
		case OPT_BACKOFF_MAX:
			if (optarg_number("backoff-max", optarg, 1, 86400,
			    &cfg->backoff_max, err, errlen) == -1)
				goto usage;
			break;
		case OPT_STARTUP_DELAY:
			if (optarg_number("startup-delay", optarg, 0, 86400,
			    &cfg->startup_delay, err, errlen) == -1)
				goto usage;
			break;
		case OPT_REDIAL_JITTER:
			if (optarg_number("redial-jitter", optarg, 0, 3600,
			    &cfg->redial_jitter, err, errlen) == -1)
				goto usage;
			break;
		case OPT_PERIODIC:
			if (optarg_number("periodic", optarg, 1, 10080,
			    &cfg->periodic, err, errlen) == -1)
				goto usage;
			break;
		case OPT_IDLE_TIMEOUT:
			if (optarg_number("idle-timeout", optarg, 0, 86400,
			    &cfg->idle_timeout, err, errlen) == -1)
				goto usage;
			break;
		case OPT_WAIT_FOR_CLIENT:
			if (optarg_number("wait-for-client", optarg, 0,
			    WAIT_FOR_CLIENT_MAX, &cfg->wait_for_client, err,
			    errlen) == -1)
				goto usage;
			break;
		case OPT_DAEMON:
			cfg->daemon = 1;
			break;
		case OPT_PIDFILE:
			if (optarg_nonempty("pidfile", optarg, &cfg->pidfile, err,
			    errlen) == -1)
				goto usage;
			break;
		case OPT_SYSLOG:
			cfg->use_syslog = 1;
			break;
		case OPT_BIND:
		case OPT_INTERFACE:
		case OPT_ANCHOR_TIME:
			if (reach_option(ch, optarg, cfg, err, errlen) == -1)
				goto usage;
			break;
		case OPT_PROXY:
			if (proxy_parse(optarg, &cfg->proxy, &why) == -1) {
				snprintf(err, errlen, "--proxy=%s: %s", optarg,
				    why);
				goto usage;
			}
			break;
		case OPT_PROXY_PASSWORD_FILE:
			if (optarg_nonempty("proxy-password-file", optarg,
			    &cfg->proxy_password_file, err, errlen) == -1)
				goto usage;
			break;
		case 'v':
			cfg->verbosity++;
			break;
		case 'q':
			cfg->verbosity = -1;
			break;
		case 'V':
			return OPTIONS_VERSION;
		case 'h':
			return OPTIONS_HELP;
		default:
			optarg_error(ch, name, err, errlen);
			goto usage;
		}
	}
	if (cfg->device_id == NULL) {
		snprintf(err, errlen, "--device-id is required");
		goto usage;
	}
	if (optind >= argc) {
		snprintf(err, errlen, "no SERVER given");
		goto usage;
	}
	cfg->port = port;
	cfg->nservers = argc - optind;
	if ((cfg->servers = calloc(cfg->nservers, sizeof(*cfg->servers))) ==
	    NULL) {
		snprintf(err, errlen, "out of memory");
		goto usage;
	}
	for (i = 0; i < cfg->nservers; i++) {
		if (server_parse(argv[optind + i], cfg->port, &cfg->servers[i],
		    &why) == -1) {
			snprintf(err, errlen, "server \"%s\": %s",
			    argv[optind + i], why);
			goto usage;
		}
	}
	if (cfg->idle_timeout == -1)
		cfg->idle_timeout = cfg->periodic ? DEFAULT_IDLE_TIMEOUT : 0;
	if (cfg->secret_file != NULL && cfg->preamble == PREAMBLE_NONE) {
		snprintf(err, errlen, "--secret-file needs a preamble to carry "
		    "the HMAC; it makes no sense with --preamble=none");
		goto usage;
	}
	if (cfg->wait_for_client >= 0 && grace_option(cfg) != NULL) {
		snprintf(err, errlen, "--wait-for-client and --sshd-option=%s "
		    "both set LoginGraceTime; give one of them",
		    grace_option(cfg));
		goto usage;
	}
	/* Without keepalive nothing would ever notice a dead NMS. */
	if (cfg->wait_for_client == 0 && cfg->ka_interval == 0) {
		snprintf(err, errlen, "--wait-for-client=0 needs TCP keepalive "
		    "to notice a dead server; it makes no sense with "
		    "--keepalive-interval=0");
		goto usage;
	}
	if (proxy_check(cfg, err, errlen) == -1)
		goto usage;
	if (cfg->once && cfg->periodic) {
		snprintf(err, errlen, "--once and --periodic exclude each other");
		goto usage;
	}
	if (cfg->anchor_text != NULL && !cfg->periodic) {
		snprintf(err, errlen, "--anchor-time needs --periodic: it "
		    "anchors the period");
		goto usage;
	}
	return OPTIONS_OK;
usage:
	options_free(cfg);
	return OPTIONS_USAGE;
}

/*
 * Make every file option absolute against cwd: --daemon changes to / after
 * the files have been checked, and they are read again later (the secret
 * and host key for every session, the state file, the pidfile on exit).
 * cwd NULL means it is unknown; then only a relative path is an error.
 */
int
options_absolute(struct config *cfg, const char *cwd, char *err,
    size_t errlen)
{
	const struct {
		const char	 *name;
		const char	**path;
	} opt[OPTIONS_PATHS] = {
		{ "secret-file", &cfg->secret_file },
		{ "host-key", &cfg->host_key_file },
		{ "sshd-config", &cfg->sshd_config },
		{ "state-file", &cfg->state_file },
		{ "pidfile", &cfg->pidfile },
		{ "proxy-password-file", &cfg->proxy_password_file }
	};
	size_t i, n;
	char *abs;

	for (i = 0; i < OPTIONS_PATHS; i++) {
		if (*opt[i].path == NULL || (*opt[i].path)[0] == '/')
			continue;
		if (cwd == NULL || cwd[0] != '/') {
			snprintf(err, errlen, "--%s=%s: a relative path, and the "
			    "current directory is unknown", opt[i].name,
			    *opt[i].path);
			return -1;
		}
		n = strlen(cwd);
		if (asprintf(&abs, "%s%s%s", cwd, cwd[n - 1] == '/' ? "" : "/",
		    *opt[i].path) == -1) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		free(cfg->abs_paths[i]);
		cfg->abs_paths[i] = abs;
		*opt[i].path = abs;
	}
	return 0;
}

void
options_free(struct config *cfg)
{
	size_t i;

	for (i = 0; i < OPTIONS_PATHS; i++) {
		free(cfg->abs_paths[i]);
		cfg->abs_paths[i] = NULL;
	}
	free(cfg->servers);
	free(cfg->sshd_options);
	cfg->servers = NULL;
	cfg->sshd_options = NULL;
	cfg->nservers = cfg->nsshd_options = 0;
}
