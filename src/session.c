#include "config.h"

#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "misc.h"
#include "session.h"

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
 * Fork and exec sshd -i with sock as its stdin and stdout.  sshd in inetd
 * mode does not make its own session, does not reset what it inherits, and
 * only sees a network peer when fds 0 and 1 are that very socket.
 */
pid_t
session_spawn(int sock, char *const argv[])
{
	struct sigaction sa;
	sigset_t none;
	pid_t pid;
	int sig, i;

	if ((pid = fork()) != 0)
		return pid;

	(void)setsid();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, &sa, NULL);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);

	if (dup2(sock, 0) == -1 || dup2(sock, 1) == -1)
		_exit(127);
	/* The socket stays blocking for sshd; O_NONBLOCK is per description. */
	(void)fcntl(0, F_SETFL, fcntl(0, F_GETFL) & ~O_NONBLOCK);
	closefrom(3);
	core_limit_restore();
	for (i = 0; scrub_env[i] != NULL; i++)
		(void)unsetenv(scrub_env[i]);
	execv(argv[0], argv);
	dprintf(2, "sshd-callhome: cannot execute %s: %s\n", argv[0],
	    strerror(errno));
	_exit(127);
}

void
session_describe(int status, char *buf, size_t len)
{
	if (WIFEXITED(status)) {
		if (WEXITSTATUS(status) == 127)
			snprintf(buf, len, "sshd could not be executed");
		else if (WEXITSTATUS(status) == 255)
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
