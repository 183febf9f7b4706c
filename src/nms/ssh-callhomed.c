/*
 * ssh-callhomed: hold the calls of a fleet of devices, one parked call per
 * device, and hand each to whoever asks for that device on the control
 * socket (ssh-callhome --broker).
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "daemonopts.h"
#include "file.h"
#include "hangup.h"
#include "judge.h"
#include "knownhosts.h"
#include "listen.h"
#include "log.h"
#include "misc.h"
#include "nmsopts.h"
#include "notify.h"
#include "park.h"
#include "pending.h"
#include "registry.h"
#include "secret.h"
#include "signals.h"

#define REGISTRY_FILE_MAX	(8 * 1024 * 1024)	/* bytes */
/* Without a registry any caller may name a device: bound the table. */
#define PARK_UNLISTED_MAX	4096

extern char **environ;

static volatile sig_atomic_t got_term, got_hup;
static const int caught[] = { SIGTERM, SIGINT, SIGHUP };

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_term = sig;
}

/* What the registry and the secrets say; replaced whole on SIGHUP. */
struct rules {
	struct registry	 reg;
	int		 have_reg;
	struct secret	 fleet;
	int		 have_fleet;
	struct secret	*devsec;	/* reg.n of them; len 0: fleet's */
};

struct daemon {
	struct daemon_config cfg;
	struct listeners l;
	struct pending	 t;
	struct park	 pk;
	struct control	 ctl;
	struct rules	 rules;
	struct hangup	 hup;		/* the parked calls */
	struct pollfd	*pfd;		/* all but the parked calls */
	size_t		 pfdcap;
	char		 status[64];
};

static void
close_fd(int fd)
{
	close(fd);
}

/* park.h's hooks: exactly the parked calls are watched for a hang-up. */
static void
watch_parked(void *arg, int fd, struct park_dev *d)
{
	struct daemon *dm = arg;

	if (hangup_add(&dm->hup, fd, d) == -1)
		log_error("cannot watch the parked call of %s for a hang-up: "
		    "%s", d->id, strerror(errno));
}

static void
unwatch_parked(void *arg, int fd)
{
	struct daemon *dm = arg;

	hangup_del(&dm->hup, fd);
}

static void
rules_free(struct rules *r)
{
	size_t i;

	if (r->devsec != NULL) {
		for (i = 0; i < r->reg.n; i++)
			secret_wipe(&r->devsec[i]);
		free(r->devsec);
	}
	if (r->have_reg)
		registry_free(&r->reg);
	secret_wipe(&r->fleet);
	memset(r, 0, sizeof(*r));
}

