#include "config.h"

#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "broker.h"
#include "misc.h"

/* Bytes read from the daemon, and a descriptor that came with them. */
struct conn {
	int		 fd;
	int		 passed;	/* -1: none */
	size_t		 len;
	char		 buf[2 * CTL_LINE_MAX];
};

static enum broker_status
conn_open(struct conn *c, const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun;

	c->fd = -1;
	c->passed = -1;
	c->len = 0;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		snprintf(err, errlen, "--broker=%s: path too long", path);
		return BROKER_ERROR;
	}
	if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return BROKER_ERROR;
	}
	if (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		int e = errno;

		close(c->fd);
		c->fd = -1;
		snprintf(err, errlen, "%s: %s%s", path, strerror(e),
		    e == ENOENT || e == ECONNREFUSED ? " (is ssh-callhomed "
		    "running?)" : "");
		return e == ENOENT || e == ECONNREFUSED ? BROKER_NOT_RUNNING :
		    BROKER_ERROR;
	}
	return BROKER_OK;
}

static void
conn_close(struct conn *c)
{
	if (c->fd != -1)
		close(c->fd);
	if (c->passed != -1)
		close(c->passed);
	c->fd = c->passed = -1;
}

/* Read into the buffer, keeping a passed descriptor. */
static int
conn_fill(struct conn *c)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct msghdr msg;
	struct cmsghdr *cmsg;
	struct iovec iov;
	ssize_t n;
	int fd;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = c->buf + c->len;
	iov.iov_len = sizeof(c->buf) - c->len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cm.buf;
	msg.msg_controllen = sizeof(cm.buf);
	if ((n = recvmsg(c->fd, &msg, MSG_CMSG_CLOEXEC)) <= 0)
		return -1;
	for (cmsg = CMSG_FIRSTHDR(&msg); cmsg != NULL;
	    cmsg = CMSG_NXTHDR(&msg, cmsg))
		if (cmsg->cmsg_level == SOL_SOCKET &&
		    cmsg->cmsg_type == SCM_RIGHTS &&
		    cmsg->cmsg_len == CMSG_LEN(sizeof(int))) {
			memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
			if (c->passed != -1)
				close(c->passed);
			c->passed = fd;
		}
	c->len += n;
	return 0;
}

/*
 * The next line (without its LF, NUL-terminated in line), waiting up to
 * timeout_ms.  0 got one, -1 error (err says), 1 interrupted.
 */
static int
conn_line(struct conn *c, char *line, size_t linesz, long long timeout_ms,
    const sigset_t *waitmask, char *err, size_t errlen)
{
	long long deadline = now_ms() + timeout_ms;
	char *lf;
	size_t n;
	int r;

	for (;;) {
		if ((lf = memchr(c->buf, '\n', c->len)) != NULL) {
			n = lf - c->buf;
			if (n >= linesz) {
				snprintf(err, errlen, "the daemon sent a line "
				    "too long");
				return -1;
			}
			memcpy(line, c->buf, n);
			line[n] = '\0';
			memmove(c->buf, lf + 1, c->len - n - 1);
			c->len -= n + 1;
			return 0;
		}
		if (c->len == sizeof(c->buf)) {
			snprintf(err, errlen, "the daemon sent a line too "
			    "long");
			return -1;
		}
		r = wait_fd(c->fd, POLLIN, (int)(deadline - now_ms()),
		    waitmask);
		if (r == -1 && errno == EINTR)
			return 1;
		if (r <= 0) {
			snprintf(err, errlen, r == 0 ? "no answer from the "
			    "daemon" : "poll: %s", strerror(errno));
			return -1;
		}
		if (conn_fill(c) == -1) {
			snprintf(err, errlen, "the daemon closed the "
			    "connection");
			return -1;
		}
	}
}

static enum broker_status
greet_and_send(struct conn *c, const struct ctl_request *rq,
    const sigset_t *waitmask, char *err, size_t errlen)
{
	char line[CTL_LINE_MAX + 1], perr[256];
	int version, n, r;

	if ((r = conn_line(c, line, sizeof(line), BROKER_REPLY_MARGIN_MS,
	    waitmask, err, errlen)) != 0)
		return r == 1 ? BROKER_INTERRUPTED : BROKER_ERROR;
	if (ctl_greeting_parse(line, strlen(line), &version, perr,
	    sizeof(perr)) == -1) {
		snprintf(err, errlen, "not ssh-callhomed: %s", perr);
		return BROKER_ERROR;
	}
	if ((n = ctl_request_format(rq, line, sizeof(line))) == -1) {
		snprintf(err, errlen, "cannot write the request");
		return BROKER_ERROR;
	}
	if (send(c->fd, line, (size_t)n, MSG_NOSIGNAL) != n) {
		snprintf(err, errlen, "sending the request: %s",
		    strerror(errno));
		return BROKER_ERROR;
	}
	return BROKER_OK;
}

static enum broker_status
read_reply(struct conn *c, struct ctl_reply *r, long long timeout_ms,
    const sigset_t *waitmask, char *raw, size_t rawsz, char *err,
    size_t errlen)
{
	char perr[256];
	int st;

	if ((st = conn_line(c, raw, rawsz, timeout_ms, waitmask, err,
	    errlen)) != 0)
		return st == 1 ? BROKER_INTERRUPTED : BROKER_ERROR;
	if (ctl_reply_parse(raw, strlen(raw), r, perr, sizeof(perr)) == -1) {
		snprintf(err, errlen, "bad reply from the daemon: %s", perr);
		return BROKER_ERROR;
	}
	return BROKER_OK;
}

