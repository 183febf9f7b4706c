#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>
#if defined(HAVE_STRUCT_TCP_INFO_TCPI_BYTES_RECEIVED) && \
    defined(HAVE_STRUCT_TCP_INFO_TCPI_DATA_SEGS_IN)
#define HAVE_TCP_BYTE_COUNTS 1
/* Not <netinet/tcp.h>: glibc's struct tcp_info lacks the byte counts. */
#include <linux/tcp.h>
#endif

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "misc.h"
#include "spawn.h"
#include "signals.h"

/* What the child of a supervisor must not inherit from it. */
static const char *const scrub_env[] = {
	"NOTIFY_SOCKET", "WATCHDOG_PID", "WATCHDOG_USEC", "LISTEN_PID",
	"LISTEN_FDS", "LISTEN_FDNAMES", "CREDENTIALS_DIRECTORY", NULL
};

static void
arg(struct sshd_cmd *cmd, const char *fmt, ...)
{
	char **v, *s;
	va_list ap;
	int r;

	if (cmd->failed)
		return;
	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r == -1) {
		cmd->failed = 1;
		return;
	}
	if ((v = reallocarray(cmd->argv, cmd->argc + 2, sizeof(*v))) == NULL) {
		free(s);
		cmd->failed = 1;
		return;
	}
	cmd->argv = v;
	cmd->argv[cmd->argc++] = s;
	cmd->argv[cmd->argc] = NULL;
}

/*
 * The sshd command line.  The operator's --sshd-option values come first:
 * sshd keeps the first value it sees, so they win over what is derived
 * from our own flags, which in turn win over sshd_config.
 */
int
sshd_cmd_build(struct sshd_cmd *cmd, const struct config *cfg,
    const struct sshdcfg *sc, enum sshd_mode mode, int log_stderr)
{
	size_t i;

	memset(cmd, 0, sizeof(*cmd));
	arg(cmd, "%s", cfg->sshd);
	arg(cmd, mode == SSHD_INETD ? "-i" : "-T");
	if (mode == SSHD_INETD && log_stderr)
		arg(cmd, "-e");
	if (cfg->sshd_config != NULL) {
		arg(cmd, "-f");
		arg(cmd, "%s", cfg->sshd_config);
	}
	for (i = 0; i < cfg->nsshd_options; i++) {
		arg(cmd, "-o");
		arg(cmd, "%s", cfg->sshd_options[i]);
	}
	/* In both modes: sshd -T then reports the value this call gets. */
	if (cfg->wait_for_client >= 0) {
		arg(cmd, "-o");
		arg(cmd, "LoginGraceTime=%d", cfg->wait_for_client);
	}
	arg(cmd, "-o");
	arg(cmd, "ClientAliveInterval=%d", cfg->ka_interval);
	arg(cmd, "-o");
	arg(cmd, "ClientAliveCountMax=%d", cfg->ka_count);
	if (cfg->idle_timeout > 0) {
		arg(cmd, "-o");
		arg(cmd, "ChannelTimeout=*=%d", cfg->idle_timeout);
		arg(cmd, "-o");
		arg(cmd, "UnusedConnectionTimeout=%d", cfg->idle_timeout);
	}
	if (cfg->services == SERVICES_NETCONF) {
		/* Whatever the client asks for, the netconf subsystem runs. */
		if (sc != NULL && sc->netconf[0] != '\0') {
			arg(cmd, "-o");
			arg(cmd, "ForceCommand=%s", sc->netconf);
		}
		arg(cmd, "-o");
		arg(cmd, "DisableForwarding=yes");
		arg(cmd, "-o");
		arg(cmd, "PermitTTY=no");
		arg(cmd, "-o");
		arg(cmd, "PermitTunnel=no");
		arg(cmd, "-o");
		arg(cmd, "PermitUserRC=no");
	}
	if (cmd->failed) {
		sshd_cmd_free(cmd);
		return -1;
	}
	return 0;
}

void
sshd_cmd_free(struct sshd_cmd *cmd)
{
	size_t i;

	for (i = 0; i < cmd->argc; i++)
		free(cmd->argv[i]);
	free(cmd->argv);
	memset(cmd, 0, sizeof(*cmd));
}

/*
 * The child: sshd -i with sock as its stdin and stdout.  sshd in inetd
 * mode does not make its own session, does not reset what it inherits, and
 * only sees a network peer when fds 0 and 1 are that very socket.  If it
 * cannot be executed, errno goes back through the close-on-exec pipe.
 */
static _Noreturn void
spawn_child(int sock, int status_fd, char *const argv[])
{
	int i, e;

	(void)setsid();
	signals_child_reset();

	if (dup2(sock, 0) == -1 || dup2(sock, 1) == -1)
		goto fail;
	/* The socket stays blocking for sshd; O_NONBLOCK is per description. */
	(void)fcntl(0, F_SETFL, fcntl(0, F_GETFL) & ~O_NONBLOCK);
	/* The status pipe moves to 3, still close-on-exec; the rest goes. */
	if (status_fd != 3 && dup3(status_fd, 3, O_CLOEXEC) == -1)
		goto fail;
	status_fd = 3;
	closefrom(4);
	core_limit_restore();
	for (i = 0; scrub_env[i] != NULL; i++)
		(void)unsetenv(scrub_env[i]);
	execv(argv[0], argv);
fail:
	e = errno;
	while (write(status_fd, &e, sizeof(e)) == -1 && errno == EINTR)
		;
	_exit(127);
}

