#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "fdpass.h"
#include "log.h"
#include "misc.h"

/*
 * The control socket's directory.  A missing one is made (one level,
 * mode CONTROL_DIR_MODE whatever the umask) when make is set, as
 * systemd's RuntimeDirectory= would for the default path; otherwise it is
 * the operator's mistake.  0; CONTROL_DIR_CONFIG for a directory that is
 * missing or not one; -1 for a system error.
 */
int
control_dir(const char *path, int make, char *err, size_t errlen)
{
	char dir[sizeof(((struct control *)NULL)->path)];
	struct stat st;
	char *slash;

	if (strlcpy(dir, path, sizeof(dir)) >= sizeof(dir)) {
		snprintf(err, errlen, "--control=%s: path too long", path);
		return CONTROL_DIR_CONFIG;
	}
	if ((slash = strrchr(dir, '/')) == NULL)
		return 0;		/* the working directory */
	if (slash == dir)
		slash++;		/* "/" itself */
	*slash = '\0';
	if (stat(dir, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return 0;
		snprintf(err, errlen, "--control=%s: %s is not a directory",
		    path, dir);
		return CONTROL_DIR_CONFIG;
	}
	if (errno != ENOENT && errno != ENOTDIR) {
		snprintf(err, errlen, "--control=%s: %s: %s", path, dir,
		    strerror(errno));
		return -1;
	}
	if (!make) {
		snprintf(err, errlen, "--control=%s: no directory %s (only "
		    "the default one is made)", path, dir);
		return CONTROL_DIR_CONFIG;
	}
	if (mkdir(dir, CONTROL_DIR_MODE) == -1) {
		if (errno == EEXIST)
			return 0;	/* made meanwhile, and not ours */
		snprintf(err, errlen, "cannot make %s for the control socket: "
		    "%s", dir, strerror(errno));
		return -1;
	}
	if (chmod(dir, CONTROL_DIR_MODE) == -1) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	log_info("made %s for the control socket", dir);
	return 0;
}

/*
 * Bind path, refusing to take the socket of a daemon that still answers
 * there; a stale socket file is replaced.  The umask makes the file's
 * mode right from the start: no moment where others may connect.
 */
int
control_open(struct control *ctl, const char *path, struct park *pk,
    char *err, size_t errlen)
{
	struct sockaddr_un sun;
	struct stat st;
	mode_t old;
	int fd, probe, r, e;

	memset(ctl, 0, sizeof(*ctl));
	ctl->lfd = -1;
	ctl->park = pk;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path) || strlcpy(ctl->path, path,
	    sizeof(ctl->path)) >= sizeof(ctl->path)) {
		snprintf(err, errlen, "--control=%s: path too long", path);
		return -1;
	}
	if ((ctl->c = calloc(CONTROL_CLIENTS_MAX, sizeof(*ctl->c))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "--control=%s: exists and is not "
			    "a socket", path);
			return -1;
		}
		if ((probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC,
		    0)) == -1) {
			snprintf(err, errlen, "socket: %s", strerror(errno));
			return -1;
		}
		r = connect(probe, (struct sockaddr *)&sun, sizeof(sun));
		close(probe);
		if (r == 0) {
			snprintf(err, errlen, "--control=%s: another "
			    "ssh-callhomed is running there", path);
			return -1;
		}
		(void)unlink(path);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	old = umask(0777 & ~CONTROL_MODE);
	r = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	e = errno;
	umask(old);
	if (r == -1 || listen(fd, CONTROL_CLIENTS_MAX) == -1) {
		snprintf(err, errlen, "--control=%s: %s", path,
		    strerror(r == -1 ? e : errno));
		close(fd);
		return -1;
	}
	ctl->lfd = fd;
	return 0;
}

void
control_close(struct control *ctl)
{
	size_t i;

	for (i = 0; i < ctl->n; i++)
		close(ctl->c[i].fd);
	if (ctl->lfd != -1) {
		close(ctl->lfd);
		(void)unlink(ctl->path);
	}
	free(ctl->c);
	memset(ctl, 0, sizeof(*ctl));
	ctl->lfd = -1;
}

