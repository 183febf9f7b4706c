/*
 * A stand-in for sshd that reports what it inherited, then becomes the real
 * sshd.  Given as --sshd, it writes <sshd_config>.probe (the file named by
 * -f, plus ".probe") with its argv, environment, open descriptors, session,
 * signal state and what fds 0 and 1 are; with -T it only execs sshd.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <dirent.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

int
main(int argc, char *argv[])
{
	const char *cfg = NULL;
	char path[PATH_MAX], link[300], target[1024];
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	struct dirent *de;
	int i, query = 0;
	char **e;
	FILE *fp;
	DIR *d;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-T") == 0)
			query = 1;
		if (strcmp(argv[i], "-f") == 0 && i + 1 < argc)
			cfg = argv[i + 1];
	}
	if (!query && cfg != NULL) {
		/* Descriptors first, before this program opens any. */
		char fds[16384] = "";

		if ((d = opendir("/proc/self/fd")) != NULL) {
			while ((de = readdir(d)) != NULL) {
				if (de->d_name[0] == '.' ||
				    atoi(de->d_name) == dirfd(d))
					continue;
				snprintf(link, sizeof(link), "/proc/self/fd/%s",
				    de->d_name);
				ssize_t n = readlink(link, target,
				    sizeof(target) - 1);
				target[n > 0 ? n : 0] = '\0';
				snprintf(fds + strlen(fds), sizeof(fds) -
				    strlen(fds), "fd %s %s\n", de->d_name,
				    target);
			}
			closedir(d);
		}
		snprintf(path, sizeof(path), "%s.probe", cfg);
		if ((fp = fopen(path, "w")) == NULL)
			return 126;
		for (i = 0; i < argc; i++)
			fprintf(fp, "argv %s\n", argv[i]);
		for (e = environ; *e != NULL; e++)
			fprintf(fp, "env %s\n", *e);
		fputs(fds, fp);
		fprintf(fp, "session-leader %d\n", getsid(0) == getpid());
		if (getsockname(0, (struct sockaddr *)&ss, &sslen) == 0)
			fprintf(fp, "fd0-family %s\n", ss.ss_family == AF_INET ?
			    "inet" : ss.ss_family == AF_INET6 ? "inet6" :
			    "other");
		{
			static const struct { int level, name; const char *s; }
			    opts[] = {
				{ SOL_SOCKET, SO_KEEPALIVE, "so-keepalive" },
				{ IPPROTO_TCP, TCP_KEEPIDLE, "tcp-keepidle" },
				{ IPPROTO_TCP, TCP_KEEPINTVL, "tcp-keepintvl" },
				{ IPPROTO_TCP, TCP_KEEPCNT, "tcp-keepcnt" },
				{ IPPROTO_TCP, TCP_USER_TIMEOUT,
				    "tcp-user-timeout" },
			};
			size_t k;

			for (k = 0; k < sizeof(opts) / sizeof(opts[0]); k++) {
				int v = -1;
				socklen_t vl = sizeof(v);

				getsockopt(0, opts[k].level, opts[k].name, &v,
				    &vl);
				fprintf(fp, "%s %d\n", opts[k].s, v);
			}
		}
		{
			struct sigaction sa;
			sigset_t cur;
			int blocked = 0, handled = 0, sig;

			sigprocmask(SIG_SETMASK, NULL, &cur);
			for (sig = 1; sig < NSIG; sig++) {
				if (sigismember(&cur, sig) == 1)
					blocked++;
				if (sigaction(sig, NULL, &sa) == 0 &&
				    sa.sa_handler != SIG_DFL)
					handled++;
			}
			fprintf(fp, "signals-blocked %d\nsignals-not-default "
			    "%d\n", blocked, handled);
		}
		fclose(fp);
	}
	argv[0] = SSHD_PATH;
	execv(SSHD_PATH, argv);
	return 127;
}