/* The registry and every secret; on error nothing is kept. */
static int
rules_load(const struct daemon_config *cfg, struct rules *r, char *err,
    size_t errlen)
{
	char *buf = NULL, perr[512];
	size_t len, i;

	memset(r, 0, sizeof(*r));
	if (cfg->secret_file != NULL) {
		if (secret_load(cfg->secret_file, &r->fleet, err, errlen) == -1)
			return -1;
		r->have_fleet = 1;
	}
	if (cfg->devices == NULL)
		return 0;
	if ((buf = malloc(REGISTRY_FILE_MAX)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (file_read(cfg->devices, 0, buf, REGISTRY_FILE_MAX, &len, err,
	    errlen) == -1)
		goto fail;
	if (registry_parse(buf, len, &r->reg, perr, sizeof(perr)) == -1) {
		snprintf(err, errlen, "%s: %s", cfg->devices, perr);
		goto fail;
	}
	r->have_reg = 1;
	free(buf);
	buf = NULL;
	if (r->reg.n > 0 &&
	    (r->devsec = calloc(r->reg.n, sizeof(*r->devsec))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (i = 0; i < r->reg.n; i++) {
		const struct registry_device *d = &r->reg.dev[i];

		if (d->secret_file != NULL && secret_load(d->secret_file,
		    &r->devsec[i], perr, sizeof(perr)) == -1) {
			snprintf(err, errlen, "%s line %zu: %s", cfg->devices,
			    d->line, perr);
			goto fail;
		}
	}
	return 0;
fail:
	free(buf);
	rules_free(r);
	return -1;
}

/* systemd's sockets (LISTEN_PID, LISTEN_FDS): 1 if there were some. */
static int
listen_inherited(struct listeners *l)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	const char *why;
	long long n, p;
	int i, fl;

	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (pid == NULL || fds == NULL)
		return 0;
	p = strtonum(pid, 1, LLONG_MAX, &why);
	if (why != NULL || p != (long long)getpid())
		return 0;
	n = strtonum(fds, 0, LISTEN_MAX, &why);
	if (why != NULL || n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		l->fd[l->n++] = 3 + i;
		(void)fcntl(3 + i, F_SETFD, FD_CLOEXEC);
		if ((fl = fcntl(3 + i, F_GETFL)) != -1)
			(void)fcntl(3 + i, F_SETFL, fl | O_NONBLOCK);
	}
	log_info("listening on %lld socket(s) from systemd", n);
	return 1;
}

static int
listen_all(const struct daemon_config *cfg, struct listeners *l, char *err,
    size_t errlen)
{
	struct listeners one;
	size_t i, j;

	memset(l, 0, sizeof(*l));
	if (listen_inherited(l))
		return 0;
	if (cfg->nlisten == 0) {
		char port[8];

		snprintf(port, sizeof(port), "%d", NMS_DEFAULT_PORT);
		return listeners_open("", port, l, err, errlen);
	}
	for (i = 0; i < cfg->nlisten; i++) {
		if (listeners_open(cfg->listen[i].host, cfg->listen[i].port,
		    &one, err, errlen) == -1)
			goto fail;
		for (j = 0; j < one.n; j++) {
			if (l->n == LISTEN_MAX) {
				snprintf(err, errlen, "more than %d listening "
				    "sockets", LISTEN_MAX);
				listeners_close(&one);
				goto fail;
			}
			l->fd[l->n++] = one.fd[j];
		}
		log_info("listening on %s", cfg->listen[i].name);
	}
	return 0;
fail:
	listeners_close(l);
	return -1;
}

/* The device's address, and the port it called. */
static void
call_where(int fd, char *addr, size_t addrlen, int *port)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char serv[NI_MAXSERV];

	addr[0] = '\0';
	*port = 0;
	if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0)
		(void)getnameinfo((struct sockaddr *)&ss, len, addr, addrlen,
		    NULL, 0, NI_NUMERICHOST);
	len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0 &&
	    getnameinfo((struct sockaddr *)&ss, len, NULL, 0, serv,
	    sizeof(serv), NI_NUMERICSERV) == 0)
		*port = atoi(serv);
}

/*
 * A parked socket: blocking (it is someone else's once taken), and with
 * keepalive, so that a device that vanished without a FIN is noticed:
 * the kernel then ends the socket and poll reports the hang-up.
 */