static void
drop_client(struct control *ctl, size_t i)
{
	close(ctl->c[i].fd);
	if (i != ctl->n - 1)
		ctl->c[i] = ctl->c[ctl->n - 1];
	ctl->n--;
}

/*
 * Send one line, with fd as SCM_RIGHTS if it is not -1.  The client's
 * socket is blocking with a send timeout: a client that does not read
 * costs at most CONTROL_SEND_MS.
 */
static int
send_line(struct ctl_client *cl, const char *buf, size_t len, int fd)
{
	ssize_t n;

	while (len > 0) {
		if ((n = fdpass_sendmsg(cl->fd, buf, len, fd)) <= 0) {
			log_debug("control client uid %lld pid %lld: %s",
			    cl->uid, cl->pid, n == -1 ? strerror(errno) :
			    "short write");
			return -1;
		}
		buf += n;
		len -= n;
		fd = -1;	/* it went with the first bytes */
	}
	return 0;
}

static int
send_reply(struct ctl_client *cl, const struct ctl_reply *r, int fd)
{
	char line[CTL_LINE_MAX + 1];
	int n;

	if ((n = ctl_reply_format(r, line, sizeof(line))) == -1) {
		log_error("cannot format a control reply");
		return -1;
	}
	return send_line(cl, line, (size_t)n, fd);
}

static int
send_error(struct ctl_client *cl, enum ctl_code code, const char *text)
{
	struct ctl_reply r;

	memset(&r, 0, sizeof(r));
	r.kind = CTL_ERROR;
	r.code = code;
	strlcpy(r.text, text, sizeof(r.text));
	return send_reply(cl, &r, -1);
}

static void
control_accept(struct control *ctl)
{
	struct ctl_client *cl;
	struct ucred uc;
	struct timeval tv;
	socklen_t len;
	char line[64];
	int fd, n;

	for (;;) {
		fd = accept4(ctl->lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != ECONNABORTED)
				log_warn("control accept: %s",
				    strerror(errno));
			return;
		}
		if (ctl->n == CONTROL_CLIENTS_MAX) {
			log_warn("control client refused: %d clients already",
			    CONTROL_CLIENTS_MAX);
			close(fd);
			continue;
		}
		cl = &ctl->c[ctl->n];
		memset(cl, 0, offsetof(struct ctl_client, buf));
		cl->fd = fd;
		cl->uid = cl->pid = -1;
		len = sizeof(uc);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) == 0) {
			cl->uid = uc.uid;
			cl->pid = uc.pid;
		}
		tv.tv_sec = CONTROL_SEND_MS / 1000;
		tv.tv_usec = (CONTROL_SEND_MS % 1000) * 1000;
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		log_debug("control client uid %lld pid %lld", cl->uid,
		    cl->pid);
		if ((n = ctl_greeting_format(line, sizeof(line))) == -1 ||
		    send_line(cl, line, (size_t)n, -1) == -1) {
			close(fd);
			continue;
		}
		ctl->n++;
	}
}

/* Hand d's parked call to the client; 0 done, -1 the client is gone. */
static int
hand_over(struct control *ctl, struct ctl_client *cl, struct park_dev *d)
{
	struct ctl_reply r;
	int fd;

	memset(&r, 0, sizeof(r));
	r.kind = CTL_OK;
	strlcpy(r.device_id, d->id, sizeof(r.device_id));
	strlcpy(r.addr, d->addr, sizeof(r.addr));
	r.port = d->port;
	r.verify = d->call_verify;
	strlcpy(r.host_key, d->host_key, sizeof(r.host_key));
	if (send_reply(cl, &r, d->fd) == -1)
		return -1;
	fd = park_take(ctl->park, d, cl->uid, cl->pid, time(NULL));
	close(fd);
	log_info("uid %lld pid %lld took %s", cl->uid, cl->pid, d->id);
	return 0;
}

