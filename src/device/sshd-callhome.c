/*
 * sshd-callhome: dial a management server, announce the device, and hand
 * the connection to sshd -i; keep doing so for ever.
 */
#include "config.h"

#include <net/if.h>

#include <errno.h>
#include <fcntl.h>
#include <libutil.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "anchor.h"
#include "announce.h"
#include "dial.h"
#include "khname.h"
#include "lockcheck.h"
#include "log.h"
#include "misc.h"
#include "notify.h"
#include "options.h"
#include "secret.h"
#include "signals.h"
#include "spawn.h"
#include "sshdcfg.h"
#include "supervise.h"

extern char **environ;

/*
 * sshd applies a Match block's value over its -o options, so the lock-down
 * holds only if no Match block sets what it relies on.  The number of
 * sshd_config files read, or -1.
 */
static int
check_lockdown(const struct config *cfg)
{
	char err[PATH_MAX + 256];
	int nfiles;

	if (lockcheck(cfg->sshd_config != NULL ? cfg->sshd_config :
	    SSHD_CONFIG, SSHD_DIR, &nfiles, err, sizeof(err)) == -1) {
		log_error("%s", err);
		return -1;
	}
	return nfiles;
}

/* The proxy password file passes the secret file's rules. */
static int
proxy_password_check(const struct config *cfg)
{
	struct secret pass;
	char err[1024];

	if (cfg->proxy_password_file == NULL)
		return EX_OK;
	if (secret_read("proxy password file", cfg->proxy_password_file,
	    &pass, err, sizeof(err)) == -1) {
		log_error("%s", err);
		return EX_CONFIG;
	}
	if (pass.len > PROXY_PASS_MAX) {
		secret_wipe(&pass);
		log_error("proxy password file %s: the password is longer "
		    "than %d bytes", cfg->proxy_password_file,
		    PROXY_PASS_MAX);
		return EX_CONFIG;
	}
	secret_wipe(&pass);
	return EX_OK;
}

/*
 * Everything that can be checked before the first dial: sshd runs and
 * accepts the options, the netconf subsystem exists, no Match block undoes
 * the lock-down, the preamble can be built.  Failures here are
 * configuration errors (EX_CONFIG), unless sshd could not even be asked
 * (EX_OSERR).  The exit status, or EX_OK.
 */
static int
prepare(const struct config *cfg, struct sshdcfg *sc, struct announce *an,
    int *lockfiles)
{
	struct sshd_cmd cmd;
	char err[512];
	int r;

	if (cfg->interface != NULL && !dial_interface_supported()) {
		log_error("--interface=%s: not supported on this system (no "
		    "SO_BINDTODEVICE)", cfg->interface);
		return EX_CONFIG;
	}
	if (access(cfg->sshd, X_OK) == -1) {
		log_error("cannot execute sshd %s: %s", cfg->sshd,
		    strerror(errno));
		return EX_CONFIG;
	}
	if (sshd_cmd_build(&cmd, cfg, NULL, SSHD_QUERY, 0) == -1) {
		log_error("out of memory");
		return EX_OSERR;
	}
	r = sshdcfg_query(cmd.argv, sc, err, sizeof(err));
	sshd_cmd_free(&cmd);
	if (r == SSHDCFG_SYSERR) {
		log_error("%s", err);
		return EX_OSERR;
	}
	if (r != 0) {
		log_error("sshd rejects its configuration: %s", err);
		return EX_CONFIG;
	}
	if (cfg->services == SERVICES_NETCONF && sc->netconf[0] == '\0') {
		log_error("--services=netconf, but sshd has no \"Subsystem "
		    "netconf\": add one to sshd_config or use --services=any");
		return EX_CONFIG;
	}
	if (cfg->services == SERVICES_NETCONF &&
	    (*lockfiles = check_lockdown(cfg)) == -1)
		return EX_CONFIG;
	if (announce_build(cfg, sc, an, err, sizeof(err)) == -1) {
		log_error("%s", err);
		return EX_CONFIG;
	}
	return proxy_password_check(cfg);
}

/*
 * An id that ssh-callhome --known-hosts would refuse to record a key
 * under; a warning only: an NMS without known_hosts takes it.  NULL if
 * none.
 */
static const char *
id_warning(const struct config *cfg)
{
	const char *why;

	return knownhosts_name_ok(cfg->device_id, &why) == -1 ? why : NULL;
}

/* --bind, --interface, --anchor-time as --check shows them. */
static void
print_reach(const struct config *cfg)
{
	long long period = cfg->periodic * 60000LL, next, now;
	struct tm tm;
	time_t t;
	char when[64];

	if (cfg->bind_text != NULL)
		printf("bind: %s\n", cfg->bind_text);
	if (cfg->interface != NULL) {
		unsigned int idx = if_nametoindex(cfg->interface);

		if (idx != 0)
			printf("interface: %s (index %u)\n", cfg->interface,
			    idx);
		else
			printf("interface: %s (warning: no such interface "
			    "now; calls fail until it exists)\n",
			    cfg->interface);
	}
	if (cfg->anchor_text != NULL) {
		now = wall_ms();
		next = anchor_next(cfg->anchor_ms, period, now);
		t = (time_t)(next / 1000);
		if (gmtime_r(&t, &tm) == NULL ||
		    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ",
		    &tm) == 0)
			strlcpy(when, "?", sizeof(when));
		printf("anchor-time: %s, every %d min; next grid point %s "
		    "(in %lld s)\n", cfg->anchor_text, cfg->periodic, when,
		    (next - now) / 1000);
	}
}

