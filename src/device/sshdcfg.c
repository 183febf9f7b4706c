#include "config.h"

#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "misc.h"
#include "sshdcfg.h"

#define QUERY_OUT_MAX	(256 * 1024)
#define QUERY_TIMEOUT_MS 30000

static int
time_value(const char *s)
{
	const char *why;
	long long n;

	/* sshd -T prints times in plain seconds. */
	n = strtonum(s, 0, 86400 * 365, &why);
	return why != NULL ? 0 : (int)n;
}

static void
sshdcfg_parse(const char *text, struct sshdcfg *sc)
{
	const char *line, *nl;
	char buf[SSHDCFG_PATH + 64];
	size_t n;

	memset(sc, 0, sizeof(*sc));
	for (line = text; *line != '\0'; line = nl + (*nl != '\0')) {
		nl = line + strcspn(line, "\n");
		n = nl - line;
		if (n >= sizeof(buf))
			continue;
		memcpy(buf, line, n);
		buf[n] = '\0';
		if (strncmp(buf, "hostkey ", 8) == 0) {
			if (sc->nhostkeys < SSHDCFG_KEYS)
				strlcpy(sc->hostkey[sc->nhostkeys++], buf + 8,
				    SSHDCFG_PATH);
		} else if (strncmp(buf, "subsystem netconf ", 18) == 0)
			strlcpy(sc->netconf, buf + 18, sizeof(sc->netconf));
		else if (strncmp(buf, "logingracetime ", 15) == 0)
			sc->login_grace = time_value(buf + 15);
	}
}

/*
 * Run argv (sshd -T ...) and parse what it prints.  When sshd refuses,
 * err holds the first line it wrote to stderr, which names the problem.
 */
int
sshdcfg_query(char *const argv[], struct sshdcfg *sc, char *err, size_t errlen)
{
	int out[2], errp[2], status, ret = SSHDCFG_SYSERR;
	char *text, ebuf[512];
	size_t tlen = 0, elen = 0;
	struct pollfd pfd[2];
	pid_t pid, r;
	ssize_t n;

	if ((text = malloc(QUERY_OUT_MAX)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto err0;
	}
	if (pipe2(out, O_CLOEXEC) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		goto err1;
	}
	if (pipe2(errp, O_CLOEXEC) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		goto err2;
	}
	if ((pid = fork()) == -1) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		goto err3;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		if (null == -1 || dup2(null, 0) == -1 ||
		    dup2(out[1], 1) == -1 || dup2(errp[1], 2) == -1)
			_exit(127);
		closefrom(3);
		core_limit_restore();
		execv(argv[0], argv);
		dprintf(2, "cannot execute %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(out[1]);
	close(errp[1]);
	out[1] = errp[1] = -1;
	pfd[0].fd = out[0];
	pfd[1].fd = errp[0];
	pfd[0].events = pfd[1].events = POLLIN;
	while (pfd[0].fd != -1 || pfd[1].fd != -1) {
		int nready = poll(pfd, 2, QUERY_TIMEOUT_MS);

		if (nready == -1 && errno == EINTR)
			continue;
		if (nready <= 0) {
			kill(pid, SIGKILL);
			if (nready == -1)
				snprintf(err, errlen, "poll: %s",
				    strerror(errno));
			else {
				snprintf(err, errlen, "%s -T did not answer",
				    argv[0]);
				ret = SSHDCFG_REFUSED;
			}
			goto err4;
		}
		if (pfd[0].revents) {
			n = read(out[0], text + tlen, QUERY_OUT_MAX - 1 - tlen);
			if (n <= 0)
				pfd[0].fd = -1;
			else
				tlen += n;
			if (tlen == QUERY_OUT_MAX - 1)
				pfd[0].fd = -1;
		}
		if (pfd[1].revents) {
			n = read(errp[0], ebuf + elen, sizeof(ebuf) - 1 - elen);
			if (n <= 0 || (elen += n) == sizeof(ebuf) - 1)
				pfd[1].fd = -1;
		}
	}
	text[tlen] = '\0';
	ebuf[elen] = '\0';
	ebuf[strcspn(ebuf, "\r\n")] = '\0';
	ret = 0;
err4:
	while ((r = waitpid(pid, &status, 0)) == -1 && errno == EINTR)
		;
	if (r == -1) {
		/* No status to judge by (SIGCHLD ignored?): never guess. */
		snprintf(err, errlen, "%s -T: waitpid: %s", argv[0],
		    strerror(errno));
		ret = SSHDCFG_SYSERR;
	} else if (ret == 0 &&
	    !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		ret = SSHDCFG_REFUSED;
		if (elen > 0)
			snprintf(err, errlen, "%s", ebuf);
		else
			snprintf(err, errlen, "%s -T failed", argv[0]);
	}
	if (ret == 0)
		sshdcfg_parse(text, sc);
err3:
	if (errp[1] != -1)
		close(errp[1]);
	close(errp[0]);
err2:
	if (out[1] != -1)
		close(out[1]);
	close(out[0]);
err1:
	free(text);
err0:
	return ret;
}
