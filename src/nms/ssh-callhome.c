/*
 * ssh-callhome: take a device's call (RFC 8071 / Junos outbound-ssh), check
 * its preamble, and give the connection to a stock SSH client.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>
#include <vis.h>

#include "broker.h"
#include "fdpass.h"
#include "knownhosts.h"
#include "log.h"
#include "misc.h"
#include "nmsopts.h"
#include "oneshot.h"
#include "relay.h"
#include "secret.h"
#include "signals.h"

#define EX_FAILURE	1	/* fd-pass or relay failed, or a signal */
#define EX_REFUSED	76	/* EX_PROTOCOL: the daemon said no */

static volatile sig_atomic_t got_signal;

/*
 * Blocked except while waiting in ppoll, which then returns EINTR; nothing
 * else runs in a handler.
 */
static const int caught[] = { SIGTERM, SIGINT, SIGHUP };

static void
on_signal(int sig)
{
	got_signal = sig;
}

/* KEY=value on stderr; the value vis(3)-encoded: one line, no controls. */
static void
print_kv(const char *key, const char *val)
{
	char safe[PREAMBLE_KEY_MAX * 4 + 1];

	strnvis(safe, val, sizeof(safe), VIS_OCTAL | VIS_CSTYLE | VIS_NL |
	    VIS_TAB);
	fprintf(stderr, "%s=%s\n", key, safe);
}

static void
print_call(const struct call *c)
{
	char lines[8];

	print_kv("DEVICE_ID", c->p.present ? c->p.device_id : "");
	print_kv("PEER", c->peer);
	snprintf(lines, sizeof(lines), "%d", c->p.lines);
	print_kv("PREAMBLE_LINES", lines);
	print_kv("HOST_KEY", c->p.host_key);
	print_kv("HMAC", call_hmac_name(c->hmac));
	print_kv("HOST_KEY_NUL", c->p.nul ? "yes" : "no");
	fflush(stderr);
}

static const char *
call_name(const struct call *c, char *buf, size_t len)
{
	if (c->p.present)
		snprintf(buf, len, "device \"%s\" at %s", c->p.device_id,
		    c->peer);
	else
		snprintf(buf, len, "%s (no preamble)", c->peer);
	return buf;
}

/* What record_key() needs, and what it found. */
struct record {
	const char	*path;		/* --known-hosts */
	int		 failed;	/* the file could not be written */
};

/*
 * oneshot_wait()'s last word on a verified call: record its host key, or
 * refuse the call if a line that ssh-callhome did not write holds its
 * name.  Within the wait, so that a caller that claims someone else's
 * name does not end it for the device that is due.
 */
static int
record_key(const struct call *c, void *arg, char *why, size_t whylen)
{
	struct record *rec = arg;
	char err[1024];
	int changed;

	if (c->hmac != CALL_HMAC_VERIFIED && c->hmac != CALL_HMAC_SWAPPED)
		return 0;
	switch (knownhosts_update(rec->path, c->p.device_id, c->p.host_key,
	    &changed, err, sizeof(err))) {
	case 0:
		break;
	case KNOWNHOSTS_FOREIGN:
		snprintf(why, whylen, "known_hosts %s", err);
		return ONESHOT_REFUSE;
	default:
		log_error("call from %s (DEVICE-ID \"%s\"): cannot record "
		    "its host key: %s", c->peer, c->p.device_id, err);
		rec->failed = 1;
		return -1;
	}
	if (changed)
		log_info("recorded the host key of \"%s\" in %s",
		    c->p.device_id, rec->path);
	else
		log_debug("%s already holds the host key of \"%s\"",
		    rec->path, c->p.device_id);
	return 0;
}

/* The call to ssh: its socket over ssh's socketpair, or a relay. */
static int
hand_off(const struct nms_config *cfg, int fd, const sigset_t *waitmask)
{
	char err[1024];

	if (cfg->fdpass) {
		if (fdpass_send(STDOUT_FILENO, fd, err, sizeof(err)) == -1) {
			log_error("%s", err);
			return EX_FAILURE;
		}
		return EX_OK;
	}
	switch (relay_run(STDIN_FILENO, STDOUT_FILENO, fd, waitmask)) {
	case RELAY_DONE:
		log_debug("relay finished");
		return EX_OK;
	case RELAY_INTERRUPTED:
		/* ssh and paramiko stop their ProxyCommand this way. */
		log_debug("relay stopped by signal %d", (int)got_signal);
		return EX_OK;
	case RELAY_ERROR:
		break;
	}
	return EX_FAILURE;
}

static int
broker_status_exit(enum broker_status st)
{
	switch (st) {
	case BROKER_OK:
		return EX_OK;
	case BROKER_NOT_RUNNING:
		return EX_UNAVAILABLE;
	case BROKER_TIMEOUT:
		return EX_TEMPFAIL;
	case BROKER_REFUSED:
		return EX_REFUSED;
	case BROKER_INTERRUPTED:
	case BROKER_ERROR:
		break;
	}
	return EX_FAILURE;
}

