#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "knownhosts.h"
#include "nmsopts.h"
#include "optarg.h"
#include "preamble.h"

enum {
	OPT_LISTEN = 256, OPT_DEVICE_ID, OPT_TIMEOUT, OPT_PREAMBLE_TIMEOUT,
	OPT_REQUIRE_PREAMBLE, OPT_SECRET_FILE, OPT_ALLOW_SWAPPED,
	OPT_KNOWN_HOSTS, OPT_FDPASS, OPT_PRINT, OPT_BROKER, OPT_LIST,
	OPT_FORMAT
};

static const char *const formats[] = { "table", "raw", NULL };

static const struct option longopts[] = {
	{ "listen",		required_argument, NULL, OPT_LISTEN },
	{ "device-id",		required_argument, NULL, OPT_DEVICE_ID },
	{ "timeout",		required_argument, NULL, OPT_TIMEOUT },
	{ "preamble-timeout",	required_argument, NULL, OPT_PREAMBLE_TIMEOUT },
	{ "require-preamble",	no_argument,	   NULL, OPT_REQUIRE_PREAMBLE },
	{ "secret-file",	required_argument, NULL, OPT_SECRET_FILE },
	{ "allow-swapped-hmac",	no_argument,	   NULL, OPT_ALLOW_SWAPPED },
	{ "known-hosts",	required_argument, NULL, OPT_KNOWN_HOSTS },
	{ "fdpass",		no_argument,	   NULL, OPT_FDPASS },
	{ "print",		no_argument,	   NULL, OPT_PRINT },
	{ "broker",		optional_argument, NULL, OPT_BROKER },
	{ "list",		no_argument,	   NULL, OPT_LIST },
	{ "format",		required_argument, NULL, OPT_FORMAT },
	{ "verbose",		no_argument,	   NULL, 'v' },
	{ "quiet",		no_argument,	   NULL, 'q' },
	{ "version",		no_argument,	   NULL, 'V' },
	{ "help",		no_argument,	   NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static const char usage_text[] =
"usage: ssh-callhome [options]\n"
"       ssh-callhome --broker[=PATH] --device-id=ID [--fdpass] [--timeout=S]\n"
"       ssh-callhome --broker[=PATH] --list [--format=table|raw]\n"
"Wait for a device's call (RFC 8071, Junos outbound-ssh), check its\n"
"preamble, and hand the connection to ssh as a ProxyCommand.\n"
"\n"
"Accepting:\n"
"  --listen=[ADDR]:PORT       where to listen (all addresses, port 4334);\n"
"                             ADDR may be an IPv4 address, [IPv6] or a name\n"
"  --device-id=ID             accept only the device that says it is ID\n"
"  --timeout=SECONDS          give up after this long without a call (120)\n"
"  --preamble-timeout=SECONDS time a caller has to send its preamble (10)\n"
"  --require-preamble         refuse calls without a preamble (RFC 8071)\n"
"Verifying:\n"
"  --secret-file=FILE         shared secret: require HOST-KEY and HMAC\n"
"  --allow-swapped-hmac       also accept HMAC(host key, secret) (compat)\n"
"  --known-hosts=FILE         record the verified host key for the device\n"
"                             (needs --secret-file)\n"
"Hand-off:\n"
"  --fdpass                   pass the socket on stdout (ProxyUseFdpass yes);\n"
"                             default: relay stdin/stdout\n"
"  --print                    print the call as KEY=value lines on stderr\n"
"Broker (ssh-callhomed):\n"
"  --broker[=PATH]            take the device's call from ssh-callhomed's\n"
"                             control socket (" NMS_BROKER_DEFAULT ")\n"
"                             instead of listening; needs --device-id\n"
"  --list                     with --broker: print the devices and the\n"
"                             unknown callers the daemon knows\n"
"  --format=table|raw         --list for people (table), or the control\n"
"                             protocol's own lines, for scripts (raw)\n"
"  -v, --verbose              more detail (repeatable)\n"
"  -q, --quiet                errors only\n"
"  -V, --version              print the version\n"
"  -h, --help                 print this help\n"
"\n"
"Exit status: 0 handed off, 64 usage, 69 cannot listen (or no daemon on\n"
"the control socket), 73 cannot write known_hosts, 75 no acceptable call\n"
"in time, 76 the daemon refused, 78 configuration, 1 other.\n";

const char *
nmsopts_usage(void)
{
	return usage_text;
}

/*
 * "[ADDR]:PORT": ":PORT" is every address; "ADDR", "[v6]" take the default
 * port.  A bare number would be read as an IPv4 address by the resolver,
 * so it is refused rather than guessed at.
 */
int
nmsopts_listen(const char *arg, struct nms_config *cfg, const char **why)
{
	struct server sv;
	long long port;

	*why = NULL;
	if (arg[0] == ':') {
		port = strtonum(arg + 1, 1, 65535, why);
		if (*why != NULL) {
			*why = "port must be a number from 1 to 65535";
			return -1;
		}
		cfg->listen_host[0] = '\0';
		snprintf(cfg->listen_port, sizeof(cfg->listen_port), "%lld",
		    port);
		snprintf(cfg->listen_name, sizeof(cfg->listen_name), "*:%lld",
		    port);
		return 0;
	}
	if (arg[0] != '\0' && strspn(arg, "0123456789") == strlen(arg)) {
		*why = "a port alone is written \":PORT\"";
		return -1;
	}
	if (server_parse(arg, NMS_DEFAULT_PORT, &sv, why) == -1)
		return -1;
	strlcpy(cfg->listen_host, sv.host, sizeof(cfg->listen_host));
	strlcpy(cfg->listen_port, sv.port, sizeof(cfg->listen_port));
	strlcpy(cfg->listen_name, sv.name, sizeof(cfg->listen_name));
	return 0;
}

enum nmsopts_result
nmsopts_parse(int argc, char *argv[], struct nms_config *cfg, char *err,
    size_t errlen)
{
	const char *why;
	int ch;

	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->listen_port, sizeof(cfg->listen_port), "%d",
	    NMS_DEFAULT_PORT);
	snprintf(cfg->listen_name, sizeof(cfg->listen_name), "*:%d",
	    NMS_DEFAULT_PORT);
	cfg->timeout = NMS_DEFAULT_TIMEOUT;
	cfg->preamble_timeout = NMS_DEFAULT_PREAMBLE_TIMEOUT;
	err[0] = '\0';

	optarg_reset();
	while ((ch = getopt_long(argc, argv, ":vqVh", longopts, NULL)) != -1) {
		const char *name = optind > 0 && optind <= argc ?
		    argv[optind - 1] : "?";

		switch (ch) {
		case OPT_LISTEN:
			if (nmsopts_listen(optarg, cfg, &why) == -1) {
				snprintf(err, errlen, "--listen=%s: %s", optarg,
				    why);
				goto usage;
			}
			cfg->listen_set = 1;
			break;
		case OPT_DEVICE_ID:
			if (preamble_id_ok(optarg, &why) == -1) {
				snprintf(err, errlen, "--device-id: %s", why);
				goto usage;
			}
			cfg->device_id = optarg;
			break;
		case OPT_TIMEOUT:
			if (optarg_number("timeout", optarg, 1, NMS_TIMEOUT_MAX,
			    &cfg->timeout, err, errlen) == -1)
				goto usage;
			cfg->timeout_set = 1;
			break;
		case OPT_PREAMBLE_TIMEOUT:
			if (optarg_number("preamble-timeout", optarg, 1,
			    NMS_PREAMBLE_TIMEOUT_MAX, &cfg->preamble_timeout,
			    err, errlen) == -1)
				goto usage;
			break;
		case OPT_REQUIRE_PREAMBLE:
			cfg->require_preamble = 1;
			break;
		case OPT_SECRET_FILE:
			if (optarg_nonempty("secret-file", optarg, &cfg->secret_file,
			    err, errlen) == -1)
				goto usage;
			break;
		case OPT_ALLOW_SWAPPED:
			cfg->allow_swapped = 1;
			break;
		case OPT_KNOWN_HOSTS:
			if (optarg_nonempty("known-hosts", optarg, &cfg->known_hosts,
			    err, errlen) == -1)
				goto usage;
			break;
		case OPT_FDPASS:
			cfg->fdpass = 1;
			break;
		case OPT_PRINT:
			cfg->print = 1;
			break;
		case OPT_BROKER:
			cfg->broker = NMS_BROKER_DEFAULT;
			if (optarg != NULL && optarg_nonempty("broker", optarg,
			    &cfg->broker, err, errlen) == -1)
				goto usage;
			break;
		case OPT_LIST:
			cfg->list = 1;
			break;
		case OPT_FORMAT:
			if (optarg_word("format", optarg, formats,
			    &cfg->list_raw, err, errlen) == -1)
				goto usage;
			break;
		case 'v':
			if (cfg->verbosity < 3)
				cfg->verbosity++;
			break;
		case 'q':
			cfg->verbosity = -1;
			break;
		case 'V':
			return NMSOPTS_VERSION;
		case 'h':
			return NMSOPTS_HELP;
		default:
			optarg_error(ch, name, err, errlen);
			goto usage;
		}
	}
	if (optind < argc) {
		snprintf(err, errlen, "%s: unexpected argument (options are "
		    "--name=value)", argv[optind]);
		goto usage;
	}
	if (cfg->broker != NULL) {
		/* The daemon listens, verifies and records host keys. */
		if (cfg->listen_set || cfg->secret_file != NULL ||
		    cfg->known_hosts != NULL || cfg->require_preamble) {
			snprintf(err, errlen, "--broker: --listen, "
			    "--secret-file, --known-hosts and "
			    "--require-preamble are ssh-callhomed's options");
			goto usage;
		}
		if (!cfg->list && cfg->device_id == NULL) {
			snprintf(err, errlen, "--broker needs --device-id "
			    "(or --list)");
			goto usage;
		}
		return NMSOPTS_OK;
	}
	if (cfg->list) {
		snprintf(err, errlen, "--list needs --broker");
		goto usage;
	}
	/* No trust on first use: only an HMAC-verified key is recorded. */
	if (cfg->known_hosts != NULL && cfg->secret_file == NULL) {
		snprintf(err, errlen, "--known-hosts needs --secret-file: only "
		    "a host key verified by its HMAC is recorded");
		goto usage;
	}
	if (cfg->allow_swapped && cfg->secret_file == NULL) {
		snprintf(err, errlen, "--allow-swapped-hmac needs "
		    "--secret-file");
		goto usage;
	}
	if (cfg->known_hosts != NULL && cfg->device_id != NULL &&
	    knownhosts_name_ok(cfg->device_id, &why) == -1) {
		snprintf(err, errlen, "--device-id with --known-hosts: %s",
		    why);
		goto usage;
	}
	return NMSOPTS_OK;
usage:
	return NMSOPTS_USAGE;
}