/* The device's call: *callfd, and the ok line in r. */
enum broker_status
broker_take(const char *path, const char *id, long long timeout_ms,
    const sigset_t *waitmask, struct ctl_reply *r, int *callfd, char *err,
    size_t errlen)
{
	struct ctl_request rq;
	struct conn *c;
	char raw[CTL_LINE_MAX + 1];
	enum broker_status st;

	*callfd = -1;
	if ((c = malloc(sizeof(*c))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return BROKER_ERROR;
	}
	if ((st = conn_open(c, path, err, errlen)) != BROKER_OK)
		goto out;
	memset(&rq, 0, sizeof(rq));
	rq.op = CTL_TAKE;
	strlcpy(rq.device_id, id, sizeof(rq.device_id));
	rq.timeout_ms = timeout_ms;
	if ((st = greet_and_send(c, &rq, waitmask, err, errlen)) != BROKER_OK)
		goto out;
	if ((st = read_reply(c, r, timeout_ms + BROKER_REPLY_MARGIN_MS,
	    waitmask, raw, sizeof(raw), err, errlen)) != BROKER_OK)
		goto out;
	switch (r->kind) {
	case CTL_OK:
		if (c->passed == -1) {
			snprintf(err, errlen, "the daemon sent no socket");
			st = BROKER_ERROR;
			break;
		}
		*callfd = c->passed;
		c->passed = -1;
		break;
	case CTL_ERROR:
		snprintf(err, errlen, "%s: %s%s%s", id,
		    ctl_code_name(r->code), r->text[0] != '\0' ? ": " : "",
		    r->text);
		st = r->code == CTL_E_TIMEOUT ? BROKER_TIMEOUT :
		    BROKER_REFUSED;
		break;
	default:
		snprintf(err, errlen, "unexpected reply: %s", raw);
		st = BROKER_ERROR;
		break;
	}
out:
	conn_close(c);
	free(c);
	return st;
}

static const char *
when(long long t, char *buf, size_t bufsz)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t < 0 || localtime_r(&tt, &tm) == NULL)
		return "-";
	strftime(buf, bufsz, "%Y-%m-%d %H:%M:%S", &tm);
	return buf;
}

static void
print_table(FILE *out, const struct ctl_reply *r, int *header)
{
	char since[32], first[32], last[32], where[CTL_ADDR_MAX + 16];
	char taker[48];

	switch (r->kind) {
	case CTL_DEVICE:
		if (*header != 1) {
			fprintf(out, "%-20s %-7s %-19s %-24s %-16s %6s %s\n",
			    "DEVICE", "STATE", "SINCE", "ADDRESS:PORT",
			    "VERIFY", "CALLS", "TAKEN BY UID:PID");
			*header = 1;
		}
		if (r->addr[0] != '\0')
			snprintf(where, sizeof(where), "%s:%d", r->addr,
			    r->port);
		else
			strlcpy(where, "-", sizeof(where));
		if (r->state == CTL_S_TAKEN)
			snprintf(taker, sizeof(taker), "%lld:%lld",
			    r->taker_uid, r->taker_pid);
		else
			strlcpy(taker, "-", sizeof(taker));
		fprintf(out, "%-20s %-7s %-19s %-24s %-16s %6lld %s\n",
		    r->device_id, ctl_state_name(r->state),
		    when(r->since, since, sizeof(since)), where,
		    ctl_verify_name(r->verify), r->calls, taker);
		break;
	case CTL_UNKNOWN:
		if (*header != 2) {
			fprintf(out, "%s%-20s %-24s %-12s %-19s %-19s %6s\n",
			    *header == 1 ? "\n" : "", "UNKNOWN CALLER",
			    "ADDRESS", "REASON", "FIRST SEEN", "LAST SEEN",
			    "COUNT");
			*header = 2;
		}
		fprintf(out, "%-20s %-24s %-12s %-19s %-19s %6lld\n",
		    r->device_id[0] != '\0' ? r->device_id : "-", r->addr,
		    ctl_reason_name(r->reason),
		    when(r->first, first, sizeof(first)),
		    when(r->last, last, sizeof(last)), r->calls);
		break;
	default:
		break;
	}
}

/*
 * The fleet on out: as a table for people, or raw, the protocol's own
 * lines (device, unknown, end), for scripts.
 */
enum broker_status
broker_list(const char *path, int raw, FILE *out, char *err, size_t errlen)
{
	struct ctl_request rq;
	struct ctl_reply r;
	struct conn *c;
	char line[CTL_LINE_MAX + 1];
	enum broker_status st;
	int header = 0;

	if ((c = malloc(sizeof(*c))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return BROKER_ERROR;
	}
	if ((st = conn_open(c, path, err, errlen)) != BROKER_OK)
		goto out;
	memset(&rq, 0, sizeof(rq));
	rq.op = CTL_LIST;
	if ((st = greet_and_send(c, &rq, NULL, err, errlen)) != BROKER_OK)
		goto out;
	for (;;) {
		if ((st = read_reply(c, &r, BROKER_REPLY_MARGIN_MS, NULL, line,
		    sizeof(line), err, errlen)) != BROKER_OK)
			goto out;
		if (r.kind == CTL_ERROR) {
			snprintf(err, errlen, "%s: %s", ctl_code_name(r.code),
			    r.text);
			st = BROKER_REFUSED;
			goto out;
		}
		if (raw)
			fprintf(out, "%s\n", line);
		else
			print_table(out, &r, &header);
		if (r.kind == CTL_END)
			break;
		if (r.kind != CTL_DEVICE && r.kind != CTL_UNKNOWN) {
			snprintf(err, errlen, "unexpected reply: %s", line);
			st = BROKER_ERROR;
			goto out;
		}
	}
	if (fflush(out) == EOF || ferror(out)) {
		snprintf(err, errlen, "writing the list: %s", strerror(errno));
		st = BROKER_ERROR;
	}
out:
	conn_close(c);
	free(c);
	return st;
}