/* --broker: ask ssh-callhomed for the device's call, or for the list. */
static int
broker_main(const struct nms_config *cfg, const sigset_t *waitmask)
{
	struct ctl_reply r;
	enum broker_status st;
	char err[1024];
	int fd, rc;

	if (cfg->list) {
		if ((st = broker_list(cfg->broker, cfg->list_raw, stdout, err,
		    sizeof(err))) != BROKER_OK)
			log_error("%s", err);
		return broker_status_exit(st);
	}
	st = broker_take(cfg->broker, cfg->device_id,
	    (long long)cfg->timeout * 1000, waitmask, &r, &fd, err,
	    sizeof(err));
	if (st != BROKER_OK) {
		if (st == BROKER_INTERRUPTED)
			log_error("interrupted by signal %d while waiting for "
			    "the device", (int)got_signal);
		else
			log_error("%s", err);
		return broker_status_exit(st);
	}
	log_info("took the call of \"%s\" from %s port %d, %s",
	    r.device_id, r.addr, r.port, ctl_verify_name(r.verify));
	rc = hand_off(cfg, fd, waitmask);
	close(fd);
	return rc;
}

int
main(int argc, char *argv[])
{
	struct nms_config cfg;
	struct oneshot one;
	struct listeners l;
	struct secret sec;
	struct record rec;
	struct call c;
	sigset_t waitmask;
	char err[1024], name[PREAMBLE_ID_MAX + PEER_MAX + 32];
	int rc = EX_FAILURE;

	sanitise_stdfd();
	signals_reset_inherited();
	/* The secret is held from start until the call is verified. */
	nodump_init();
	memset(&sec, 0, sizeof(sec));
	memset(&l, 0, sizeof(l));
	c.fd = -1;
	switch (nmsopts_parse(argc, argv, &cfg, err, sizeof(err))) {
	case NMSOPTS_HELP:
		fputs(nmsopts_usage(), stdout);
		return EX_OK;
	case NMSOPTS_VERSION:
		printf("ssh-callhome (%s) %s\n", PACKAGE, PACKAGE_VERSION);
		return EX_OK;
	case NMSOPTS_USAGE:
		fprintf(stderr, "ssh-callhome: %s\n"
		    "Try 'ssh-callhome --help'.\n", err);
		return EX_USAGE;
	case NMSOPTS_OK:
		break;
	}
	log_init("ssh-callhome", cfg.verbosity, 0);
	signals_catch(caught, sizeof(caught) / sizeof(caught[0]), on_signal,
	    &waitmask);

	/* Everything that can be wrong with the setup, before listening. */
	if (cfg.fdpass && fdpass_check(STDOUT_FILENO, err, sizeof(err)) ==
	    -1) {
		log_error("%s", err);
		return EX_USAGE;
	}
	if (cfg.broker != NULL)
		return broker_main(&cfg, &waitmask);
	if (cfg.secret_file != NULL && secret_load(cfg.secret_file, &sec, err,
	    sizeof(err)) == -1) {
		log_error("%s", err);
		return EX_CONFIG;
	}
	if (cfg.known_hosts != NULL && knownhosts_usable(cfg.known_hosts,
	    err, sizeof(err)) == -1) {
		log_error("--known-hosts: %s", err);
		rc = EX_CONFIG;
		goto out;
	}
	if (listeners_open(cfg.listen_host, cfg.listen_port, &l, err,
	    sizeof(err)) == -1) {
		log_error("%s", err);
		rc = EX_UNAVAILABLE;
		goto out;
	}
	log_debug("waiting up to %d s for %s%s on %s", cfg.timeout,
	    cfg.device_id != NULL ? "device " : "a call",
	    cfg.device_id != NULL ? cfg.device_id : "", cfg.listen_name);

	memset(&one, 0, sizeof(one));
	one.rules.device_id = cfg.device_id;
	one.rules.require_preamble = cfg.require_preamble;
	if (cfg.secret_file != NULL) {
		one.rules.secret = sec.buf;
		one.rules.secretlen = sec.len;
	}
	one.rules.allow_swapped = cfg.allow_swapped;
	one.rules.knownhosts_name = cfg.known_hosts != NULL;
	one.timeout_ms = cfg.timeout * 1000;
	one.preamble_timeout_ms = cfg.preamble_timeout * 1000;
	one.waitmask = &waitmask;
	if (cfg.known_hosts != NULL) {
		rec.path = cfg.known_hosts;
		rec.failed = 0;
		one.last_word = record_key;
		one.last_word_arg = &rec;
	}
	switch (oneshot_wait(&l, &one, &c)) {
	case ONESHOT_OK:
		break;
	case ONESHOT_TIMEOUT:
		log_error("no acceptable call%s%s within %d s on %s",
		    cfg.device_id != NULL ? " from device " : "",
		    cfg.device_id != NULL ? cfg.device_id : "", cfg.timeout,
		    cfg.listen_name);
		rc = EX_TEMPFAIL;
		goto out;
	case ONESHOT_INTERRUPTED:
		log_error("interrupted by signal %d while waiting for a call",
		    (int)got_signal);
		goto out;
	case ONESHOT_ERROR:
		if (cfg.known_hosts != NULL && rec.failed)
			rc = EX_CANTCREAT;
		goto out;
	}
	listeners_close(&l);
	/* The secret has done its job. */
	secret_wipe(&sec);
	call_name(&c, name, sizeof(name));
	if (c.hmac == CALL_HMAC_SWAPPED)
		log_warn("%s: HMAC verified with swapped operands "
		    "(--allow-swapped-hmac)", name);

	if (cfg.print)
		print_call(&c);
	log_info("accepted the call from %s, HMAC %s", name,
	    call_hmac_name(c.hmac));

	rc = hand_off(&cfg, c.fd, &waitmask);
out:
	if (c.fd != -1)
		close(c.fd);
	listeners_close(&l);
	secret_wipe(&sec);
	return rc;
}