/*
 * A list's lines go out CONTROL_LIST_CHUNK bytes at a time: a send per
 * line cost a system call and a wakeup of the client per device.
 */
struct list_out {
	size_t	 len;
	char	 buf[CONTROL_LIST_CHUNK];
};

static int
list_flush(struct ctl_client *cl, struct list_out *o)
{
	int r = o->len > 0 ? send_line(cl, o->buf, o->len, -1) : 0;

	o->len = 0;
	return r;
}

static int
list_reply(struct ctl_client *cl, struct list_out *o,
    const struct ctl_reply *r)
{
	int n;

	if (sizeof(o->buf) - o->len < CTL_LINE_MAX + 1 &&
	    list_flush(cl, o) == -1)
		return -1;
	if ((n = ctl_reply_format(r, o->buf + o->len, sizeof(o->buf) -
	    o->len)) == -1) {
		log_error("cannot format a control reply");
		return -1;
	}
	o->len += (size_t)n;
	return 0;
}

static int
do_list(struct control *ctl, struct ctl_client *cl)
{
	const struct park *pk = ctl->park;
	struct ctl_reply r;
	struct list_out *o;
	size_t i;
	int rc = -1;

	if ((o = malloc(sizeof(*o))) == NULL)
		return send_error(cl, CTL_E_UNAVAILABLE, "out of memory");
	o->len = 0;

	for (i = 0; i < pk->n; i++) {
		const struct park_dev *d = pk->dev[i];

		memset(&r, 0, sizeof(r));
		r.kind = CTL_DEVICE;
		strlcpy(r.device_id, d->id, sizeof(r.device_id));
		r.state = d->state;
		r.since = d->since;
		strlcpy(r.addr, d->addr, sizeof(r.addr));
		r.port = d->port;
		r.verify = d->verify;
		r.calls = d->calls;
		r.taker_uid = d->state == CTL_S_TAKEN ? d->taker_uid : -1;
		r.taker_pid = d->state == CTL_S_TAKEN ? d->taker_pid : -1;
		if (list_reply(cl, o, &r) == -1)
			goto out;
	}
	for (i = 0; i < pk->nunk; i++) {
		const struct park_unknown *u = &pk->unk[i];

		memset(&r, 0, sizeof(r));
		r.kind = CTL_UNKNOWN;
		strlcpy(r.device_id, u->id, sizeof(r.device_id));
		strlcpy(r.addr, u->addr, sizeof(r.addr));
		r.reason = u->reason;
		r.first = u->first;
		r.last = u->last;
		r.calls = u->count;
		strlcpy(r.host_key, u->host_key != NULL ? u->host_key : "",
		    sizeof(r.host_key));
		if (list_reply(cl, o, &r) == -1)
			goto out;
	}
	memset(&r, 0, sizeof(r));
	r.kind = CTL_END;
	if (list_reply(cl, o, &r) == 0 && list_flush(cl, o) == 0)
		rc = 0;
out:
	free(o);
	return rc;
}

static int
do_take(struct control *ctl, struct ctl_client *cl,
    const struct ctl_request *rq)
{
	struct park_dev *d = park_find(ctl->park, rq->device_id);
	size_t i;

	if (d == NULL && ctl->listed_only)
		return send_error(cl, CTL_E_UNKNOWN, "not in the registry");
	if (d != NULL && d->fd != -1)
		return hand_over(ctl, cl, d);
	for (i = 0; i < ctl->n; i++)
		if (ctl->c[i].waiting && strcmp(ctl->c[i].id,
		    rq->device_id) == 0)
			return send_error(cl, CTL_E_BUSY, "another client is "
			    "waiting for it");
	if (rq->timeout_ms == 0)
		return send_error(cl, CTL_E_TIMEOUT, "not parked");
	cl->waiting = 1;
	cl->deadline = now_ms() + rq->timeout_ms;
	strlcpy(cl->id, rq->device_id, sizeof(cl->id));
	return 0;
}