static void
park_ready(int fd, int ka_interval, int ka_count)
{
	int on = 1, fl;

	(void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
	if (ka_interval > 0) {
		(void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &ka_interval,
		    sizeof(ka_interval));
		(void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &ka_interval,
		    sizeof(ka_interval));
		(void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &ka_count,
		    sizeof(ka_count));
	}
	if ((fl = fcntl(fd, F_GETFL)) != -1)
		(void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
}

static enum ctl_verify
verify_of(enum call_hmac h)
{
	switch (h) {
	case CALL_HMAC_VERIFIED:
		return CTL_V_VERIFIED;
	case CALL_HMAC_SWAPPED:
		return CTL_V_SWAPPED;
	case CALL_HMAC_PINNED:
		return CTL_V_PINNED;
	case CALL_HMAC_UNCHECKED:
		return CTL_V_UNCHECKED;
	case CALL_HMAC_ABSENT:
		break;
	}
	return CTL_V_ABSENT;
}

static enum ctl_reason
reason_of(enum judge_fail f)
{
	switch (f) {
	case JUDGE_F_NO_PREAMBLE:
		return CTL_R_NO_PREAMBLE;
	case JUDGE_F_NO_HMAC:
		return CTL_R_NO_HMAC;
	case JUDGE_F_WRONG_HMAC:
		return CTL_R_WRONG_HMAC;
	case JUDGE_F_WRONG_KEY:
		return CTL_R_WRONG_KEY;
	case JUDGE_F_OTHER_ID:
		return CTL_R_UNLISTED;
	case JUDGE_F_NONE:
	case JUDGE_F_BAD_NAME:
		break;
	}
	return CTL_R_BAD_PREAMBLE;
}

/* A refused caller: recorded, logged once per caller and reason an hour. */
static void
refuse(struct daemon *dm, size_t i, const struct preamble *p,
    enum ctl_reason reason, const char *why)
{
	char addr[CTL_ADDR_MAX + 1];
	const char *id = p != NULL && p->present ? p->device_id : "";
	int port, fd;

	fd = pending_take(&dm->t, i);
	call_where(fd, addr, sizeof(addr), &port);
	if (park_unknown_note(&dm->pk, id, addr, reason, p != NULL ?
	    p->host_key : "", time(NULL)))
		log_warn("call from %s%s%s%s refused: %s", addr,
		    id[0] != '\0' ? " (DEVICE-ID \"" : "", id,
		    id[0] != '\0' ? "\")" : "", why);
	else
		log_debug("call from %s refused again: %s", addr, why);
	close(fd);
}

/* A whole preamble from the caller at i: refuse it, or park the call. */
static void
judge(struct daemon *dm, size_t i, const struct preamble *p)
{
	const struct registry_device *rd = NULL;
	struct rules *ru = &dm->rules;
	struct judge_rules jr;
	struct park_dev *d;
	enum call_hmac hmac;
	enum judge_fail fail;
	enum park_offer po;
	char why[JUDGE_WHY_MAX], err[1024], addr[CTL_ADDR_MAX + 1];
	int fd, old, port, changed;

	if (!p->present) {
		refuse(dm, i, p, CTL_R_NO_PREAMBLE, "no preamble: the daemon "
		    "needs a DEVICE-ID");
		return;
	}
	if (ru->have_reg &&
	    (rd = registry_find(&ru->reg, p->device_id)) == NULL) {
		refuse(dm, i, p, CTL_R_UNLISTED, "not in the registry");
		return;
	}
	memset(&jr, 0, sizeof(jr));
	jr.require_preamble = 1;
	if (rd != NULL && ru->devsec[rd - ru->reg.dev].len > 0) {
		jr.secret = ru->devsec[rd - ru->reg.dev].buf;
		jr.secretlen = ru->devsec[rd - ru->reg.dev].len;
	} else if (ru->have_fleet) {
		jr.secret = ru->fleet.buf;
		jr.secretlen = ru->fleet.len;
	}
	jr.host_key = rd != NULL ? rd->host_key : NULL;
	jr.knownhosts_name = dm->cfg.known_hosts != NULL;
	if (judge_verdict(&jr, p, &hmac, &fail, why, sizeof(why)) == -1) {
		if ((d = park_find(&dm->pk, p->device_id)) != NULL &&
		    (fail == JUDGE_F_WRONG_HMAC || fail == JUDGE_F_WRONG_KEY)) {
			park_failed(d, fail == JUDGE_F_WRONG_HMAC ?
			    CTL_V_WRONG_HMAC : CTL_V_WRONG_KEY);
		}
		refuse(dm, i, p, reason_of(fail), why);
		return;
	}
	if (dm->cfg.known_hosts != NULL && (hmac == CALL_HMAC_VERIFIED ||
	    hmac == CALL_HMAC_SWAPPED || hmac == CALL_HMAC_PINNED)) {
		switch (knownhosts_update(dm->cfg.known_hosts, p->device_id,
		    p->host_key, &changed, err, sizeof(err))) {
		case 0:
			if (changed)
				log_info("recorded the host key of \"%s\" in "
				    "%s", p->device_id, dm->cfg.known_hosts);
			break;
		case KNOWNHOSTS_FOREIGN:
			snprintf(why, sizeof(why), "known_hosts %s", err);
			refuse(dm, i, p, CTL_R_WRONG_KEY, why);
			return;
		default:
			log_error("cannot record the host key of \"%s\": %s",
			    p->device_id, err);
			break;
		}
	}
	if ((d = park_find(&dm->pk, p->device_id)) == NULL) {
		if (dm->pk.n >= PARK_UNLISTED_MAX ||
		    (d = park_add(&dm->pk, p->device_id)) == NULL) {
			refuse(dm, i, p, CTL_R_UNLISTED, "too many devices");
			return;
		}
	}
	fd = pending_take(&dm->t, i);
	call_where(fd, addr, sizeof(addr), &port);
	po = park_offer(&dm->pk, d, fd, verify_of(hmac), addr, port,
	    p->host_key, time(NULL), &old);
	switch (po) {
	case PARK_NOMEM:
		log_error("call from %s (DEVICE-ID \"%s\") closed: out of "
		    "memory", addr, d->id);
		close(fd);
		return;
	case PARK_REFUSED:
		/* Listed like any refused caller: it may be a forger. */
		if (park_unknown_note(&dm->pk, d->id, addr, CTL_R_UNVERIFIED,
		    p->host_key, time(NULL)))
			log_warn("call from %s (DEVICE-ID \"%s\", %s) refused: "
			    "a verified call of the device is parked", addr,
			    d->id, call_hmac_name(hmac));
		else
			log_debug("call from %s refused again: unverified",
			    addr);
		close(fd);
		return;
	case PARK_REPLACED:
		log_info("parked %s from %s, %s, replacing its older call",
		    d->id, addr, call_hmac_name(hmac));
		close(old);
		break;
	case PARK_NEW:
		log_info("parked %s from %s, %s", d->id, addr,
		    call_hmac_name(hmac));
		break;
	}
	park_ready(fd, dm->cfg.ka_interval, dm->cfg.ka_count);
	control_parked(&dm->ctl, d);
}

/* SIGHUP: new rules, and the parked calls of devices no longer allowed go. */
static void
reload(struct daemon *dm)
{
	struct rules nr;
	char err[1024];
	size_t i;

	if (rules_load(&dm->cfg, &nr, err, sizeof(err)) == -1) {
		log_error("SIGHUP: %s; keeping the old configuration", err);
		return;
	}
	rules_free(&dm->rules);
	dm->rules = nr;
	for (i = dm->pk.n; i-- > 0; ) {
		struct park_dev *d = dm->pk.dev[i];
		int fd;

		if (!nr.have_reg || registry_find(&nr.reg, d->id) != NULL)
			continue;
		log_info("%s is no longer in the registry%s", d->id,
		    d->fd != -1 ? ": its parked call is closed" : "");
		if ((fd = park_remove(&dm->pk, d)) != -1)
			close(fd);
	}
	for (i = 0; nr.have_reg && i < nr.reg.n; i++)
		if (park_add(&dm->pk, nr.reg.dev[i].id) == NULL)
			log_error("out of memory");
	log_info("SIGHUP: configuration re-read, %zu devices listed",
	    nr.have_reg ? nr.reg.n : 0);
}

static void
status(struct daemon *dm)
{
	char s[sizeof(dm->status)];

	snprintf(s, sizeof(s), "%zu parked, %zu unknown",
	    park_count(&dm->pk, CTL_S_PARKED), dm->pk.nunk);
	if (strcmp(s, dm->status) == 0)
		return;
	strlcpy(dm->status, s, sizeof(dm->status));
	notify_status("%s", s);
}

static int
grow(struct daemon *dm, size_t n)
{
	void *p;

	if (n <= dm->pfdcap)
		return 0;
	n = n * 2;
	if ((p = reallocarray(dm->pfd, n, sizeof(*dm->pfd))) == NULL)
		return -1;
	dm->pfd = p;
	dm->pfdcap = n;
	return 0;
}

/* Parked calls that hung up leave the table. */
static void
hung_up(struct daemon *dm)
{
	void *gone[HANGUP_BATCH];
	size_t i, n;

	n = hangup_ready(&dm->hup, gone, HANGUP_BATCH);
	for (i = 0; i < n; i++) {
		struct park_dev *d = gone[i];

		if (d->fd == -1)
			continue;
		log_info("%s hung up its parked call", d->id);
		close(park_gone(&dm->pk, d, time(NULL)));
	}
}

/* Callers whose preamble did not come in time are refused. */
static void
expire(struct daemon *dm, long long now)
{
	char why[64];
	size_t i;

	for (i = dm->t.n; i-- > 0; ) {
		if (now < dm->t.c[i].deadline)
			continue;
		snprintf(why, sizeof(why), "no complete preamble within %d s",
		    dm->t.preamble_ms / 1000);
		refuse(dm, i, NULL, CTL_R_TIMEOUT, why);
	}
}

static int
serve(struct daemon *dm, const sigset_t *waitmask)
{
	struct preamble *p;
	struct timespec ts;
	char why[JUDGE_WHY_MAX];
	long long now, wake;
	size_t i, n, hup, nc;
	int r;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		log_error("out of memory");
		return EX_OSERR;
	}
	for (;;) {
		if (got_term) {
			log_info("signal %d: stopping", (int)got_term);
			free(p);
			return EX_OK;
		}
		if (got_hup) {
			got_hup = 0;
			reload(dm);
		}
		status(dm);
		now = now_ms();
		expire(dm, now);
		control_expire(&dm->ctl, now);
		wake = control_wake(&dm->ctl, pending_wake(&dm->t,
		    now + 3600 * 1000));
		ts = ms_timespec(wake - now);

		if (grow(dm, dm->l.n + dm->t.n + 2 + dm->ctl.n) == -1) {
			log_error("out of memory");
			free(p);
			return EX_OSERR;
		}
		n = 0;
		for (i = 0; i < dm->l.n; i++, n++) {
			dm->pfd[n].fd = dm->l.fd[i];
			dm->pfd[n].events = POLLIN;
			dm->pfd[n].revents = 0;
		}
		pending_pollfds(&dm->t, dm->pfd + n);
		n += dm->t.n;
		/* The parked calls, however many: one descriptor. */
		hup = n++;
		dm->pfd[hup].fd = dm->hup.efd;
		dm->pfd[hup].events = POLLIN;
		dm->pfd[hup].revents = 0;
		nc = control_pollfds(&dm->ctl, dm->pfd + n);
		if ((r = ppoll(dm->pfd, n + nc, &ts, waitmask)) == -1) {
			if (errno == EINTR)
				continue;
			log_error("poll: %s", strerror(errno));
			free(p);
			return EX_OSERR;
		}
		if (r == 0)
			continue;
		/* Parked calls gone first: a new call may replace them. */
		if (dm->pfd[hup].revents != 0)
			hung_up(dm);
		/* Then the control clients: the table may change below. */
		control_events(&dm->ctl, dm->pfd + hup + 1);
		for (i = dm->t.n; i-- > 0; ) {
			short re = dm->pfd[dm->l.n + i].revents;

			if (re == 0)
				continue;
			switch (pending_read(&dm->t, i, re, p, why,
			    sizeof(why))) {
			case PENDING_MORE:
				break;
			case PENDING_BAD:
				refuse(dm, i, NULL, CTL_R_BAD_PREAMBLE, why);
				break;
			case PENDING_DONE:
				judge(dm, i, p);
				break;
			}
		}
		for (i = 0; i < dm->l.n; i++)
			if (dm->pfd[i].revents != 0)
				pending_accept(&dm->t, dm->l.fd[i]);
	}
}

int
main(int argc, char *argv[])
{
	struct daemon dm;
	sigset_t waitmask;
	char err[1024], **args;
	size_t i;
	int rc, r;

	sanitise_stdfd();
	signals_reset_inherited();
	nodump_init();
	memset(&dm, 0, sizeof(dm));
	dm.ctl.lfd = -1;
	dm.hup.efd = -1;
	/* Options point into this copy: setproctitle may reuse argv's memory. */
	if ((args = args_copy(argc, argv)) == NULL) {
		fprintf(stderr, "ssh-callhomed: out of memory\n");
		return EX_OSERR;
	}
	switch (daemonopts_parse(argc, args, &dm.cfg, err, sizeof(err))) {
	case DAEMONOPTS_HELP:
		fputs(daemonopts_usage(), stdout);
		args_free(args);
		return EX_OK;
	case DAEMONOPTS_VERSION:
		printf("ssh-callhomed (%s) %s\n", PACKAGE, PACKAGE_VERSION);
		args_free(args);
		return EX_OK;
	case DAEMONOPTS_USAGE:
		fprintf(stderr, "ssh-callhomed: %s\n"
		    "Try 'ssh-callhomed --help'.\n", err);
		args_free(args);
		return EX_USAGE;
	case DAEMONOPTS_OK:
		break;
	}
	dm.cfg.admit.random = arc4random_uniform;
	log_init("ssh-callhomed", dm.cfg.verbosity, dm.cfg.use_syslog);
	signals_catch(caught, sizeof(caught) / sizeof(caught[0]), on_signal,
	    &waitmask);

	if (rules_load(&dm.cfg, &dm.rules, err, sizeof(err)) == -1) {
		log_error("%s", err);
		rc = EX_CONFIG;
		goto out;
	}
	if (dm.cfg.known_hosts != NULL && knownhosts_usable(dm.cfg.known_hosts,
	    err, sizeof(err)) == -1) {
		log_error("--known-hosts: %s", err);
		rc = EX_CONFIG;
		goto out;
	}
	if (hangup_open(&dm.hup) == -1) {
		log_error("epoll_create1: %s", strerror(errno));
		rc = EX_OSERR;
		goto out;
	}
	park_init(&dm.pk, ((uint64_t)arc4random() << 32) | arc4random());
	dm.pk.watch = watch_parked;
	dm.pk.unwatch = unwatch_parked;
	dm.pk.hook_arg = &dm;
	for (i = 0; dm.rules.have_reg && i < dm.rules.reg.n; i++)
		if (park_add(&dm.pk, dm.rules.reg.dev[i].id) == NULL) {
			log_error("out of memory");
			rc = EX_OSERR;
			goto out;
		}
	if (pending_init_admit(&dm.t, dm.cfg.preamble_timeout * 1000,
	    &dm.cfg.admit) == -1) {
		log_error("out of memory");
		rc = EX_OSERR;
		goto out;
	}
	/* The default's directory is made: a daemon started by hand works. */
	if ((r = control_dir(dm.cfg.control, strcmp(dm.cfg.control,
	    DAEMON_CONTROL) == 0, err, sizeof(err))) != 0) {
		log_error("%s", err);
		rc = r == CONTROL_DIR_CONFIG ? EX_CONFIG : EX_OSERR;
		goto out;
	}
	if (listen_all(&dm.cfg, &dm.l, err, sizeof(err)) == -1) {
		log_error("%s", err);
		rc = EX_UNAVAILABLE;
		goto out;
	}
	if (control_open(&dm.ctl, dm.cfg.control, &dm.pk, err,
	    sizeof(err)) == -1) {
		log_error("%s", err);
		rc = EX_OSERR;
		goto out;
	}
	dm.ctl.listed_only = dm.rules.have_reg;
	log_info("control socket %s", dm.cfg.control);

	setproctitle_init(argc, argv, environ);
	notify_init();
	notify_ready();
	rc = serve(&dm, &waitmask);
	notify_stopping();
out:
	control_close(&dm.ctl);
	listeners_close(&dm.l);
	pending_free(&dm.t);
	park_free(&dm.pk, close_fd);
	hangup_close(&dm.hup);
	rules_free(&dm.rules);
	free(dm.pfd);
	args_free(args);
	return rc;
}