/*
 * Fork and exec sshd -i on sock.  0 once sshd runs, its PID in *pidp; -1
 * with a message if it could not be forked or executed, which is a fault
 * of this device, not of the server that took the call.
 */
int
spawn_sshd(int sock, char *const argv[], pid_t *pidp, char *err,
    size_t errlen)
{
	int sp[2], e = 0;
	ssize_t n;
	pid_t pid;

	if (pipe2(sp, O_CLOEXEC) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	if ((pid = fork()) == -1) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(sp[0]);
		close(sp[1]);
		return -1;
	}
	if (pid == 0) {
		close(sp[0]);
		spawn_child(sock, sp[1], argv);
	}
	close(sp[1]);
	/* EOF: the exec closed the pipe.  Writes this small are atomic. */
	while ((n = read(sp[0], &e, sizeof(e))) == -1 && errno == EINTR)
		;
	close(sp[0]);
	if (n != (ssize_t)sizeof(e)) {
		*pidp = pid;
		return 0;
	}
	while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
		;
	snprintf(err, errlen, "cannot execute %s: %s", argv[0], strerror(e));
	return -1;
}

/* TCP_INFO's counts of bytes and of data segments received; -1: none. */
static int
tcp_counts(int sock, long long *bytes, long long *segs)
{
#ifdef HAVE_TCP_BYTE_COUNTS
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(sock, IPPROTO_TCP, TCP_INFO, &ti, &len) == -1 ||
	    len < offsetof(struct tcp_info, tcpi_data_segs_in) +
	    sizeof(ti.tcpi_data_segs_in))
		return -1;
	*bytes = (long long)ti.tcpi_bytes_received;
	*segs = (long long)ti.tcpi_data_segs_in;
	return 0;
#else
	(void)sock;
	*bytes = *segs = 0;
	return -1;
#endif
}

/*
 * Once sshd has exited, whether the connection was lost rather than
 * closed.  Only our copy holds the socket now: when sshd ended the
 * session (its idle timeout) the NMS has not been told yet.
 *  - The kernel reset or aborted it (an RST, TCP_USER_TIMEOUT): lost.
 *  - The NMS closed its side first (CLOSE_WAIT): closed.
 *  - Otherwise this side closes its half now, and a live NMS closes its
 *    own in answer: closed; one that has not within grace_ms is gone
 *    (sshd's keepalive gave up on it): lost.
 * 0 where TCP_INFO cannot tell, or when a signal cuts the wait.
 */
enum {	/* Linux's TCP states, as TCP_INFO reports them */
	ST_ESTABLISHED = 1, ST_FIN_WAIT1 = 4, ST_FIN_WAIT2 = 5, ST_CLOSE = 7
};

static int
tcp_state(int sock)
{
#ifdef HAVE_TCP_BYTE_COUNTS
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(sock, IPPROTO_TCP, TCP_INFO, &ti, &len) == -1)
		return -1;
	return ti.tcpi_state;
#else
	(void)sock;
	return -1;
#endif
}

int
spawn_connection_lost(int sock, int grace_ms, const sigset_t *waitmask)
{
	long long deadline = now_ms() + grace_ms;
	struct timespec ts = ms_timespec(20);
	int st = tcp_state(sock);

	if (st == ST_CLOSE)
		return 1;
	if (st != ST_ESTABLISHED || shutdown(sock, SHUT_WR) == -1)
		return 0;
	while (now_ms() < deadline) {
		if (ppoll(NULL, 0, &ts, waitmask) == -1 && errno == EINTR)
			return 0;
		st = tcp_state(sock);
		if (st != ST_FIN_WAIT1 && st != ST_FIN_WAIT2)
			return 0;	/* the NMS's FIN, or its RST, came */
	}
	return 1;
}

/*
 * Mark where a server's data starts on a socket whose first bytes, a
 * proxy's reply, were read already.  The counts first: data that came
 * in before them is still unread, and the peek sees it.
 */
void
spawn_rx_mark(int sock, struct rx_mark *m)
{
	char c;

	memset(m, 0, sizeof(*m));
	if (tcp_counts(sock, &m->bytes, &m->segs) == -1)
		m->bytes = m->segs = 0;
	m->pending = recv(sock, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 1;
}

/*
 * The bytes the peer has sent on a TCP socket so far (after the mark m, if
 * not NULL), 0 if it sent no data at all, or -1 if that is not known here
 * (no byte counts in TCP_INFO on this system or kernel).
 * tcpi_bytes_received counts a FIN as one byte; the segments that carried
 * data do not, so they say whether there was data.
 */
long long
spawn_bytes_received(int sock, const struct rx_mark *m)
{
	long long bytes, segs;

	if (tcp_counts(sock, &bytes, &segs) == -1)
		return -1;
	if (m == NULL)
		return segs > 0 ? bytes : 0;
	if (segs <= m->segs && !m->pending)
		return 0;
	return bytes > m->bytes ? bytes - m->bytes : 1;
}

void
spawn_describe(int status, char *buf, size_t len)
{
	if (WIFEXITED(status)) {
		if (WEXITSTATUS(status) == 255)
			snprintf(buf, len, "sshd exited with status 255 (the "
			    "connection closed; sshd's log says why)");
		else
			snprintf(buf, len, "sshd exited with status %d",
			    WEXITSTATUS(status));
	} else if (WIFSIGNALED(status))
		snprintf(buf, len, "sshd was killed by signal %d (%s)",
		    WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "sshd ended with status 0x%x", status);
}