/* One request line from the client; -1: drop the client. */
static int
request(struct control *ctl, struct ctl_client *cl, const char *line,
    size_t len)
{
	struct ctl_request rq;
	char err[256];

	if (ctl_request_parse(line, len, &rq, err, sizeof(err)) == -1)
		return send_error(cl, CTL_E_BAD_REQUEST, err);
	switch (rq.op) {
	case CTL_LIST:
		return do_list(ctl, cl);
	case CTL_TAKE:
		return do_take(ctl, cl, &rq);
	}
	return -1;
}

/* Read what the client sent; -1: drop it. */
static int
client_read(struct control *ctl, struct ctl_client *cl)
{
	char *lf;
	size_t n;
	ssize_t r;

	r = recv(cl->fd, cl->buf + cl->len, sizeof(cl->buf) - cl->len,
	    MSG_DONTWAIT);
	if (r == -1 && (errno == EINTR || errno == EAGAIN ||
	    errno == EWOULDBLOCK))
		return 0;
	if (r <= 0)
		return -1;
	cl->len += r;
	while (!cl->waiting && (lf = memchr(cl->buf, '\n', cl->len)) !=
	    NULL) {
		n = lf - cl->buf;
		if (request(ctl, cl, cl->buf, n) == -1)
			return -1;
		memmove(cl->buf, lf + 1, cl->len - n - 1);
		cl->len -= n + 1;
	}
	if (cl->len == sizeof(cl->buf)) {
		(void)send_error(cl, CTL_E_BAD_REQUEST, "line too long");
		return -1;
	}
	return 0;
}

/* The listening socket, then each client: 1 + ctl->n entries. */
size_t
control_pollfds(const struct control *ctl, struct pollfd *pfd)
{
	size_t i;

	pfd[0].fd = ctl->lfd;
	pfd[0].events = POLLIN;
	pfd[0].revents = 0;
	for (i = 0; i < ctl->n; i++) {
		pfd[i + 1].fd = ctl->c[i].fd;
		/* A waiting client is only watched for hanging up. */
		pfd[i + 1].events = ctl->c[i].waiting ? POLLRDHUP : POLLIN;
		pfd[i + 1].revents = 0;
	}
	return ctl->n + 1;
}

/* pfd as control_pollfds() filled it, after the poll. */
void
control_events(struct control *ctl, const struct pollfd *pfd)
{
	size_t i, n = ctl->n;

	/* Backwards: a dropped client's place is taken by the last one. */
	for (i = n; i-- > 0; ) {
		short re = pfd[i + 1].revents;

		if (re == 0)
			continue;
		if (ctl->c[i].waiting) {
			if (re & (POLLHUP | POLLERR | POLLRDHUP))
				drop_client(ctl, i);
			continue;
		}
		if (client_read(ctl, &ctl->c[i]) == -1)
			drop_client(ctl, i);
	}
	if (pfd[0].revents != 0)
		control_accept(ctl);
}

long long
control_wake(const struct control *ctl, long long wake)
{
	size_t i;

	for (i = 0; i < ctl->n; i++)
		if (ctl->c[i].waiting && ctl->c[i].deadline < wake)
			wake = ctl->c[i].deadline;
	return wake;
}

/* Takes past their time are answered "error timeout". */
void
control_expire(struct control *ctl, long long now)
{
	size_t i;

	for (i = ctl->n; i-- > 0; ) {
		struct ctl_client *cl = &ctl->c[i];

		if (!cl->waiting || now < cl->deadline)
			continue;
		cl->waiting = 0;
		if (send_error(cl, CTL_E_TIMEOUT, "the device did not call "
		    "in time") == -1)
			drop_client(ctl, i);
	}
}

/* d has a new parked call: the client waiting for it, if any, takes it. */
void
control_parked(struct control *ctl, struct park_dev *d)
{
	size_t i;

	for (i = 0; i < ctl->n; i++) {
		struct ctl_client *cl = &ctl->c[i];

		if (!cl->waiting || strcmp(cl->id, d->id) != 0)
			continue;
		cl->waiting = 0;
		if (hand_over(ctl, cl, d) == -1)
			drop_client(ctl, i);
		return;
	}
}
