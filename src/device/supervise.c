#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "anchor.h"
#include "announce.h"
#include "dial.h"
#include "file.h"
#include "log.h"
#include "misc.h"
#include "notify.h"
#include "redial.h"
#include "signals.h"
#include "spawn.h"
#include "supervise.h"

#define STOP_GRACE_MS	5000	/* SIGTERM to SIGKILL for a session */
#define LOST_GRACE_MS	3000	/* for the NMS to close after sshd exits */

static volatile sig_atomic_t got_term, got_hup, got_usr1, got_chld;

static void
on_signal(int sig)
{
	switch (sig) {
	case SIGTERM:
	case SIGINT:
		got_term = 1;
		break;
	case SIGHUP:
		got_hup = 1;
		break;
	case SIGUSR1:
		got_usr1 = 1;
		break;
	case SIGCHLD:
		got_chld = 1;
		break;
	}
}

static sigset_t waitmask;	/* the mask while waiting: our signals let in */
/* Caught, and blocked except inside ppoll() (signals_catch()). */
static const int caught[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGCHLD };

static uint32_t
random_below(uint32_t upper)
{
	return upper > 1 ? arc4random_uniform(upper) : 0;
}

/* Sleep up to ms; a signal cuts it short.  SIGHUP means "dial now". */
static void
pause_ms(long long ms)
{
	long long deadline = now_ms() + ms;
	struct timespec ts;
	long long left;

	while (!got_term && !got_hup && (left = deadline - now_ms()) > 0) {
		ts = ms_timespec(left);
		(void)ppoll(NULL, 0, &ts, &waitmask);
		got_usr1 = 0;	/* no session to end */
	}
	got_hup = 0;
}

static int
reap(pid_t pid, int *status)
{
	pid_t r;

	while ((r = waitpid(pid, status, WNOHANG)) == -1 && errno == EINTR)
		;
	return r == pid;
}

/* SIGTERM to the session's process group, then SIGKILL after a grace. */
static void
session_stop(pid_t pid, int *status)
{
	long long deadline = now_ms() + STOP_GRACE_MS;
	struct timespec ts = ms_timespec(50);

	if (kill(-pid, SIGTERM) == -1)
		(void)kill(pid, SIGTERM);
	while (now_ms() < deadline) {
		if (reap(pid, status))
			return;
		(void)ppoll(NULL, 0, &ts, &waitmask);
	}
	log_warn("sshd (pid %ld) ignored SIGTERM; killing it", (long)pid);
	if (kill(-pid, SIGKILL) == -1)
		(void)kill(pid, SIGKILL);
	while (waitpid(pid, status, 0) == -1 && errno == EINTR)
		;
}

static void
state_save(const char *path, const struct server *sv)
{
	char line[SERVER_NAME_MAX + 2], err[512];
	int n;

	n = snprintf(line, sizeof(line), "%s\n", sv->name);
	if (file_replace(path, line, n, 0644, err, sizeof(err)) == -1)
		log_warn("state file: %s", err);
}

/* The index of the server a state file names, or -1. */
static int
state_load(const char *path, const struct config *cfg)
{
	char buf[SERVER_NAME_MAX + 2], err[512];
	size_t len, i;

	if (file_read(path, 0, buf, sizeof(buf), &len, err, sizeof(err)) ==
	    -1) {
		if (access(path, F_OK) == 0)
			log_warn("state file: %s; ignored", err);
		return -1;
	}
	buf[strcspn(buf, "\n")] = '\0';
	for (i = 0; i < cfg->nservers; i++)
		if (strcmp(buf, cfg->servers[i].name) == 0)
			return (int)i;
	log_info("state file %s names no configured server; ignored", path);
	return -1;
}

