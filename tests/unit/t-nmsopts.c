/* ssh-callhome's command line: defaults, --listen forms, ranges, refusals. */
#include "config.h"

#include <stdarg.h>

#include "nmsopts.h"
#include "tap.h"

static struct nms_config cfg;
static char err[512];

static enum nmsopts_result
run(const char *first, ...)
{
	char *argv[32];
	int argc = 0;
	va_list ap;
	const char *a;

	argv[argc++] = "ssh-callhome";
	va_start(ap, first);
	for (a = first; a != NULL && argc < 31; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	return nmsopts_parse(argc, argv, &cfg, err, sizeof(err));
}

/* because: part of the message; never empty, which would match any. */
static void
refused(const char *a1, const char *a2, const char *because)
{
	ok(run(a1, a2, (char *)NULL) == NMSOPTS_USAGE && because[0] != '\0' &&
	    strstr(err, because) != NULL, "%s %s refused (%s)", a1,
	    a2 ? a2 : "", because);
	if (strstr(err, because) == NULL)
		printf("#   message: %s\n", err);
}

static void
listen_is(const char *arg, const char *host, const char *port)
{
	char what[128];

	snprintf(what, sizeof(what), "--listen=%s", arg);
	if (!ok(run(what, (char *)NULL) == NMSOPTS_OK &&
	    strcmp(cfg.listen_host, host) == 0 &&
	    strcmp(cfg.listen_port, port) == 0, "%s is host \"%s\" port %s",
	    what, host, port))
		printf("#   got host \"%s\" port \"%s\" (%s)\n",
		    cfg.listen_host, cfg.listen_port, err);
}

int
main(void)
{
	is_int(run((char *)NULL), NMSOPTS_OK, "no options at all");
	ok(cfg.listen_host[0] == '\0' && strcmp(cfg.listen_port, "4334") ==
	    0 && cfg.timeout == 120 && cfg.preamble_timeout == 10 &&
	    cfg.device_id == NULL && cfg.secret_file == NULL &&
	    cfg.known_hosts == NULL && !cfg.fdpass && !cfg.print &&
	    !cfg.require_preamble && !cfg.allow_swapped && cfg.verbosity == 0,
	    "defaults: all addresses, port 4334, 120 s, 10 s, relay");
	is_str(cfg.listen_name, "*:4334", "default listen name");

	listen_is(":830", "", "830");
	listen_is("127.0.0.1:4335", "127.0.0.1", "4335");
	listen_is("[::1]:4336", "::1", "4336");
	listen_is("[::]:4337", "::", "4337");
	listen_is("0.0.0.0:1", "0.0.0.0", "1");
	listen_is("localhost:65535", "localhost", "65535");
	listen_is("127.0.0.1", "127.0.0.1", "4334");
	listen_is("[::1]", "::1", "4334");
	listen_is("fe80::1%eth0", "fe80::1%eth0", "4334");
	is_str(cfg.listen_name, "[fe80::1%eth0]:4334", "v6 listen name");

	refused("--listen=", NULL, "empty host");
	refused("--listen=:", NULL, "port must be a number");
	refused("--listen=:0", NULL, "port must be a number");
	refused("--listen=:65536", NULL, "port must be a number");
	refused("--listen=:-1", NULL, "port must be a number");
	refused("--listen=:12x", NULL, "port must be a number");
	refused("--listen=4334", NULL, "written \":PORT\"");
	refused("--listen=[::1", NULL, "missing ']'");
	refused("--listen=[::1]x", NULL, "junk after");
	refused("--listen=a b:1", NULL, "invalid character");
	refused("--listen=h:99999", NULL, "port must be a number");

	is_int(run("--device-id=rtr-1", "--timeout", "5",
	    "--preamble-timeout=3", "--require-preamble",
	    "--secret-file=/s", "--allow-swapped-hmac", "--known-hosts=/k",
	    "--fdpass", "--print", "-v", "-v", (char *)NULL), NMSOPTS_OK,
	    "every option together");
	ok(strcmp(cfg.device_id, "rtr-1") == 0 && cfg.timeout == 5 &&
	    cfg.preamble_timeout == 3 && cfg.require_preamble &&
	    strcmp(cfg.secret_file, "/s") == 0 && cfg.allow_swapped &&
	    strcmp(cfg.known_hosts, "/k") == 0 && cfg.fdpass && cfg.print &&
	    cfg.verbosity == 2, "every option lands in the config");
	is_int(run("-q", (char *)NULL), NMSOPTS_OK, "-q");
	is_int(cfg.verbosity, -1, "-q means errors only");
	is_int(run("--quiet", "--verbose", (char *)NULL), NMSOPTS_OK,
	    "--quiet --verbose");
	is_int(cfg.verbosity, 0, "the last one counts from -q");

	is_int(run("--timeout=86400", (char *)NULL), NMSOPTS_OK,
	    "--timeout=86400 is the maximum");
	refused("--timeout=0", NULL, "from 1 to 86400");
	refused("--timeout=86401", NULL, "from 1 to 86400");
	refused("--timeout=1.5", NULL, "from 1 to 86400");
	refused("--timeout=", NULL, "from 1 to 86400");
	refused("--timeout=99999999999999999999", NULL, "from 1 to 86400");
	refused("--preamble-timeout=0", NULL, "from 1 to 3600");
	refused("--preamble-timeout=3601", NULL, "from 1 to 3600");
	refused("--preamble-timeout=ten", NULL, "from 1 to 3600");

	refused("--device-id=", NULL, "empty");
	refused("--device-id=a\tb", NULL, "control character");
	refused("--secret-file=", NULL, "empty value");
	refused("--known-hosts=", NULL, "empty value");
	refused("--known-hosts=/k", NULL, "needs --secret-file");
	refused("--allow-swapped-hmac", NULL, "needs --secret-file");
	is_int(run("--secret-file=/s", "--known-hosts=/k", "--device-id=a b",
	    (char *)NULL), NMSOPTS_USAGE,
	    "--device-id unusable in known_hosts refused with --known-hosts");
	is_int(run("--device-id=a b", (char *)NULL), NMSOPTS_OK,
	    "... but fine without --known-hosts");
	is_int(run("--secret-file=/s", "--known-hosts=/k", (char *)NULL),
	    NMSOPTS_OK, "--known-hosts with --secret-file");

	/* --broker: the daemon's socket instead of listening. */
	ok(run("--broker", "--device-id=rtr-1", (char *)NULL) == NMSOPTS_OK &&
	    strcmp(cfg.broker, NMS_BROKER_DEFAULT) == 0 && !cfg.list,
	    "--broker alone is the default control socket");
	ok(run("--broker=/tmp/c", "--list", "--format=raw", (char *)NULL) ==
	    NMSOPTS_OK && strcmp(cfg.broker, "/tmp/c") == 0 && cfg.list &&
	    cfg.list_raw, "--broker=PATH --list --format=raw");
	ok(run("--broker", "--list", (char *)NULL) == NMSOPTS_OK &&
	    !cfg.list_raw, "--list is a table by default");
	refused("--broker", NULL, "needs --device-id");
	refused("--list", NULL, "--list needs --broker");
	refused("--broker=", "--list", "empty value");
	refused("--broker", "--listen=:1", "ssh-callhomed's options");
	refused("--broker", "--secret-file=/s", "ssh-callhomed's options");
	refused("--format=xml", NULL, "unknown value");

	refused("--bogus", NULL, "unknown option");
	refused("-x", NULL, "unknown option");
	refused("--timeout", NULL, "needs a value");
	refused("--fdpass=yes", NULL, "--fdpass: takes no value");
	refused("--verbose=2", NULL, "--verbose: takes no value");
	refused("-vx", NULL, "-x: unknown option");
	refused("nms.example.net", NULL, "unexpected argument");
	refused("--fdpass", "extra", "unexpected argument");

	is_int(run("-h", (char *)NULL), NMSOPTS_HELP, "-h");
	is_int(run("--help", "--bogus", (char *)NULL), NMSOPTS_HELP,
	    "--help before a bad option still helps");
	is_int(run("-V", (char *)NULL), NMSOPTS_VERSION, "-V");
	is_int(run("--version", (char *)NULL), NMSOPTS_VERSION, "--version");
	ok(strstr(nmsopts_usage(), "--listen=[ADDR]:PORT") != NULL &&
	    strstr(nmsopts_usage(), "--allow-swapped-hmac") != NULL &&
	    strstr(nmsopts_usage(), "75 no acceptable call") != NULL,
	    "usage names the options and exit statuses");
	return done_testing();
}
