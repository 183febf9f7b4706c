#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemonopts.h"
#include "nmsopts.h"
#include "optarg.h"

enum {
	OPT_LISTEN = 256, OPT_DEVICES, OPT_SECRET_FILE, OPT_KNOWN_HOSTS,
	OPT_CONTROL, OPT_PREAMBLE_TIMEOUT, OPT_MAX_STARTUPS, OPT_PER_SOURCE,
	OPT_SYSLOG, OPT_KA_INTERVAL, OPT_KA_COUNT
};

static const struct option longopts[] = {
	{ "listen",		required_argument, NULL, OPT_LISTEN },
	{ "devices",		required_argument, NULL, OPT_DEVICES },
	{ "secret-file",	required_argument, NULL, OPT_SECRET_FILE },
	{ "known-hosts",	required_argument, NULL, OPT_KNOWN_HOSTS },
	{ "control",		required_argument, NULL, OPT_CONTROL },
	{ "preamble-timeout",	required_argument, NULL, OPT_PREAMBLE_TIMEOUT },
	{ "max-startups",	required_argument, NULL, OPT_MAX_STARTUPS },
	{ "per-source-max-startups", required_argument, NULL, OPT_PER_SOURCE },
	{ "keepalive-interval",	required_argument, NULL, OPT_KA_INTERVAL },
	{ "keepalive-count",	required_argument, NULL, OPT_KA_COUNT },
	{ "syslog",		no_argument,	   NULL, OPT_SYSLOG },
	{ "verbose",		no_argument,	   NULL, 'v' },
	{ "quiet",		no_argument,	   NULL, 'q' },
	{ "version",		no_argument,	   NULL, 'V' },
	{ "help",		no_argument,	   NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static const char usage_text[] =
"usage: ssh-callhomed [options]\n"
"Hold the calls of a fleet of devices (RFC 8071, Junos outbound-ssh), one\n"
"parked call per device, and hand them to ssh-callhome(1) on request.\n"
"\n"
"  --listen=[ADDR]:PORT       where to listen (repeatable; default every\n"
"                             address, port 4334; or systemd's sockets)\n"
"  --devices=FILE             the device registry: only these may call\n"
"  --secret-file=FILE         fleet secret: require HOST-KEY and HMAC\n"
"  --known-hosts=FILE         record verified host keys for the devices\n"
"  --control=PATH             control socket (" DAEMON_CONTROL ")\n"
"  --preamble-timeout=SECONDS time a caller has to send its preamble (10)\n"
"  --max-startups=START:RATE:FULL  callers sending their preamble at\n"
"                             once (" DAEMON_MAX_STARTUPS ")\n"
"  --per-source-max-startups=N  of them from one address (no bound)\n"
"  --keepalive-interval=SECONDS  TCP keepalive of parked calls: idle time\n"
"                             and probe interval, 0 = the system's (20)\n"
"  --keepalive-count=N        probes lost before a parked call is gone (5);\n"
"                             a vanished device leaves the list within\n"
"                             interval x (count + 1) seconds\n"
"  --syslog                   log to syslog instead of stderr\n"
"  -v, --verbose              more detail (repeatable)\n"
"  -q, --quiet                errors only\n"
"  -V, --version              print the version\n"
"  -h, --help                 print this help\n"
"\n"
"Exit status: 0 stopped by SIGTERM or SIGINT, 64 usage, 69 cannot listen,\n"
"71 system error, 78 configuration.\n";

const char *
daemonopts_usage(void)
{
	return usage_text;
}

enum daemonopts_result
daemonopts_parse(int argc, char *argv[], struct daemon_config *cfg,
    char *err, size_t errlen)
{
	struct nms_config nc;
	struct daemon_listen *dl;
	const char *why;
	int ch, n;

	memset(cfg, 0, sizeof(*cfg));
	cfg->control = DAEMON_CONTROL;
	cfg->preamble_timeout = NMS_DEFAULT_PREAMBLE_TIMEOUT;
	(void)admit_parse(DAEMON_MAX_STARTUPS, &cfg->admit, &why);
	cfg->admit.per_source = DAEMON_PER_SOURCE;
	cfg->ka_interval = DAEMON_KA_INTERVAL;
	cfg->ka_count = DAEMON_KA_COUNT;
	err[0] = '\0';

	optarg_reset();
	while ((ch = getopt_long(argc, argv, ":vqVh", longopts, NULL)) != -1) {
		const char *name = optind > 0 && optind <= argc ?
		    argv[optind - 1] : "?";

		switch (ch) {
		case OPT_LISTEN:
			if (cfg->nlisten == DAEMON_LISTEN_MAX) {
				snprintf(err, errlen, "--listen: at most %d",
				    DAEMON_LISTEN_MAX);
				return DAEMONOPTS_USAGE;
			}
			if (nmsopts_listen(optarg, &nc, &why) == -1) {
				snprintf(err, errlen, "--listen=%s: %s", optarg,
				    why);
				return DAEMONOPTS_USAGE;
			}
			dl = &cfg->listen[cfg->nlisten++];
			strlcpy(dl->host, nc.listen_host, sizeof(dl->host));
			strlcpy(dl->port, nc.listen_port, sizeof(dl->port));
			strlcpy(dl->name, nc.listen_name, sizeof(dl->name));
			break;
		case OPT_DEVICES:
			if (optarg_nonempty("devices", optarg, &cfg->devices,
			    err, errlen) == -1)
				return DAEMONOPTS_USAGE;
			break;
		case OPT_SECRET_FILE:
			if (optarg_nonempty("secret-file", optarg,
			    &cfg->secret_file, err, errlen) == -1)
				return DAEMONOPTS_USAGE;
			break;
		case OPT_KNOWN_HOSTS:
			if (optarg_nonempty("known-hosts", optarg,
			    &cfg->known_hosts, err, errlen) == -1)
				return DAEMONOPTS_USAGE;
			break;
		case OPT_CONTROL:
			if (optarg_nonempty("control", optarg, &cfg->control,
			    err, errlen) == -1)
				return DAEMONOPTS_USAGE;
			break;
		case OPT_PREAMBLE_TIMEOUT:
			if (optarg_number("preamble-timeout", optarg, 1,
			    NMS_PREAMBLE_TIMEOUT_MAX, &cfg->preamble_timeout,
			    err, errlen) == -1)
				return DAEMONOPTS_USAGE;
			break;
		case OPT_MAX_STARTUPS:
			if (admit_parse(optarg, &cfg->admit, &why) == -1) {
				snprintf(err, errlen, "--max-startups=%s: %s",
				    optarg, why);
				return DAEMONOPTS_USAGE;
			}
			break;
		case OPT_PER_SOURCE:
			if (optarg_number("per-source-max-startups", optarg, 1,
			    ADMIT_MAX, &n, err, errlen) == -1)
				return DAEMONOPTS_USAGE;
			cfg->admit.per_source = (unsigned int)n;
			break;
		case OPT_KA_INTERVAL:
			if (optarg_number("keepalive-interval", optarg, 0,
			    DAEMON_KA_INTERVAL_MAX, &cfg->ka_interval, err,
			    errlen) == -1)
				return DAEMONOPTS_USAGE;
			break;
		case OPT_KA_COUNT:
			if (optarg_number("keepalive-count", optarg, 1,
			    DAEMON_KA_COUNT_MAX, &cfg->ka_count, err,
			    errlen) == -1)
				return DAEMONOPTS_USAGE;
			break;
		case OPT_SYSLOG:
			cfg->use_syslog = 1;
			break;
		case 'v':
			if (cfg->verbosity < 3)
				cfg->verbosity++;
			break;
		case 'q':
			cfg->verbosity = -1;
			break;
		case 'V':
			return DAEMONOPTS_VERSION;
		case 'h':
			return DAEMONOPTS_HELP;
		default:
			optarg_error(ch, name, err, errlen);
			return DAEMONOPTS_USAGE;
		}
	}
	if (optind < argc) {
		snprintf(err, errlen, "%s: unexpected argument (options are "
		    "--name=value)", argv[optind]);
		return DAEMONOPTS_USAGE;
	}
	if (cfg->known_hosts != NULL && cfg->secret_file == NULL &&
	    cfg->devices == NULL) {
		snprintf(err, errlen, "--known-hosts needs --secret-file or "
		    "--devices: only a verified host key is recorded");
		return DAEMONOPTS_USAGE;
	}
	return DAEMONOPTS_OK;
}
