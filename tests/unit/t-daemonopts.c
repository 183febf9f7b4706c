/* ssh-callhomed's command line: defaults, repeated --listen, refusals. */
#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "daemonopts.h"
#include "tap.h"

static struct daemon_config cfg;
static char err[512];

static enum daemonopts_result
run(const char *first, ...)
{
	char *argv[32];
	int argc = 0;
	va_list ap;
	const char *a;

	argv[argc++] = "ssh-callhomed";
	va_start(ap, first);
	for (a = first; a != NULL && argc < 31; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	return daemonopts_parse(argc, argv, &cfg, err, sizeof(err));
}

static void
refused(const char *a1, const char *a2, const char *because)
{
	ok(run(a1, a2, (char *)NULL) == DAEMONOPTS_USAGE &&
	    strstr(err, because) != NULL, "%s %s refused (%s)", a1,
	    a2 ? a2 : "", because);
	if (strstr(err, because) == NULL)
		printf("#   message: %s\n", err);
}

int
main(void)
{
	is_int(run((char *)NULL), DAEMONOPTS_OK, "no options at all");
	ok(cfg.nlisten == 0 && strcmp(cfg.control, NMS_BROKER_DEFAULT) == 0 &&
	    cfg.preamble_timeout == 10 && cfg.admit.start == 64 &&
	    cfg.admit.rate == 30 && cfg.admit.full == 256 &&
	    cfg.admit.per_source == 0 && cfg.devices == NULL &&
	    cfg.ka_interval == 20 && cfg.ka_count == 5 &&
	    !cfg.use_syslog, "defaults");
	ok(run("--keepalive-interval=2", "--keepalive-count=3",
	    (char *)NULL) == DAEMONOPTS_OK && cfg.ka_interval == 2 &&
	    cfg.ka_count == 3, "--keepalive-interval and --keepalive-count");
	ok(run("--keepalive-interval=0", (char *)NULL) == DAEMONOPTS_OK &&
	    cfg.ka_interval == 0, "--keepalive-interval=0: the system's");
	ok(run("--listen=127.0.0.1:4334", "--listen=[::1]:5000",
	    (char *)NULL) == DAEMONOPTS_OK && cfg.nlisten == 2 &&
	    strcmp(cfg.listen[0].host, "127.0.0.1") == 0 &&
	    strcmp(cfg.listen[1].host, "::1") == 0 &&
	    strcmp(cfg.listen[1].port, "5000") == 0, "--listen repeats");
	ok(run("--listen=:4335", (char *)NULL) == DAEMONOPTS_OK &&
	    cfg.listen[0].host[0] == '\0' &&
	    strcmp(cfg.listen[0].port, "4335") == 0, ":PORT is every address");
	ok(run("--max-startups=10", "--per-source-max-startups=3",
	    (char *)NULL) == DAEMONOPTS_OK && cfg.admit.start == 10 &&
	    cfg.admit.full == 10 && cfg.admit.per_source == 3,
	    "--max-startups N and --per-source-max-startups");
	ok(run("--devices=/d", "--known-hosts=/k", "--control=/c", "--syslog",
	    (char *)NULL) == DAEMONOPTS_OK && strcmp(cfg.devices, "/d") == 0 &&
	    strcmp(cfg.control, "/c") == 0 && cfg.use_syslog,
	    "--devices, --known-hosts with a registry, --control, --syslog");
	refused("--listen=4334", NULL, "a port alone");
	refused("--max-startups=9:30:5", NULL, "START is larger");
	refused("--per-source-max-startups=0", NULL, "per-source");
	refused("--preamble-timeout=0", NULL, "preamble-timeout");
	refused("--keepalive-interval=-1", NULL, "from 0 to 3600");
	refused("--keepalive-interval=3601", NULL, "from 0 to 3600");
	refused("--keepalive-interval=2s", NULL, "from 0 to 3600");
	refused("--keepalive-count=0", NULL, "from 1 to 100");
	refused("--keepalive-count=101", NULL, "from 1 to 100");
	refused("--known-hosts=/k", NULL, "needs --secret-file or --devices");
	refused("--control=", NULL, "empty value");
	refused("extra", NULL, "unexpected argument");
	ok(run("--listen=:1", "--listen=:2", "--listen=:3", "--listen=:4",
	    "--listen=:5", "--listen=:6", "--listen=:7", "--listen=:8",
	    "--listen=:9", (char *)NULL) == DAEMONOPTS_USAGE &&
	    strstr(err, "at most 8") != NULL, "at most 8 --listen");
	is_int(run("--help", (char *)NULL), DAEMONOPTS_HELP, "--help");
	is_int(run("-V", (char *)NULL), DAEMONOPTS_VERSION, "-V");
	ok(strstr(daemonopts_usage(), "78 configuration") != NULL,
	    "usage names the exit statuses");
	return done_testing();
}