/* Write the preamble; the socket is non-blocking here. */
static int
write_preamble(int fd, const struct announce *an, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	size_t off = 0;
	ssize_t n;

	while (off < an->len) {
		n = send(fd, an->bytes + off, an->len - off, MSG_NOSIGNAL);
		if (n > 0) {
			off += n;
			continue;
		}
		if (n == -1 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (now_ms() >= deadline) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (wait_fd(fd, POLLOUT, (int)(deadline - now_ms()),
		    &waitmask) == -1 && errno == EINTR && got_term)
			return -1;
	}
	return 0;
}

enum outcome {
	OUT_NOT_CONNECTED,	/* try the next attempt */
	OUT_LOCAL_ERROR,	/* our side is broken: back off */
	OUT_SESSION		/* a session ran */
};

struct run {
	const struct config	*cfg;
	struct sshdcfg		*sc;
	struct redial		 redial;
	int			 status;	/* of the last session */
	long long		 started;	/* of the last session */
	unsigned int		 delay_ms;
	int			 redial_now;	/* SIGUSR1: skip any wait */
	int			 lost;		/* the last session's connection
						   was lost, not closed */
};

/*
 * --periodic: how long to wait for the next call, the last one having
 * started at started (now_ms()).  With --anchor-time, until the next grid
 * point after now on the wall clock, so that a call that ran past a grid
 * point is not followed by calls to catch up.
 */
static long long
periodic_wait_ms(const struct config *cfg, long long started)
{
	long long period = (long long)cfg->periodic * 60000, now;

	if (cfg->anchor_text == NULL)
		return started + period - now_ms();
	now = wall_ms();
	return anchor_next(cfg->anchor_ms, period, now) - now;
}

/* rx: where the server's data starts, NULL for the socket's start. */
static enum outcome
run_session(struct run *r, size_t idx, int fd, const char *peer,
    const struct rx_mark *rx)
{
	const struct config *cfg = r->cfg;
	const struct server *sv = &cfg->servers[idx];
	struct announce an;
	struct sshd_cmd cmd;
	static const struct timespec answer_poll = { 0, 200 * 1000000 };
	char err[512], how[128];
	long long t0, dt, nms_bytes;
	int status = 0, saved, answered;
	pid_t pid;

	if (announce_build(cfg, r->sc, &an, err, sizeof(err)) == -1) {
		log_error("%s", err);
		close(fd);
		return OUT_LOCAL_ERROR;
	}
	if (write_preamble(fd, &an, cfg->timeout * 1000) == -1) {
		log_warn("%s [%s]: writing the preamble: %s", sv->name, peer,
		    strerror(errno));
		close(fd);
		return OUT_NOT_CONNECTED;
	}
	if (sshd_cmd_build(&cmd, cfg, r->sc, SSHD_INETD,
	    !log_to_syslog()) == -1) {
		log_error("out of memory");
		close(fd);
		return OUT_LOCAL_ERROR;
	}
	got_chld = got_usr1 = 0;
	if (spawn_sshd(fd, cmd.argv, &pid, err, sizeof(err)) == -1) {
		sshd_cmd_free(&cmd);
		close(fd);
		log_error("%s [%s]: %s (a local error, not the server's)",
		    sv->name, peer, err);
		return OUT_LOCAL_ERROR;
	}
	sshd_cmd_free(&cmd);
	/*
	 * Our copy of the socket stays open while sshd runs: its TCP_INFO
	 * tells whether the NMS ever spoke.
	 */
	t0 = now_ms();
	r->started = t0;
	log_info("%s [%s]: session started, sshd pid %ld", sv->name, peer,
	    (long)pid);
	notify_status("connected to %s", sv->name);

	/*
	 * The state file names only a server that answered, and is written
	 * as soon as it has: a session may last for days.  Until then the
	 * wait wakes up now and then to look.
	 */
	saved = cfg->state_file == NULL;
	for (;;) {
		if (!saved && redial_answered(spawn_bytes_received(fd, rx))) {
			state_save(cfg->state_file, sv);
			saved = 1;
		}
		if (got_chld) {
			got_chld = 0;
			if (reap(pid, &status))
				break;
		}
		if (got_term || got_usr1) {
			log_info("%s: ending the session (%s)", sv->name,
			    got_term ? "stopping" : "SIGUSR1");
			session_stop(pid, &status);
			break;
		}
		got_hup = 0;	/* files are read afresh for every session */
		(void)ppoll(NULL, 0, saved ? NULL : &answer_poll, &waitmask);
	}
	dt = now_ms() - t0;
	nms_bytes = spawn_bytes_received(fd, rx);
	r->lost = 0;
	if (cfg->periodic && !got_term && !got_usr1 &&
	    redial_answered(nms_bytes))
		r->lost = spawn_connection_lost(fd, LOST_GRACE_MS, &waitmask);
	close(fd);
	spawn_describe(status, how, sizeof(how));
	log_info("%s [%s]: session ended after %lld.%03llds: %s", sv->name,
	    peer, dt / 1000, dt % 1000, how);
	r->status = status;
	answered = redial_answered(nms_bytes);
	if (answered && !saved)
		state_save(cfg->state_file, sv);
	if (got_term)
		return OUT_SESSION;	/* we ended it: no verdict on the server */
	if (got_usr1) {
		/* The operator asked for a new call: now, and no penalty. */
		got_usr1 = 0;
		r->redial_now = 1;
		if (answered)
			r->redial.last_good = (long)idx;
		r->delay_ms = 0;
	} else switch (redial_call_ended(&r->redial, idx, nms_bytes,
	    (unsigned long long)dt, &r->delay_ms)) {
	case CALL_UNANSWERED:
		log_warn("%s [%s]: the call was not answered (the server sent "
		    "nothing): a failed attempt", sv->name, peer);
		return OUT_NOT_CONNECTED;
	case CALL_PARKED:
		log_info("%s [%s]: the call was held unanswered for the whole "
		    "wait for a client (parked): calling it again", sv->name,
		    peer);
		if (cfg->state_file != NULL)
			state_save(cfg->state_file, sv);
		break;
	default:
		break;
	}
	return OUT_SESSION;
}

/* One pass over the servers; OUT_SESSION if one of them took a call. */
static enum outcome
pass(struct run *r)
{
	const struct config *cfg = r->cfg;
	struct dial_opts o;
	size_t first, i, idx;
	enum outcome out;
	struct rx_mark rx;
	char peer[PEER_MAX];
	int a, fd;

	memset(&o, 0, sizeof(o));
	o.timeout_ms = cfg->timeout * 1000;
	o.ka_idle = cfg->ka_interval;
	o.ka_count = cfg->ka_count;
	/*
	 * sshd 9.2 checks for a silent client in whole seconds and may let a
	 * probe slip by one interval, so it drops a dead peer within
	 * 2 x interval x (count + 1) s; unacknowledged data may wait as long.
	 */
	o.user_timeout_ms = 2U * cfg->ka_interval * (cfg->ka_count + 1) * 1000U;
	o.waitmask = &waitmask;
	o.bind_addr = (const struct sockaddr *)&cfg->bind_addr;
	o.bind_len = cfg->bind_len;
	o.bind_text = cfg->bind_text;
	o.interface = cfg->interface;
	if (cfg->proxy.kind != PROXY_NONE) {
		o.proxy = &cfg->proxy;
		o.proxy_password_file = cfg->proxy_password_file;
	}

	first = redial_first(&r->redial);
	for (i = 0; i < cfg->nservers; i++) {
		idx = (first + i) % cfg->nservers;
		for (a = 1; a <= cfg->retry; a++) {
			if (got_term)
				return OUT_NOT_CONNECTED;
			notify_status("dialing %s (attempt %d/%d)",
			    cfg->servers[idx].name, a, cfg->retry);
			switch (dial(&cfg->servers[idx], &o, &fd, peer,
			    sizeof(peer))) {
			case DIAL_INTERRUPTED:
				a--;	/* a signal is not a failed attempt */
				continue;
			case DIAL_FAILED:
				continue;
			case DIAL_OK:
				break;
			}
			/* The proxy's reply is not the server answering. */
			if (o.proxy != NULL)
				spawn_rx_mark(fd, &rx);
			out = run_session(r, idx, fd, peer,
			    o.proxy != NULL ? &rx : NULL);
			if (out != OUT_NOT_CONNECTED)
				return out;
		}
	}
	return OUT_NOT_CONNECTED;
}

int
supervise(const struct config *cfg, struct sshdcfg *sc)
{
	struct run r;
	unsigned int healthy;
	long long period = (long long)cfg->periodic * 60000, next;
	enum outcome out = OUT_NOT_CONNECTED;
	int connected_once = 0, st;

	memset(&r, 0, sizeof(r));
	r.cfg = cfg;
	r.sc = sc;
	signals_catch(caught, sizeof(caught) / sizeof(caught[0]), on_signal,
	    &waitmask);
	/*
	 * Healthy: outlived the time sshd gives a client to authenticate,
	 * LoginGraceTime as this sshd -T reports it, so --wait-for-client
	 * included; with none (0), the sshd default of 120 s.
	 */
	healthy = (sc->login_grace > 0 ? sc->login_grace : 120) * 1000U;
	redial_init(&r.redial, cfg->nservers, cfg->strategy,
	    cfg->backoff_max * 1000U, healthy, cfg->redial_jitter * 1000U,
	    random_below);
	if (cfg->strategy == STRATEGY_STICKY && cfg->state_file != NULL)
		r.redial.last_good = state_load(cfg->state_file, cfg);

	if (cfg->anchor_text != NULL) {
		long long w = periodic_wait_ms(cfg, 0);

		log_info("periodic: first call at the next grid point of "
		    "--anchor-time, in %lld.%03llds", w / 1000, w % 1000);
		notify_status("next call in %llds", w / 1000);
		pause_ms(w);
	}
	if (cfg->startup_delay > 0) {
		unsigned int d = redial_startup_ms(&r.redial,
		    cfg->startup_delay);

		notify_status("startup delay %us", d / 1000);
		pause_ms(d);
	}
	while (!got_term) {
		out = pass(&r);
		if (got_term)
			break;
		if (out == OUT_SESSION)
			connected_once = 1;
		if (cfg->once)
			break;
		if (out != OUT_SESSION) {
			r.delay_ms = redial_pass_failed(&r.redial);
			log_info("%s; next pass in %u.%03us",
			    out == OUT_LOCAL_ERROR ? "a local error ended the "
			    "pass" : "no server took the call",
			    r.delay_ms / 1000, r.delay_ms % 1000);
			notify_status("backing off %u.%us", r.delay_ms / 1000,
			    r.delay_ms % 1000 / 100);
			pause_ms(r.delay_ms);
			continue;
		}
		if (r.redial_now) {
			r.redial_now = 0;
			continue;
		}
		/* The IETF model: a periodic session lost is called again. */
		if (period > 0 && r.lost)
			log_info("periodic: the connection was lost, not "
			    "closed: calling again now, not at the next period");
		if (period > 0 && !r.lost && ((next = periodic_wait_ms(cfg,
		    r.started)) > (long long)r.delay_ms ||
		    cfg->anchor_text != NULL)) {
			log_info("periodic: next call in %llds", next / 1000);
			notify_status("next call in %llds", next / 1000);
			pause_ms(next);
		} else if (r.delay_ms > 0) {
			notify_status("redialing in %u.%03us",
			    r.delay_ms / 1000, r.delay_ms % 1000);
			pause_ms(r.delay_ms);
		}
	}
	notify_stopping();
	if (!cfg->once || got_term)
		return EX_OK;
	if (out == OUT_LOCAL_ERROR)
		return EX_CONFIG;
	if (!connected_once) {
		log_error("no server took the call");
		return EX_UNAVAILABLE;
	}
	/* Like a shell: sshd's own status, or 128 + the signal. */
	st = r.status;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