static void
print_check(const struct config *cfg, const struct sshdcfg *sc,
    const struct announce *an, int lockfiles)
{
	struct sshd_cmd cmd;
	size_t i;

	printf("device-id: %s\n", cfg->device_id);
	if (id_warning(cfg) != NULL)
		printf("warning: device-id: an NMS cannot record the host key "
		    "under this name in known_hosts (%s); ssh-callhome "
		    "--known-hosts refuses the call\n", id_warning(cfg));
	for (i = 0; i < cfg->nservers; i++)
		printf("server: %s\n", cfg->servers[i].name);
	if (cfg->proxy.kind != PROXY_NONE) {
		printf("proxy: %s (the proxy resolves the server names)\n",
		    cfg->proxy.url);
		if (cfg->proxy_password_file != NULL)
			printf("proxy-password-file: %s\n",
			    cfg->proxy_password_file);
	}
	if (an->host_key[0] != '\0')
		printf("host-key: %s\n", an->host_key);
	printf("preamble:\n");
	announce_print(an, cfg->verbosity > 0, stdout);
	print_reach(cfg);
	if (cfg->wait_for_client > 0)
		printf("wait-for-client: %d s (sshd LoginGraceTime)\n",
		    cfg->wait_for_client);
	else if (cfg->wait_for_client == 0)
		printf("wait-for-client: 0 (as long as the connection lives; "
		    "keepalive %d s x %d)\n", cfg->ka_interval, cfg->ka_count);
	else if (sc->login_grace > 0)
		printf("wait-for-client: %d s (sshd's own LoginGraceTime)\n",
		    sc->login_grace);
	else
		printf("wait-for-client: 0 (sshd's own LoginGraceTime: as "
		    "long as the connection lives)\n");
	if (sshd_cmd_build(&cmd, cfg, sc, SSHD_INETD, 1) == 0) {
		printf("sshd:");
		for (i = 0; i < cmd.argc; i++)
			printf(" %s", cmd.argv[i]);
		printf("\n");
		sshd_cmd_free(&cmd);
	}
	if (cfg->services == SERVICES_NETCONF)
		printf("lock-down: no Match block undoes it (sshd_config files "
		    "read: %d)\n", lockfiles);
	else
		printf("lock-down: none (--services=any)\n");
}

/* Run with a valid configuration; the exit status. */
static int
run(struct config *cfg, int argc, char *argv[])
{
	struct sshdcfg sc;
	struct announce an;
	struct pidfh *pfh = NULL;
	pid_t other;
	int rc, lockfiles = 0;

	log_init("sshd-callhome", cfg->verbosity, cfg->use_syslog);
	if ((rc = prepare(cfg, &sc, &an, &lockfiles)) != EX_OK)
		return rc;
	if (cfg->check) {
		print_check(cfg, &sc, &an, lockfiles);
		return EX_OK;
	}
	explicit_bzero(&an, sizeof(an));
	if (id_warning(cfg) != NULL)
		log_warn("device-id: an NMS cannot record the host key under "
		    "this name in known_hosts (%s)", id_warning(cfg));

	if (cfg->pidfile != NULL &&
	    (pfh = pidfile_open(cfg->pidfile, 0644, &other)) == NULL) {
		if (errno == EEXIST)
			log_error("already running as pid %ld (pidfile %s)",
			    (long)other, cfg->pidfile);
		else
			log_error("pidfile %s: %s", cfg->pidfile,
			    strerror(errno));
		return EX_CANTCREAT;
	}
	if (cfg->daemon) {
		if (daemon(0, 0) == -1) {
			log_error("daemon: %s", strerror(errno));
			pidfile_remove(pfh);
			return EX_OSERR;
		}
		log_init("sshd-callhome", cfg->verbosity, 1);
	}
	if (pfh != NULL)
		pidfile_write(pfh);

	setproctitle_init(argc, argv, environ);
	notify_init();
	notify_ready();
	rc = supervise(cfg, &sc);
	if (pfh != NULL)
		pidfile_remove(pfh);
	log_info("exiting");
	return rc;
}

/* Relative file options made absolute, before --daemon leaves the cwd. */
static int
absolute_paths(struct config *cfg)
{
	char cwd[PATH_MAX], err[PATH_MAX + 512];
	const char *dir;
	int e = 0;

	if ((dir = getcwd(cwd, sizeof(cwd))) == NULL)
		e = errno;
	if (options_absolute(cfg, dir, err, sizeof(err)) == -1) {
		if (e != 0)
			fprintf(stderr, "sshd-callhome: %s: %s\n", err,
			    strerror(e));
		else
			fprintf(stderr, "sshd-callhome: %s\n", err);
		return EX_OSERR;
	}
	return EX_OK;
}

int
main(int argc, char *argv[])
{
	struct config cfg;
	char err[512], **args;
	int rc;

	sanitise_stdfd();
	signals_reset_inherited();
	/* The secret is read again for every session: for our whole life. */
	nodump_init();
	/* Options point into this copy: setproctitle may reuse argv's memory. */
	if ((args = args_copy(argc, argv)) == NULL) {
		fprintf(stderr, "sshd-callhome: out of memory\n");
		return EX_OSERR;
	}
	switch (options_parse(argc, args, &cfg, err, sizeof(err))) {
	case OPTIONS_HELP:
		fputs(options_usage(), stdout);
		rc = EX_OK;
		break;
	case OPTIONS_VERSION:
		printf("%s %s\n", PACKAGE, PACKAGE_VERSION);
		rc = EX_OK;
		break;
	case OPTIONS_USAGE:
		fprintf(stderr, "sshd-callhome: %s\n"
		    "Try 'sshd-callhome --help'.\n", err);
		rc = EX_USAGE;
		break;
	case OPTIONS_OK:
	default:
		rc = absolute_paths(&cfg);
		if (rc == EX_OK)
			rc = run(&cfg, argc, argv);
		break;
	}
	options_free(&cfg);
	args_free(args);
	return rc;
}
